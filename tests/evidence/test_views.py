"""The item page and the printable chain-of-custody report: what they show, to whom, and how many queries."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.custody import db_triggers
from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent
from apps.custody.selectors import ChainBreak
from apps.custody.services import custody_record, custody_transfer, system_actor
from apps.evidence.enums import EvidenceKind
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import can_view_item
from apps.evidence.selectors import evidence_item_for_user
from apps.evidence.views import DetailEntry, TransferRow, detail_entries
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, EvidenceItemFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SHA256 = "sha256:" + "ab" * 32
SHA512 = "sha512:" + "cd" * 64
# 12:00:00.000005 UTC is 14:00:00 in Kyiv (EET, UTC+2) on that day.
EVENT_TIME = datetime(2022, 3, 6, 12, 0, 0, 5, tzinfo=UTC)
CONTENT_CHANGED = "its content does not match its hash (changed after it was written)"


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Django's clock stopped at EVENT_TIME, so that recorded and displayed times are known exactly."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: EVENT_TIME)
    return EVENT_TIME


@pytest.fixture
def item(db: None) -> EvidenceItem:
    return EvidenceItemFactory(
        case=CaseFactory(reference="UA-2022-0001", title="Shelling of a residential block"),
        number=7,
        description="Photo of the impact crater",
        original_filename="crater.jpg",
        size_bytes=2048,
        sha256=SHA256,
        sha512=SHA512,
        collector_name="Olena K.",
        collected_place="Irpin",
        collected_at=datetime(2022, 3, 6, 8, 30, tzinfo=UTC),
    )


@pytest.fixture
def member(item: EvidenceItem) -> User:
    return MembershipFactory(user__username="alice", case=item.case, role=CaseRole.INVESTIGATOR).user


@pytest.fixture
def other_case_member(db: None) -> User:
    return MembershipFactory(user__username="bob", role=CaseRole.LEAD).user


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(username="charlie")


@pytest.fixture
def site_admin(db: None) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _detail_url(item: EvidenceItem) -> str:
    return reverse("evidence:item_detail", args=[item.pk])


def _report_url(item: EvidenceItem) -> str:
    return reverse("evidence:custody_report", args=[item.pk])


def _tamper(event_id: int, details: dict[str, Any]) -> None:
    """Rewrite an event's details with raw SQL, as someone with database access would, triggers dropped first."""
    db_triggers.drop(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE custody_custodyevent SET details = %s WHERE id = %s", [json.dumps(details), event_id])
    db_triggers.install(connection)


# --- Who may see an item -----------------------------------------------------------------


def test_only_members_of_the_items_case_may_view_it(
    item: EvidenceItem, member: User, other_case_member: User, outsider: User, site_admin: User
) -> None:
    assert [can_view_item(user, item) for user in (member, other_case_member, outsider, site_admin)] == [
        True,
        False,
        False,
        False,
    ]
    assert can_view_item(AnonymousUser(), item) is False


def test_the_item_selector_finds_the_item_only_for_members(
    item: EvidenceItem, member: User, other_case_member: User, outsider: User
) -> None:
    assert evidence_item_for_user(user=member, item_id=item.pk) == item
    assert evidence_item_for_user(user=other_case_member, item_id=item.pk) is None
    assert evidence_item_for_user(user=outsider, item_id=item.pk) is None
    assert evidence_item_for_user(user=AnonymousUser(), item_id=item.pk) is None


@pytest.mark.parametrize("url", [_detail_url, _report_url])
@pytest.mark.parametrize("who", ["other_case_member", "outsider", "site_admin"])
def test_non_members_get_404_as_if_the_item_did_not_exist(
    client: Client, item: EvidenceItem, request: pytest.FixtureRequest, who: str, url: Any
) -> None:
    login_verified(client, request.getfixturevalue(who))

    response = client.get(url(item))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["evidence:item_detail", "evidence:custody_report"])
def test_an_unknown_item_id_gets_404(client: Client, member: User, name: str) -> None:
    client.force_login(member)

    response = client.get(reverse(name, args=["00000000-0000-4000-8000-000000000000"]))

    assert response.status_code == 404


@pytest.mark.parametrize("url", [_detail_url, _report_url])
def test_anonymous_users_are_sent_to_sign_in(client: Client, item: EvidenceItem, url: Any) -> None:
    response = client.get(url(item))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url(item)}"


