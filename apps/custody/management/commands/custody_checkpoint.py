from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.custody.services import custody_checkpoint_create


class Command(BaseCommand):
    help = "Make a custody checkpoint now (the scheduled task does this periodically)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Even if nothing changed since the latest one.")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = custody_checkpoint_create(force=options["force"])
        stamp = (
            f"timestamped at {checkpoint.tsa_time:%Y-%m-%d %H:%M:%S %Z}"
            if checkpoint.is_timestamped
            else (f"untimestamped ({checkpoint.tsa_error or 'no TSA configured'})")
        )
        self.stdout.write(
            f"Checkpoint {checkpoint.pk}: {checkpoint.leaf_count} chains, {checkpoint.event_count} events, "
            f"root {checkpoint.root_hash}, {stamp}."
        )
