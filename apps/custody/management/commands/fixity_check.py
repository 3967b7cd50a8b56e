from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.cases.management_options import case_from_option
from apps.custody.services import fixity_run


class Command(BaseCommand):
    help = (
        "Re-hash archived originals now and record each result in custody. Without --all, "
        "checks the next due batch, as the scheduled task does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", metavar="REF", help="Only the items of this case.")
        parser.add_argument("--all", action="store_true", help="Check every archived original, due or not.")

    def handle(self, *args: Any, **options: Any) -> None:
        case = case_from_option(options["case"])
        results = fixity_run(case=case, check_all=options["all"])
        failed = [result for result in results if not result.passed]
        self.stdout.write(f"Checked {len(results)} original(s); {len(failed)} failed.")
        for result in failed:
            self.stdout.write(self.style.ERROR(f"  {result.item_id}: {result.problem}"))
        if failed:
            raise CommandError("Fixity check FAILED; integrity alerts were raised.")