def test_the_pages_answer_only_reads(client: Client, item: EvidenceItem, member: User) -> None:
    client.force_login(member)

    assert client.post(_detail_url(item)).status_code == 405
    assert client.post(_report_url(item)).status_code == 405


# --- The item page -------------------------------------------------------------------------


def test_a_member_sees_the_items_record_and_hashes(client: Client, item: EvidenceItem, member: User) -> None:
    client.force_login(member)

    response = client.get(_detail_url(item))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Evidence item UA-2022-0001/E0007</h1>" in content
    assert "<dt>Case</dt><dd>UA-2022-0001 — Shelling of a residential block</dd>" in content
    assert '<dt>Description</dt><dd class="prose">Photo of the impact crater</dd>' in content
    assert '<dt>Original filename</dt><dd class="filename">crater.jpg</dd>' in content
    assert "<dt>Size</dt><dd>2.0\xa0KB (2048 bytes)</dd>" in content
    assert (
        f'<dt>SHA-256</dt><dd><code class="hash" id="hash-sha256">{SHA256}</code> '
        '<button type="button" class="copy-button" data-copy="hash-sha256" aria-label="Copy the SHA-256">Copy</button>'
        "</dd>"
    ) in content
    assert (
        f'<dt>SHA-512</dt><dd><code class="hash" id="hash-sha512">{SHA512}</code> '
        '<button type="button" class="copy-button" data-copy="hash-sha512" aria-label="Copy the SHA-512">Copy</button>'
        "</dd>"
    ) in content
    assert "<dt>Place collected</dt><dd>Irpin</dd>" in content
    assert "<dt>Collected at</dt><dd>2022-03-06 10:30:00 +0200</dd>" in content
    assert '<dt>Integrity</dt><dd class="integrity-unchecked">Not yet checked</dd>' in content
    assert f'href="{_report_url(item)}"' in content
    assert "Storage location" not in content


def test_a_physical_items_storage_seals_and_condition_are_shown(client: Client, member: User) -> None:
    physical = EvidenceItemFactory(
        case=member.case_memberships.get().case,
        kind=EvidenceKind.PHYSICAL,
        storage_location="Evidence room 2, shelf B",
        seal_numbers="S-0042",
        condition="Fragment, rusted",
    )
    client.force_login(member)

    content = client.get(_detail_url(physical)).content.decode()

    assert "<dt>Storage location</dt><dd>Evidence room 2, shelf B</dd>" in content
    assert "<dt>Seal numbers</dt><dd>S-0042</dd>" in content
    assert '<dt>Condition</dt><dd class="prose">Fragment, rusted</dd>' in content


def test_the_timeline_shows_who_what_when_and_why_in_the_display_time_zone(
    client: Client, item: EvidenceItem, member: User, fixed_clock: datetime
) -> None:
    custody_record(
        item=item, action=CustodyAction.RECEIVED, actor_system=system_actor("intake"), details={"size_bytes": 2048}
    )
    custody_record(
        item=item,
        action=CustodyAction.PHYSICAL_MOVED,
        actor_user=member,
        details={
            "reason": "Moved for lab analysis",
            "before": {"location": "Shelf A", "condition": "intact"},
            "after": {"location": "Lab 3", "condition": "intact"},
        },
    )
    client.force_login(member)

    response = client.get(_detail_url(item))

    timeline = response.context["timeline"]
    assert [(entry.event.sequence, entry.reason, entry.details, entry.broken) for entry in timeline] == [
        (1, "", [DetailEntry(label="size_bytes", value="2048")], False),
        (
            2,
            "Moved for lab analysis",
            [
                DetailEntry(label="condition", before="intact", after="intact", is_change=True),
                DetailEntry(label="location", before="Shelf A", after="Lab 3", is_change=True),
            ],
            False,
        ),
    ]
    content = response.content.decode()
    assert '<time datetime="2022-03-06T12:00:00.000005+00:00">2022-03-06 14:00:00 +0200</time>' in content
    assert '<strong class="action">Physical item moved</strong>' in content
    assert '<p class="actor">By user:alice</p>' in content
    assert f'<p class="actor">By {system_actor("intake")}</p>' in content
    assert '<p class="reason"><span class="label">Reason:</span> Moved for lab analysis</p>' in content
    assert (
        '<dd><span class="before">Shelf A</span> <span aria-hidden="true">→</span>'
        '<span class="visually-hidden">changed to</span> <span class="after">Lab 3</span></dd>'
    ) in content
    assert "Times are shown in Europe/Kyiv; they are recorded in UTC." in content


