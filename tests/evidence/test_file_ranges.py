"""Byte ranges of an original: a player seeks in a long video, a browser resumes a download.

The bytes are exactly the file's; a range past the end is 416 and records nothing; a player's seeking does not
flood the chain of custody, yet no piecemeal fetch of a file goes unrecorded.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.selectors import custody_verify
from apps.evidence.models import EvidenceItem
from tests.evidence.test_files import ORIGINAL, _archived, _body, _events, _member

pytestmark = pytest.mark.django_db

SIZE = len(ORIGINAL)


def _original(client: Client, item: EvidenceItem, range_header: str | None = None, **headers: str) -> Any:
    """The response, its body read to the end (as a player does; the test client closes the file then)."""
    if range_header is not None:
        headers["HTTP_RANGE"] = range_header
    response = client.get(reverse("evidence:item_original", args=[item.pk]), **headers)
    response.body = _body(response)
    return response


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=5-", 5, SIZE),
        ("bytes=-6", SIZE - 6, SIZE),
        ("bytes=3-10000", 3, SIZE),  # an end past the file is the file's end
        ("bytes=-10000", 0, SIZE),  # a suffix longer than the file is the whole file
        (f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE),
    ],
)
def test_a_range_of_the_original_is_exactly_those_bytes(
    client: Client, case: Case, header: str, start: int, stop: int
) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = _original(client, item, header)

    assert response.status_code == 206
    assert response.body == ORIGINAL[start:stop]
    assert response["Content-Range"] == f"bytes {start}-{stop - 1}/{SIZE}"
    assert response["Content-Length"] == str(stop - start)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_whole_original_says_it_accepts_ranges(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = _original(client, item)

    assert (response.status_code, response.body, response["Accept-Ranges"]) == (200, ORIGINAL, "bytes")


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "bytes=9-2", "lines=0-3", "bytes=abc", "bytes="])
def test_several_or_malformed_ranges_get_the_whole_file(client: Client, case: Case, header: str) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = _original(client, item, header)

    assert (response.status_code, response.body) == (200, ORIGINAL)


def test_a_conditional_range_gets_the_whole_file(client: Client, case: Case) -> None:
    """These responses carry no validator an If-Range could match, so the whole file is the safe answer."""
    item = _archived(case)
    client.force_login(_member(case))

    response = _original(client, item, "bytes=0-3", HTTP_IF_RANGE='"some-etag"')

    assert (response.status_code, response.body) == (200, ORIGINAL)


@pytest.mark.parametrize("name", ["item_original", "item_download"])
def test_a_range_past_the_end_is_416_and_records_nothing(client: Client, case: Case, name: str) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = client.get(reverse(f"evidence:{name}", args=[item.pk]), HTTP_RANGE=f"bytes={SIZE}-")

    assert (response.status_code, response["Content-Range"]) == (416, f"bytes */{SIZE}")
    assert _events(item, CustodyAction.VIEWED) == _events(item, CustodyAction.DOWNLOADED) == []


def test_a_players_seeking_continues_the_view_already_recorded(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    first = _original(client, item, "bytes=0-")
    seek = _original(client, item, "bytes=20-")
    again = _original(client, item, "bytes=10-15")

    assert [first.status_code, seek.status_code, again.status_code] == [206, 206, 206]
    assert _events(item, CustodyAction.VIEWED) == [
        {"file": "original", "sha256": item.sha256, "bytes": f"0-{SIZE - 1}/{SIZE}"}
    ]
    assert custody_verify(item_id=item.pk).ok


def test_every_view_from_the_first_byte_is_recorded(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    _original(client, item, "bytes=0-")
    _original(client, item)
    _original(client, item, "bytes=0-3")

    assert [event.get("bytes") for event in _events(item, CustodyAction.VIEWED)] == [
        f"0-{SIZE - 1}/{SIZE}",
        None,
        f"0-3/{SIZE}",
    ]


def test_a_range_without_a_recorded_view_is_recorded(client: Client, case: Case) -> None:
    """Fetching a file piecemeal, never from its first byte, is still in the chain of custody."""
    item = _archived(case)
    client.force_login(_member(case))

    _original(client, item, "bytes=1-")
    _original(client, item, "bytes=5-")  # continues the view just recorded

    other = Client()
    other.force_login(_member(case, username="bob"))
    _original(other, item, "bytes=5-")  # another session: a view of its own

    assert [(event["bytes"]) for event in _events(item, CustodyAction.VIEWED)] == [
        f"1-{SIZE - 1}/{SIZE}",
        f"5-{SIZE - 1}/{SIZE}",
    ]


def test_the_continued_view_lapses_after_its_window(client: Client, case: Case, monkeypatch: Any) -> None:
    item = _archived(case)
    client.force_login(_member(case))
    clock = [1_000_000.0]
    monkeypatch.setattr("apps.evidence.views.time.time", lambda: clock[0])

    _original(client, item, "bytes=0-")
    clock[0] += 30 * 60 + 1
    _original(client, item, "bytes=9-")

    assert len(_events(item, CustodyAction.VIEWED)) == 2


def test_a_resumed_download_is_recorded_with_its_bytes(client: Client, case: Case) -> None:
    item = _archived(case)
    client.force_login(_member(case))

    response = client.get(reverse("evidence:item_download", args=[item.pk]), HTTP_RANGE="bytes=10-")

    assert (response.status_code, _body(response)) == (206, ORIGINAL[10:])
    assert response["Content-Disposition"].startswith("attachment; ")
    assert _events(item, CustodyAction.DOWNLOADED) == [
        {"file": "original", "sha256": item.sha256, "bytes": f"10-{SIZE - 1}/{SIZE}"}
    ]


def test_a_graphic_original_is_refused_before_any_range_is_read(client: Client, case: Case) -> None:
    item = _archived(case, graphic=True)
    client.force_login(_member(case))

    refused = _original(client, item, "bytes=0-3")
    beyond = _original(client, item, f"bytes={SIZE}-")

    assert (refused.status_code, beyond.status_code) == (403, 403)
    assert _events(item, CustodyAction.VIEWED) == []


def test_a_revealed_graphic_original_plays_in_ranges_without_more_events(client: Client, case: Case) -> None:
    item = _archived(case, graphic=True)
    client.force_login(_member(case))
    client.post(reverse("evidence:item_reveal", args=[item.pk]))

    response = _original(client, item, "bytes=4-")

    assert (response.status_code, response.body) == (206, ORIGINAL[4:])
    assert len(_events(item, CustodyAction.VIEWED)) == 1  # the reveal's


def test_with_nginx_the_range_is_left_to_nginx(client: Client, case: Case, settings: Any) -> None:
    settings.EVIDENCE_SENDFILE = "x-accel-redirect"
    settings.EVIDENCE_SENDFILE_PREFIX = "/protected-evidence/"
    item = _archived(case)
    client.force_login(_member(case))

    response = _original(client, item, "bytes=0-3")

    assert response.status_code == 200  # nginx answers 206 from the file it is told to send
    assert response["X-Accel-Redirect"] == f"/protected-evidence/{item.storage_name}"
    assert len(_events(item, CustodyAction.VIEWED)) == 1


def test_a_range_answer_closed_unread_closes_its_file(client: Client, case: Case) -> None:
    """A client gone before the first byte: the server closes the response, and the file with it (an open file
    would be reported by ResourceWarning, which this suite treats as an error)."""
    item = _archived(case)
    client.force_login(_member(case))

    response = client.get(reverse("evidence:item_original", args=[item.pk]), HTTP_RANGE="bytes=2-")
    response.close()

    assert response.status_code == 206
