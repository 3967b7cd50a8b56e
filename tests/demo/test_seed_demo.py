import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import override_settings
from PIL import Image, IptcImagePlugin

from apps.accounts.models import CaseMembership, User
from apps.cases.models import Case
from apps.custody.hashing import GENESIS_HASH, event_hash
from apps.custody.models import CustodyEvent
from apps.demo.services import PHOTO_CAPTION, demo_seed
from apps.evidence.models import EvidenceItem
from apps.evidence.storage import evidence_storage
from apps.incidents.models import Allegation, CasualtyFigure, Incident
from apps.sources.models import Source

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    models = (User, CaseMembership, Case, Incident, Source, Allegation, CasualtyFigure, EvidenceItem, CustodyEvent)
    return {model.__name__: model.objects.count() for model in models}


@override_settings(DEBUG=True, CUSTOS_DEMO_PASSWORD="")
def test_seed_demo_twice_creates_no_duplicates() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()

    call_command("seed_demo", stdout=io.StringIO())

    assert _counts() == first
    assert first == {
        "User": 3,
        "CaseMembership": 3,
        "Case": 1,
        "Incident": 2,
        "Source": 6,
        "Allegation": 3,
        "CasualtyFigure": 3,
        "EvidenceItem": 1,
        "CustodyEvent": 3,
    }


@override_settings(DEBUG=True, CUSTOS_DEMO_PASSWORD="")
def test_a_generated_demo_password_is_printed_once_and_works() -> None:
    first, second = io.StringIO(), io.StringIO()

    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)

    password = first.getvalue().split("(shown only this once): ")[1].split()[0]
    assert password not in second.getvalue()
    assert all(
        User.objects.get(username=name).check_password(password) for name in ("investigator", "reviewer", "lead")
    )


@override_settings(DEBUG=True, CUSTOS_DEMO_PASSWORD="chosen-demo-password")
def test_the_demo_password_comes_from_the_environment_when_set() -> None:
    demo_seed()

    assert User.objects.get(username="reviewer").check_password("chosen-demo-password")
    assert dict(CaseMembership.objects.values_list("user__username", "role")) == {
        "investigator": "investigator",
        "reviewer": "reviewer",
        "lead": "lead",
    }


@override_settings(DEBUG=False)
def test_demo_users_are_never_created_when_debug_is_off() -> None:
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    assert User.objects.count() == 0
    assert Case.objects.filter(reference="UA-2022-0001").exists()
    assert "DEBUG is off: no demo users were created." in out.getvalue()


def test_the_demo_case_holds_the_seed_articles_facts() -> None:
    case = demo_seed().case

    irpin = Incident.objects.get(case=case, place_name="Irpin")
    assert (irpin.admin1, irpin.admin2, irpin.start_precision) == ("Kyiv oblast", "Bucha raion", "day")
    assert irpin.start_at.astimezone(ZoneInfo("Europe/Kyiv")).date() == date(2022, 3, 6)
    assert list(
        CasualtyFigure.objects.filter(case=case, reporter="OHCHR")
        .order_by("as_of")
        .values_list("as_of", "killed", "injured")
    ) == [(date(2022, 3, 3), 249, 553), (date(2022, 3, 4), 331, 675), (date(2022, 3, 6), 364, 759)]
    nato = Allegation.objects.get(case=case, source__publisher="NATO")
    assert set(nato.alleged_weapons.values_list("slug", flat=True)) == {
        "cluster-munitions",
        "thermobaric-fuel-air-weapons",
    }
    assert set(nato.weapon_claims.values_list("confidence", flat=True)) == {"alleged"}
    assert Incident.objects.get(case=case, place_name="Volnovakha").verification_status == "unverified"
    assert set(Source.objects.filter(case=case).values_list("publisher", flat=True)) >= {"CNN", "OHCHR", "NATO"}


def test_the_placeholder_photo_carries_the_seed_caption_and_credit_in_iptc() -> None:
    case = demo_seed().case
    item = EvidenceItem.objects.get(case=case)

    with evidence_storage().open(item.storage_name, "rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        iptc = IptcImagePlugin.getiptcinfo(image)

    assert iptc is not None
    assert iptc[(2, 120)].decode("utf-8") == PHOTO_CAPTION
    assert iptc[(2, 80)] == b"Emin Sansar"
    assert iptc[(2, 110)] == b"Anadolu Agency via Getty Images"
    assert item.credit_line == "Photo by Emin Sansar/Anadolu Agency via Getty Images"
    assert "stands in for the Getty Images photo" in item.description
    assert list(item.incidents.values_list("place_name", flat=True)) == ["Irpin"]


def test_the_placeholder_photos_custody_chain_links_up() -> None:
    item = EvidenceItem.objects.get(case=demo_seed().case)

    events = list(item.custody_events.order_by("sequence"))

    assert [(event.sequence, event.action) for event in events] == [
        (1, "received"),
        (2, "archived"),
        (3, "incident_linked"),
    ]
    assert events[0].prev_hash == GENESIS_HASH
    assert [event.prev_hash for event in events[1:]] == [event.event_hash for event in events[:-1]]
    for event in events:
        assert event.event_hash == event_hash(
            item_id=str(item.pk),
            sequence=event.sequence,
            action=event.action,
            actor=event.actor,
            actor_user_id=event.actor_user_id,
            occurred_at=event.occurred_at,
            details=event.details,
            prev_hash=event.prev_hash,
        )
    assert isinstance(events[0].occurred_at, datetime)