def test_an_intact_chain_says_when_it_was_verified_and_how_many_events(
    client: Client, item: EvidenceItem, member: User, fixed_clock: datetime
) -> None:
    for action in (CustodyAction.RECEIVED, CustodyAction.VERIFIED):
        custody_record(item=item, action=action, actor_system=system_actor("intake"))
    client.force_login(member)

    content = client.get(_detail_url(item)).content.decode()

    assert (
        '<section class="chain-status chain-ok" role="status">\n'
        "  <p><strong>Chain verified at 2022-03-06 14:00:00 +0200: 2 events intact</strong></p>"
    ) in content


def test_an_item_without_custody_events_is_flagged(client: Client, item: EvidenceItem, member: User) -> None:
    client.force_login(member)

    content = client.get(_detail_url(item)).content.decode()

    assert (
        '<section class="chain-status chain-broken" role="alert">\n'
        "  <p><strong>No custody events are recorded for this item: "
        "its chain of custody cannot be verified.</strong></p>"
    ) in content


def test_a_row_changed_in_the_database_shows_the_first_break(
    client: Client, item: EvidenceItem, member: User, fixed_clock: datetime
) -> None:
    events = [
        custody_record(item=item, action=action, actor_user=member)
        for action in (CustodyAction.RECEIVED, CustodyAction.VIEWED, CustodyAction.DOWNLOADED)
    ]
    _tamper(events[1].pk, {"reason": "nothing to see"})
    client.force_login(member)

    response = client.get(_detail_url(item))

    verification = response.context["verification"]
    assert (verification.ok, verification.breaks) == (False, [ChainBreak(str(item.pk), 2, CONTENT_CHANGED)])
    assert [entry.broken for entry in response.context["timeline"]] == [False, True, False]
    content = response.content.decode()
    assert '<h2 id="chain-status-title">Chain broken (checked at 2022-03-06 14:00:00 +0200)</h2>' in content
    assert f"<p>First break: item {item.pk}, event 2: {CONTENT_CHANGED}</p>" in content
    assert '<li class="timeline-event broken">' in content
    assert "Chain verified" not in content


def test_hostile_details_and_filenames_are_escaped_on_the_page_and_in_the_report(client: Client, member: User) -> None:
    hostile = "<script>alert(1)</script>"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    item = EvidenceItemFactory(case=member.case_memberships.get().case, original_filename=hostile, description=hostile)
    custody_record(
        item=item,
        action=CustodyAction.METADATA_EDITED,
        actor_user=member,
        details={"reason": hostile, hostile: {"before": hostile, "after": "x"}, "note": hostile},
    )
    client.force_login(member)

    for url in (_detail_url(item), _report_url(item)):
        content = client.get(url).content.decode()

        # description, filename, reason, a details key, a before value, a details value
        assert content.count(escaped) == 6
        assert "<script>" not in content
        assert f'class="filename">{escaped}</' in content


@pytest.mark.parametrize("events", [1, 3])
def test_the_item_page_query_count_does_not_grow_with_events(
    client: Client, item: EvidenceItem, member: User, django_assert_num_queries: Any, events: int
) -> None:
    for _ in range(events):
        custody_record(item=item, action=CustodyAction.VIEWED, actor_user=member)
    client.force_login(member)

    # user, the user's roles, item with case, events, events again for
    # verification, latest checkpoint, derivatives, the item's incidents, its possible duplicates, integrity
    # banner, unread notifications, review history, comment thread. On PostgreSQL verification streams through
    # a raw server-side cursor, which the counter does not see, inside a savepoint, which it does (SAVEPOINT,
    # RELEASE).
    expected = 14 if connection.vendor == "postgresql" else 13
    with django_assert_num_queries(expected):
        response = client.get(_detail_url(item))

    assert len(response.context["timeline"]) == events


def test_the_report_loads_only_the_sites_stylesheet_and_no_inline_css_or_js(
    client: Client, item: EvidenceItem, member: User
) -> None:
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=member)
    client.force_login(member)

    content = client.get(_report_url(item)).content.decode()

    assert re.findall(r"<link[^>]*>", content) == ['<link rel="stylesheet" href="/static/css/custos.css">']
    assert ("<script" in content, "<style" in content, " style=" in content) == (False, False, False)


