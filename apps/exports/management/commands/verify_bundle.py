from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.exports.verification import bundle_verify


class Command(BaseCommand):
    help = (
        "Check a case bundle (ZIP or unzipped folder): BagIt structure, manifests, tag manifests, every "
        "custody chain and its head, the checkpoint, and the Ed25519 signature. Read-only. "
        "Exits non-zero on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The bundle's ZIP file or unzipped bag folder.")
        parser.add_argument(
            "--public-key",
            type=Path,
            metavar="PEM",
            help="Check the signature against this public key (PEM) instead of the one included in the bundle; "
            "an included key that differs is a failure.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        public_key_pem = None
        if options["public_key"] is not None:
            try:
                public_key_pem = options["public_key"].read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read the public key {options['public_key']}: {error}") from None
        report = bundle_verify(path=options["path"], public_key_pem=public_key_pem)
        for status, text in report.lines:
            line = f"{status:<5} {text}"
            self.stdout.write(self.style.ERROR(line) if status == "FAIL" else line)
        if report.problems:
            raise CommandError(f"Bundle verification FAILED: {len(report.problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("Bundle verification passed."))
