import shutil
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.storage import evidence_storage
from apps.exports.enums import ExportStatus, RecipientType
from apps.exports.services import export_bundle_build, export_bundle_create
from apps.incidents.models import Incident


class Command(BaseCommand):
    help = (
        "Build a signed case bundle (BagIt ZIP) now, in this process, and copy it to --out. The export is "
        "registered and recorded in custody like one started from the case page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case_ref", metavar="CASE_REF", help="The case reference, e.g. UA-2022-0001.")
        parser.add_argument("--out", required=True, help="A file to write, or a folder to write <bag name>.zip into.")
        parser.add_argument(
            "--recipient-type",
            choices=RecipientType.values,
            default=RecipientType.NATIONAL_PROSECUTOR,
            help="Who receives it; items not cleared for that recipient type are left out.",
        )
        parser.add_argument("--organisation", default="", help="The receiving organisation.")
        parser.add_argument("--person", default="", help="The receiving person.")
        parser.add_argument("--purpose", default="", help="Why the bundle is handed over.")
        parser.add_argument("--include-pending", action="store_true", help="Also include items not yet approved.")
        parser.add_argument("--include-derivatives", action="store_true", help="Also include thumbnails/previews.")
        parser.add_argument(
            "--incident", action="append", default=[], metavar="ID", help="Only this incident (repeatable)."
        )
        parser.add_argument(
            "--requested-by",
            metavar="USERNAME",
            help="The lead on whose behalf the export is made (default: the case's only lead).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(reference=options["case_ref"]).first()
        if case is None:
            raise CommandError(f"No case with reference {options['case_ref']!r}.")
        requested_by = self._requester(case, options["requested_by"])
        try:
            incidents = [Incident.objects.get(case=case, pk=incident_id) for incident_id in options["incident"]]
        except (Incident.DoesNotExist, ValidationError):
            raise CommandError("Every --incident must be the id of an incident of this case.") from None
        try:
            bundle = export_bundle_create(
                case=case,
                requested_by=requested_by,
                recipient_type=options["recipient_type"],
                recipient_organisation=options["organisation"],
                recipient_person=options["person"],
                purpose=options["purpose"],
                incidents=incidents,
                include_pending=options["include_pending"],
                include_derivatives=options["include_derivatives"],
                enqueue=False,
            )
        except PermissionDenied:
            raise CommandError(f"{requested_by.get_username()} is not a lead of {case.reference}.") from None
        bundle = export_bundle_build(bundle_id=bundle.pk)
        if bundle.status != ExportStatus.DONE:
            raise CommandError(f"The export failed: {bundle.error}")
        out = Path(options["out"])
        if out.is_dir():
            out = out / f"{case.reference}_{bundle.pk}.zip"
        with evidence_storage().open(bundle.storage_name, "rb") as stored, out.open("wb") as target:
            shutil.copyfileobj(stored, target, 4 * 1024 * 1024)
        self.stdout.write(f"Bundle {bundle.pk}: {bundle.item_count} item(s), {len(bundle.excluded)} left out.")
        for entry in bundle.excluded:
            self.stdout.write(f"  left out {entry['item']}: {entry['reason']}")
        self.stdout.write(f"Written to {out} ({bundle.size_bytes} bytes, {bundle.sha256}).")

    def _requester(self, case: Case, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            return user
        leads = list(User.objects.filter(case_memberships__case=case, case_memberships__role=CaseRole.LEAD)[:2])
        if len(leads) != 1:
            raise CommandError("Say on whose behalf with --requested-by USERNAME (the case has not exactly one lead).")
        return leads[0]
