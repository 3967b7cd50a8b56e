from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.cases.management_options import case_from_option
from apps.custody.selectors import custody_verify
from apps.evidence.selectors import archived_files_verify


class Command(BaseCommand):
    help = (
        "Recompute every custody chain and the latest checkpoint, and re-hash archived files. "
        "Read-only. Exits non-zero on any break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", metavar="REF", help="Only the items of this case (e.g. UA-2022-0001).")
        parser.add_argument("--skip-files", action="store_true", help="Do not re-hash archived files.")

    def handle(self, *args: Any, **options: Any) -> None:
        case = case_from_option(options["case"])
        report = custody_verify(case=case)
        self.stdout.write(f"Items checked:  {report.items_checked}")
        self.stdout.write(f"Events checked: {report.events_checked}")
        if report.checkpoint_id is None:
            self.stdout.write("Checkpoint:     none yet")
        else:
            self.stdout.write(
                f"Checkpoint:     {report.checkpoint_id} " + ("ok" if not report.checkpoint_problems else "BROKEN")
            )
        problems = 0
        if report.breaks_total:
            problems += report.breaks_total
            first = report.breaks[0]
            self.stdout.write(
                self.style.ERROR(
                    f"Chain breaks:   {report.breaks_total}; first broken link: item {first.item_id} "
                    f"sequence {first.sequence}: {first.reason}"
                )
            )
            for chain_break in report.breaks[1:]:
                self.stdout.write(f"  item {chain_break.item_id} sequence {chain_break.sequence}: {chain_break.reason}")
        for problem in report.checkpoint_problems:
            problems += 1
            self.stdout.write(self.style.ERROR(problem))
        if not options["skip_files"]:
            files = archived_files_verify(case=case)
            self.stdout.write(f"Files checked:  {files.checked}")
            for failure in files.failures:
                problems += 1
                self.stdout.write(self.style.ERROR(f"File: {failure}"))
        if problems:
            raise CommandError(f"Custody verification FAILED: {problems} problem(s).")
        self.stdout.write(self.style.SUCCESS("Custody verification passed."))
