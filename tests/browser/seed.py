"""A small case for the browser tests: its people, an incident with a witness source, an archived photo."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from PIL import Image

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership, User
from apps.cases.models import Case
from apps.evidence.enums import ProcessingStatus
from apps.evidence.models import EvidenceItem, IncidentLink
from apps.incidents.enums import CasualtyScope
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType
from apps.intake.quarantine import new_quarantine_name, quarantine_path
from apps.intake.services import PIPELINE_STEPS, ReceivedFile, evidence_receive
from apps.sources.enums import SourceType
from apps.sources.models import Source
from apps.weapons.models import WeaponType
from tests.accounts.helpers import PASSWORD, totp_device_for

WITNESS_NAME = "Olena Kovalenko"
# A point in Kharkiv; the photo's GPS says roughly the same place.
LATITUDE, LONGITUDE = Decimal("49.993500"), Decimal("36.230400")


def gps_photo(*, latitude: float = 49.9935, longitude: float = 36.2304, seed: int = 0) -> bytes:
    """A JPEG with camera and GPS EXIF (an IFD 0x8825), like a phone's photo; ``seed`` makes its bytes unique."""

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes_float = (value - degrees) * 60
        minutes = int(minutes_float)
        return (float(degrees), float(minutes), round((minutes_float - minutes) * 60, 2))

    image = Image.new("RGB", (640, 480), (40 + seed % 50, 60, 90))
    for x in range(0, 640, 16):
        for y in range(0, 480, 16):
            image.putpixel((x, y), ((x * 5 + seed) % 255, (y * 3) % 255, 180))
    image.paste((210, 120, 30), (160, 120, 320, 240))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Google", "Pixel 7"
    exif[0x0132] = "2024:03:06 08:15:00"
    exif[0x8825] = {
        1: "N" if latitude >= 0 else "S",
        2: dms(abs(latitude)),
        3: "E" if longitude >= 0 else "W",
        4: dms(abs(longitude)),
        5: 0,
        6: 120.0,
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, exif=exif)
    return buffer.getvalue()


def archived_item(case: Case, uploader: User, content: bytes, *, filename: str = "photo.jpg") -> EvidenceItem:
    """Receive the bytes as an upload would, then run every pipeline step here (as a worker would)."""
    name = new_quarantine_name()
    quarantine_path(name).write_bytes(content)
    item = evidence_receive(
        case=case,
        uploaded_by=uploader,
        received=ReceivedFile(
            quarantine_name=name,
            sha256="sha256:" + hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
            original_filename=filename,
            declared_content_type="image/jpeg",
        ),
        via="test",
        caption="Damaged school building, east wall",
    )
    item.refresh_from_db()
    if item.processing_status != ProcessingStatus.ARCHIVED:  # unless eager tasks ran the pipeline at commit
        for _step, run in PIPELINE_STEPS:
            run(item_id=str(item.pk))
        item.refresh_from_db()
    return item


def member(case: Case, username: str, role: CaseRole) -> User:
    """A user who signs in with tests.accounts.helpers.PASSWORD, with this role in the case."""
    user = User.objects.create_user(username=username, email=f"{username}@example.org", password=PASSWORD)
    CaseMembership.objects.create(user=user, case=case, role=role)
    return user


@dataclass
class Seeded:
    case: Case
    investigator: User
    reviewer: User
    lead: User
    observer: User
    incident: Incident
    source: Source
    item: EvidenceItem | None = None


def seed_case(*, with_item: bool = True) -> Seeded:
    """A case with one person per role (reviewer and lead with an authenticator), an incident and its sources."""
    case = Case.objects.create(reference="KHA-2024-001", title="Shelling of Kharkiv schools")
    investigator = member(case, "ivan", CaseRole.INVESTIGATOR)
    reviewer = member(case, "rita", CaseRole.REVIEWER)
    lead = member(case, "lena", CaseRole.LEAD)
    observer = member(case, "oleg", CaseRole.OBSERVER)
    for person in (reviewer, lead):
        totp_device_for(person)

    incident = Incident.objects.create(
        case=case,
        title="Strike on School No. 134",
        narrative="A school building was hit in the early morning; the east wall collapsed.",
        start_at=datetime(2024, 3, 6, 6, 10, tzinfo=UTC),
        place_name="Kharkiv",
        admin1="Kharkivska",
        admin2="Kharkivskyi",
        latitude=LATITUDE,
        longitude=LONGITUDE,
        created_by=investigator,
    )
    incident.incident_types.set(IncidentType.objects.order_by("sort_order")[:1])
    source = Source.objects.create(
        case=case,
        source_type=SourceType.WITNESS_ACCOUNT,
        title="Account of the school's caretaker",
        witness_name=WITNESS_NAME,
        witness_contact="+380 00 000 0000",
        created_by=investigator,
    )
    allegation = Allegation.objects.create(
        case=case,
        incident=incident,
        source=source,
        asserted_on=date(2024, 3, 7),
        summary="The school was hit by an artillery shell",
    )
    weapon = WeaponType.objects.order_by("path").first()
    if weapon is not None:
        AllegedWeapon.objects.create(allegation=allegation, weapon_type=weapon)
    CasualtyFigure.objects.create(
        case=case, scope=CasualtyScope.INCIDENT, incident=incident, reporter="OHCHR", as_of=date(2024, 3, 8), injured=3
    )
    seeded = Seeded(case, investigator, reviewer, lead, observer, incident, source)
    if with_item:
        seeded.item = archived_item(case, investigator, gps_photo(seed=1))
        IncidentLink.objects.create(item=seeded.item, incident=incident, linked_by=investigator)
    return seeded
