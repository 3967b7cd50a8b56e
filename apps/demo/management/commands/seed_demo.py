from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.demo.services import demo_seed


class Command(BaseCommand):
    help = "Load the demo case UA-2022-0001 (Irpin, March 2022). Idempotent. Demo users only under DEBUG."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_seed()
        if result.created:
            self.stdout.write(f"Demo case {result.case.reference}: created {len(result.created)} objects.")
        else:
            self.stdout.write(f"Demo case {result.case.reference} is already loaded; nothing to do.")
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo users were created.")
            return
        self.stdout.write("Demo logins: " + ", ".join(result.users))
        if result.generated_password:
            self.stdout.write(
                self.style.WARNING(
                    f"Their password (shown only this once): {result.generated_password}\n"
                    "Set CUSTOS_DEMO_PASSWORD to choose it instead."
                )
            )
        elif settings.CUSTOS_DEMO_PASSWORD:
            self.stdout.write("Their password is the value of CUSTOS_DEMO_PASSWORD.")
        else:
            self.stdout.write(
                "Their password was printed when they were created; set CUSTOS_DEMO_PASSWORD and re-run to reset it."
            )
