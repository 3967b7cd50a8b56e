from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.exports.keys import (
    SigningKeyError,
    public_key_fingerprint,
    public_key_pem,
    signing_key_generate,
    signing_key_load,
    signing_key_path,
)

KEY_FILE_NAME = "export-signing-key.pem"


class Command(BaseCommand):
    help = (
        "The organisation's Ed25519 key that signs case bundles. `keys generate` creates one (never "
        "overwriting); `keys show` prints the configured key's public key and fingerprint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["generate", "show"])
        parser.add_argument(
            "--out",
            metavar="DIR",
            help=f"generate: write DIR/{KEY_FILE_NAME} instead of the configured EXPORT_SIGNING_KEY_FILE.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            path = Path(options["out"]) / KEY_FILE_NAME if options["out"] else signing_key_path()
            try:
                key = signing_key_generate(path)
            except FileExistsError:
                raise CommandError(f"{path} already exists; it was left unchanged.") from None
            self.stdout.write(f"Signing key written to {path} (mode 0600). Keep it secret and backed up.")
            if path != signing_key_path():
                self.stdout.write(f"Set EXPORT_SIGNING_KEY_FILE={path} to sign bundles with it.")
        else:
            try:
                key = signing_key_load()
            except SigningKeyError as error:
                raise CommandError(str(error)) from None
        public = key.public_key()
        self.stdout.write(f"Fingerprint: {public_key_fingerprint(public)}")
        self.stdout.write(public_key_pem(public).decode("ascii"), ending="")