def test_the_item_page_loads_its_own_static_files_and_no_inline_css_or_js(
    client: Client, item: EvidenceItem, member: User
) -> None:
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=member)
    client.force_login(member)

    content = client.get(_detail_url(item)).content.decode()

    assert re.findall(r"<link rel=\"stylesheet\"[^>]*>", content) == [
        '<link rel="stylesheet" href="/static/css/custos.css">',
        '<link rel="stylesheet" href="/static/evidence/evidence.css">',
    ]
    assert re.findall(r"<script[^>]*>", content) == ['<script src="/static/evidence/copy.js" defer>']
    assert ("<style" in content, " style=" in content, re.search(r"\son[a-z]+=", content)) == (False, False, None)


# --- The printable report ----------------------------------------------------------------------


def test_the_report_has_the_fields_of_a_paper_custody_form(
    client: Client, item: EvidenceItem, member: User, fixed_clock: datetime
) -> None:
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=member, details={"size_bytes": 2048})
    custody_transfer(
        item=item,
        released_by="Olena K., investigator",
        received_by="Taras P., forensic lab",
        transferred_at=datetime(2022, 3, 7, 9, 30, tzinfo=ZoneInfo("Europe/Kyiv")),
        reason="Laboratory analysis",
        new_location="Lab 3, locker 12",
        actor_user=member,
    )
    client.force_login(member)

    response = client.get(_report_url(item))

    assert response.status_code == 200
    assert response.context["transfers"] == [
        TransferRow(
            sequence=2,
            released_by="Olena K., investigator",
            received_by="Taras P., forensic lab",
            transferred_at="2022-03-07T09:30:00+02:00",
            reason="Laboratory analysis",
            location_after="Lab 3, locker 12",
            recorded_by="user:alice",
        )
    ]
    content = response.content.decode()
    for row in [
        '<tr><th scope="row">Case number</th><td>UA-2022-0001</td></tr>',
        '<tr><th scope="row">Item number</th><td>UA-2022-0001/E0007</td></tr>',
        '<tr><th scope="row">Description</th><td class="prose">Photo of the impact crater</td></tr>',
        '<tr><th scope="row">Date and time collected</th><td>2022-03-06 10:30:00 +0200 (Europe/Kyiv)</td></tr>',
        '<tr><th scope="row">Place collected</th><td>Irpin</td></tr>',
        '<tr><th scope="row">Collected by</th><td>Olena K.</td></tr>',
        f'<tr><th scope="row">SHA-256</th><td><code class="hash">{SHA256}</code></td></tr>',
        f'<tr><th scope="row">SHA-512</th><td><code class="hash">{SHA512}</code></td></tr>',
        '<tr><th scope="row">Final disposition</th><td class="blank"></td></tr>',
        "<strong>Chain verified at 2022-03-06 14:00:00 +0200: 2 events intact</strong>",
        "<td>2022-03-07T09:30:00+02:00</td>",
        "Generated by Custos at 2022-03-06 14:00:00 +0200 (Europe/Kyiv) for alice.",
    ]:
        assert row in content, row
    flat = re.sub(r"\s+", " ", content)
    assert (
        "<tbody> <tr> <td>2</td> <td>Olena K., investigator</td> <td>Taras P., forensic lab</td> "
        "<td>2022-03-07T09:30:00+02:00</td> <td>Laboratory analysis</td> <td>Lab 3, locker 12</td> "
        "<td>user:alice</td> </tr> </tbody>"
    ) in flat
    hashes = re.findall(r'<code class="hash">(sha256:[0-9a-f]{64})</code>', content)
    assert hashes == [SHA256, *CustodyEvent.objects.filter(item=item).values_list("event_hash", flat=True)]
    assert "site-header" not in content


# --- Presenting details ------------------------------------------------------------------------------


def test_details_are_flattened_with_changes_and_json_scalars() -> None:
    details = {
        "storage_name": "originals/sha256/ab",
        "expected": {"size_bytes": 3, "sha256": "sha256:x"},
        "location": {"before": "", "after": "Shelf A"},
        "flags": [1, "a"],
        "missing": None,
        "ok": True,
    }

    assert detail_entries(details) == [
        DetailEntry(label="expected.sha256", value="sha256:x"),
        DetailEntry(label="expected.size_bytes", value="3"),
        DetailEntry(label="flags", value='[1, "a"]'),
        DetailEntry(label="location", before="(empty)", after="Shelf A", is_change=True),
        DetailEntry(label="missing", value="null"),
        DetailEntry(label="ok", value="true"),
        DetailEntry(label="storage_name", value="originals/sha256/ab"),
    ]
