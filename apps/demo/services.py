"""The demo case, built from the news report in shared/reference/seed-article.txt.

A report dated 2022-03-07 about fires in Irpin after attacks on 2022-03-06;
statements by the US Secretary of State (CNN interview) and NATO's Secretary
General (cluster munitions, "vacuum bombs"); OHCHR's casualty figures as of
3, 4 and 6 March 2022; unverified reports from Volnovakha. Every fact here
comes from that report; where the report does not say something (a URL, the
exact date of NATO's statement), the field is left empty and a note says so.

demo_seed() is idempotent: each object is looked up by a natural key before
it is created, so running it twice creates nothing new.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.accounts.services import membership_set
from apps.cases.models import Case
from apps.common.enums import LocationPrecision, TimePrecision
from apps.custody.services import system_actor
from apps.demo.photo import PhotoMetadata, make_placeholder_photo
from apps.evidence.enums import CollectionMethod, ConsentStatus, EvidenceKind
from apps.evidence.models import EvidenceItem
from apps.evidence.services import evidence_import_file, evidence_link_incident
from apps.evidence.storage import digest_stream
from apps.incidents.enums import CasualtyScope, VerificationStatus, WeaponConfidence
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType
from apps.sources.enums import SourceReliability, SourceType
from apps.sources.models import Source
from apps.weapons.models import WeaponType

KYIV = ZoneInfo("Europe/Kyiv")
CASE_REFERENCE = "UA-2022-0001"
DEMO_USERS = {"investigator": CaseRole.INVESTIGATOR, "reviewer": CaseRole.REVIEWER, "lead": CaseRole.LEAD}
SEED_REPORT_NOTE = "From the news report of 2022-03-07 in shared/reference/seed-article.txt."
PHOTO_CREDIT = "Photo by Emin Sansar/Anadolu Agency via Getty Images"
PHOTO_CAPTION = (
    "IRPIN, UKRAINE - MARCH 06: Views from the city of Irpin, northwest of Kyiv, fire occurred in "
    "settlements after ongoing Russian attacks on Ukraine, in Irpin, Ukraine on March 06, 2022. "
    f"({PHOTO_CREDIT})"
)


@dataclass
class DemoSeedResult:
    case: Case
    created: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    # Set only when passwords were generated on this run: shown once, never stored.
    generated_password: str = ""


def _day(year: int, month: int, day: int) -> datetime:
    """The start of a day in Kyiv, stored as UTC; its precision says "day"."""
    return datetime(year, month, day, tzinfo=KYIV)


def _demo_users(result: DemoSeedResult) -> dict[str, User]:
    """investigator, reviewer and lead; only under DEBUG (never on a production server)."""
    if not settings.DEBUG:
        return {}
    configured_password = settings.CUSTOS_DEMO_PASSWORD
    users: dict[str, User] = {}
    new_password = ""
    for username in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": username.title()})
        if created or configured_password:
            password = configured_password or new_password or secrets.token_urlsafe(12)
            new_password = "" if configured_password else password
            user.set_password(password)
        if username == "lead":
            # The demo lead also administers the site, so the admin can be explored.
            user.is_staff = user.is_superuser = True
        user.save()
        if created:
            result.created.append(f"user {username}")
        users[username] = user
    result.generated_password = new_password
    result.users = list(DEMO_USERS)
    return users


def _sources(case: Case, result: DemoSeedResult) -> dict[str, Source]:
    specs: dict[str, dict[str, Any]] = {
        "report": {
            "source_type": SourceType.NEWS_REPORT,
            "title": "The US notes potential war crimes committed by Russia against Ukraine",
            "published_at": _day(2022, 3, 7),
            "reliability": SourceReliability.RELIABLE,
            "notes": SEED_REPORT_NOTE + " The report does not name its publisher.",
        },
        "cnn": {
            "source_type": SourceType.NEWS_REPORT,
            "title": "Interview with US Secretary of State Antony Blinken",
            "publisher": "CNN",
            "published_at": _day(2022, 3, 6),
            "reliability": SourceReliability.RELIABLE,
            "notes": "Known through the news report of 2022-03-07, which quotes it.",
        },
        "nato": {
            "source_type": SourceType.OFFICIAL_STATEMENT,
            "title": "NATO Secretary General Jens Stoltenberg on Russia's use of weapons in Ukraine",
            "publisher": "NATO",
            "author": "Jens Stoltenberg",
            "reliability": SourceReliability.RELIABLE,
            "notes": "Known through the news report of 2022-03-07, which does not date the statement.",
        },
    }
    for day in (3, 4, 6):
        specs[f"ohchr-{day}"] = {
            "source_type": SourceType.UN_NGO_REPORT,
            "title": f"Ukraine: civilian casualty update, {day} March 2022",
            "publisher": "OHCHR",
            "published_at": _day(2022, 3, day),
            "reliability": SourceReliability.HIGHLY_RELIABLE,
            "notes": "Figures as reported in the news report of 2022-03-07.",
        }
    sources = {}
    for key, spec in specs.items():
        title = str(spec.pop("title"))
        source, created = Source.objects.get_or_create(case=case, title=title, defaults=spec)
        if created:
            result.created.append(f"source {title}")
        sources[key] = source
    return sources


def _incidents(case: Case, creator: User | None, result: DemoSeedResult) -> dict[str, Incident]:
    irpin, created = Incident.objects.get_or_create(
        case=case,
        title="Fires in settlements of Irpin after attacks",
        defaults={
            "narrative": (
                "On 6 March 2022 fires burned in settlements of Irpin, northwest of Kyiv, after ongoing "
                "attacks, as a photograph by Emin Sansar (Anadolu Agency, via Getty Images) shows. " + SEED_REPORT_NOTE
            ),
            "start_at": _day(2022, 3, 6),
            "start_precision": TimePrecision.DAY,
            "place_name": "Irpin",
            "admin1": "Kyiv oblast",
            "admin2": "Bucha raion",
            "admin3": "Irpin urban hromada",
            "latitude": Decimal("50.521800"),
            "longitude": Decimal("30.250600"),
            "location_precision": LocationPrecision.SETTLEMENT,
            "verification_status": VerificationStatus.UNVERIFIED,
            "created_by": creator,
        },
    )
    if created:
        irpin.incident_types.set(IncidentType.objects.filter(code__in=["attack-on-civilian-objects"]))
        irpin.tags.add("Irpin", "fire", "shelling")
        result.created.append("incident Irpin")
    volnovakha, created = Incident.objects.get_or_create(
        case=case,
        title="Reports of hundreds of civilians killed or injured in Volnovakha",
        defaults={
            "narrative": (
                "OHCHR noted unverified reports of hundreds of civilians killed or injured in the city of "
                "Volnovakha. The reports are not dated more closely than the period since 24 February 2022. "
                + SEED_REPORT_NOTE
            ),
            "start_at": _day(2022, 2, 24),
            "start_precision": TimePrecision.APPROXIMATE,
            "end_at": _day(2022, 3, 6),
            "end_precision": TimePrecision.APPROXIMATE,
            "place_name": "Volnovakha",
            "admin1": "Donetsk oblast",
            "admin2": "Volnovakha raion",
            "admin3": "Volnovakha urban hromada",
            "latitude": Decimal("47.601100"),
            "longitude": Decimal("37.495300"),
            "location_precision": LocationPrecision.SETTLEMENT,
            "verification_status": VerificationStatus.UNVERIFIED,
            "created_by": creator,
        },
    )
    if created:
        volnovakha.incident_types.set(IncidentType.objects.filter(code__in=["attack-on-civilians"]))
        volnovakha.tags.add("Volnovakha")
        result.created.append("incident Volnovakha")
    return {"irpin": irpin, "volnovakha": volnovakha}


def _allegations(
    case: Case, incidents: dict[str, Incident], sources: dict[str, Source], result: DemoSeedResult
) -> None:
    _blinken, created = Allegation.objects.get_or_create(
        case=case,
        source=sources["cnn"],
        summary="Deliberate attacks on civilians that would constitute a war crime; use of certain weapons",
        defaults={
            "asserted_on": date(2022, 3, 6),
            "claimant": "US Secretary of State Antony Blinken",
            "quote": (
                "We've seen very credible reports of deliberate attacks on civilians that would constitute "
                "a war crime. We've seen very credible reports of the use of certain weapons."
            ),
            "alleged_perpetrator": "Russian armed forces",
        },
    )
    if created:
        result.created.append("allegation Blinken")
    nato, created = Allegation.objects.get_or_create(
        case=case,
        source=sources["nato"],
        summary="Russia is using cluster munitions and vacuum bombs",
        defaults={
            # The report of 2022-03-07 relays the statement without its own date.
            "asserted_on": date(2022, 3, 7),
            "claimant": "NATO Secretary General Jens Stoltenberg",
            "quote": "NATO Secretary General Jens Stoltenberg also accused Russia of using cluster munitions "
            "and vacuum bombs (as reported).",
            "alleged_perpetrator": "Russian armed forces",
        },
    )
    if created:
        basis = "Statement by NATO's Secretary General; no incident, remnant or image named in the report."
        for slug in ("cluster-munitions", "thermobaric-fuel-air-weapons"):
            AllegedWeapon.objects.create(
                allegation=nato,
                weapon_type=WeaponType.objects.get(slug=slug),
                confidence=WeaponConfidence.ALLEGED,
                basis=basis,
            )
        result.created.append("allegation NATO")
    _volnovakha, created = Allegation.objects.get_or_create(
        case=case,
        source=sources["ohchr-6"],
        summary="Unverified reports of hundreds of civilians killed or injured in Volnovakha",
        defaults={"incident": incidents["volnovakha"], "asserted_on": date(2022, 3, 6), "claimant": "OHCHR"},
    )
    if created:
        result.created.append("allegation Volnovakha")


def _casualty_figures(case: Case, sources: dict[str, Source], result: DemoSeedResult) -> None:
    caveat = "OHCHR believes the actual figures are considerably higher."
    for day, killed, injured in ((3, 249, 553), (4, 331, 675), (6, 364, 759)):
        as_of = date(2022, 3, day)
        if CasualtyFigure.objects.filter(case=case, reporter="OHCHR", as_of=as_of).exists():
            continue
        CasualtyFigure.objects.create(
            case=case,
            scope=CasualtyScope.REGION,
            region_name="Ukraine",
            reporter="OHCHR",
            source=sources[f"ohchr-{day}"],
            as_of=as_of,
            period_start=date(2022, 2, 24),
            killed=killed,
            injured=injured,
            caveat=caveat,
        )
        result.created.append(f"casualty figure OHCHR {as_of}")


def _placeholder_photo() -> bytes:
    return make_placeholder_photo(
        metadata=PhotoMetadata(
            caption=PHOTO_CAPTION,
            credit="Anadolu Agency via Getty Images",
            byline="Emin Sansar",
            copyright_notice="Anadolu Agency / Getty Images",
            city="Irpin",
            province_state="Kyiv oblast",
            country="Ukraine",
            country_code="UKR",
            headline="Fires in Irpin after attacks",
            source="Getty Images",
            date_created="20220306",
            special_instructions="PLACEHOLDER generated by Custos seed_demo; not the original photo.",
        ),
        label="PLACEHOLDER - stands in for the Getty Images photo of Irpin, 6 March 2022",
    )


def _photo(case: Case, irpin: Incident, investigator: User | None, result: DemoSeedResult) -> None:
    photo = _placeholder_photo()
    if EvidenceItem.objects.filter(case=case, sha256=digest_stream(io.BytesIO(photo)).sha256).exists():
        return
    item = evidence_import_file(
        case=case,
        stream=io.BytesIO(photo),
        original_filename="irpin-2022-03-06-placeholder.jpg",
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        description=(
            "PLACEHOLDER generated by seed_demo. It stands in for the Getty Images photo of fires in Irpin "
            "on 6 March 2022, which Custos cannot ship; it carries that photo's caption and credit in its "
            "IPTC metadata."
        ),
        caption=PHOTO_CAPTION,
        credit_line=PHOTO_CREDIT,
        rights_holder="Getty Images / Anadolu Agency",
        licence="Original under Getty Images licence; this placeholder is generated by Custos.",
        collection_method=CollectionMethod.OPEN_SOURCE,
        collector_name="Custos demo",
        declared_captured_at=_day(2022, 3, 6),
        declared_place_name="Irpin, Kyiv oblast",
        consent_status=ConsentStatus.NOT_REQUIRED,
        collected_by=investigator,
        actor_user=investigator,
        actor_system="" if investigator else system_actor("seed-demo"),
    )
    evidence_link_incident(
        item=item,
        incident=irpin,
        actor_user=investigator,
        actor_system="" if investigator else system_actor("seed-demo"),
    )
    result.created.append("evidence placeholder photo")


def demo_seed() -> DemoSeedResult:
    """Create (or complete) the demo case. Idempotent.

    Side effects: the demo case and its incidents, sources, allegations,
    casualty series and placeholder photo (file in evidence storage, with
    custody events); under DEBUG only, the demo users and their memberships.
    """
    with transaction.atomic():
        result = DemoSeedResult(case=Case())
        users = _demo_users(result)
        case, created = Case.objects.get_or_create(
            reference=CASE_REFERENCE,
            defaults={
                "title": "Attacks on civilians around Kyiv, March 2022 (demo)",
                "description": "Demo case built from a news report dated 2022-03-07. " + SEED_REPORT_NOTE,
                "created_by": users.get("lead"),
            },
        )
        result.case = case
        if created:
            result.created.append(f"case {CASE_REFERENCE}")
        for username, role in DEMO_USERS.items():
            if username in users:
                membership_set(case=case, user=users[username], role=role, added_by=users.get("lead"))
        sources = _sources(case, result)
        incidents = _incidents(case, users.get("investigator"), result)
        _allegations(case, incidents, sources, result)
        _casualty_figures(case, sources, result)
        _photo(case, incidents["irpin"], users.get("investigator"), result)
    return result
