from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.common.services import worker_ping


class Command(BaseCommand):
    help = "Check that a Celery worker consumes the queue: send a ping task and wait for it to run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait (default 30).")

    def handle(self, *args: Any, **options: Any) -> None:
        elapsed = worker_ping(timeout_seconds=options["timeout"])
        if elapsed is None:
            raise CommandError(f"No worker ran the ping task within {options['timeout']:.0f} s.")
        self.stdout.write(f"A worker ran the ping task in {elapsed:.2f} s.")
