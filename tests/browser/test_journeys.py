"""The journeys of the web UI, end to end in a real browser (issue 6, "Browser tests").

Everyone signs in through the sign-in page (reviewers and leads with their authenticator's code), uploads go
through the upload page's tus-js-client to the live server, and the intake pipeline runs as the worker runs it
(eager Celery tasks, in the request that finished the upload). Screenshots of every step are kept under
test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page, Request, Route, expect

from apps.cases.models import Case
from apps.evidence.enums import ProcessingStatus, ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Incident
from apps.intake.models import TusUpload
from tests.browser.conftest import Screenshots, sign_in
from tests.browser.seed import WITNESS_NAME, gps_photo, seed_case

# The live server needs committed rows: a transactional database (emptied after each test, custody included).
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("custody_transactional_db")]

MiB = 1024 * 1024
# The upload page sends files in pieces of this size (static/intake/upload.js, CHUNK_BYTES).
UPLOAD_CHUNK = 5 * MiB


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def upload_row(page: Page, filename: str) -> Any:
    return page.get_by_test_id("upload-list").locator("[data-upload-row]").filter(has_text=filename)


def choose_file(page: Page, path: Path) -> None:
    """Choose a file on disk (a file's name, type, size and modification time are how the page knows it again)."""
    page.locator("input[type=file]").set_input_files(path)


# --- a, c, d: record an incident, upload its photo, approve it, see it on the dashboard ----------------------


def test_an_incident_recorded_on_the_map_gets_a_photo_that_is_archived_approved_and_on_the_dashboard(
    page: Page, new_page: Callable[[], Page], screenshot: Screenshots, tmp_path: Path
) -> None:
    seeded = seed_case(with_item=False)

    # a. The investigator signs in, records an incident placed with a click on the map, uploads its photo.
    sign_in(page, seeded.investigator)
    screenshot(page, "investigator signed in")
    incident = record_incident_on_the_map(page, seeded.case, screenshot)
    assert (incident.case_id, incident.created_by_id) == (seeded.case.pk, seeded.investigator.pk)
    item = upload_photo_and_see_it_archived(page, seeded.case, screenshot, tmp_path)

    # c. A reviewer (not the uploader: four eyes) approves it, answering the whole checklist.
    reviewer_page = new_page()
    sign_in(reviewer_page, seeded.reviewer)
    approve(reviewer_page, item, screenshot)
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.APPROVED

    # d. The lead sees the incident and the approved item on the case dashboard.
    try:
        dashboard = reverse("dashboards:case_dashboard", kwargs={"case_id": seeded.case.pk})
    except NoReverseMatch:
        pytest.skip("the case dashboard is not built yet")
    lead_page = new_page()
    sign_in(lead_page, seeded.lead)
    lead_page.goto(dashboard)
    expect(lead_page.locator("#dashboard-incidents")).to_have_text("2")  # the seeded incident and the new one
    expect(lead_page.locator("#dashboard-evidence")).to_have_text("1")
    expect(lead_page.locator("#map-note")).to_contain_text("2 located incidents")
    expect(lead_page.locator("[data-map] .leaflet-marker-icon, [data-map] .marker-cluster").first).to_be_visible()
    approved = lead_page.locator("section[aria-labelledby=evidence-heading] .bar-row[data-label=Approved]")
    expect(approved).to_have_attribute("data-count", "1")
    screenshot(lead_page, "dashboard")
    assert lead_page.console_errors == []  # type: ignore[attr-defined]


def record_incident_on_the_map(page: Page, case: Case, screenshot: Screenshots) -> Incident:
    page.goto(f"{reverse('incidents:create')}?case={case.pk}")
    page.locator("#id_title").fill("Shelling of the central market")
    page.locator("#id_narrative").fill("Several shells hit the market at about 10:00; stalls burned.")
    page.locator("#id_start_date").fill("2024-05-11")
    page.locator("[data-incident-form] input[name=incident_types]").first.check()
    the_map = page.locator("[data-map]").first
    box = the_map.bounding_box()
    assert box is not None
    the_map.click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.4})
    expect(page.locator("#id_latitude")).not_to_have_value("")
    latitude = Decimal(page.locator("#id_latitude").input_value())
    longitude = Decimal(page.locator("#id_longitude").input_value())
    assert Decimal(-90) <= latitude <= Decimal(90)
    assert Decimal(-180) <= longitude <= Decimal(180)
    screenshot(page, "incident form with the point picked on the map")

    page.get_by_role("button", name="Record the incident").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Shelling of the central market")
    screenshot(page, "incident page")
    incident = Incident.objects.get(title="Shelling of the central market")
    assert (incident.latitude, incident.longitude) == (latitude, longitude)
    return incident


def upload_photo_and_see_it_archived(page: Page, case: Case, screenshot: Screenshots, tmp_path: Path) -> EvidenceItem:
    photo = gps_photo(seed=7)
    (tmp_path / "market.jpg").write_bytes(photo)
    page.goto(reverse("intake:upload", kwargs={"case_id": case.pk}))
    choose_file(page, tmp_path / "market.jpg")
    row = upload_row(page, "market.jpg")
    row.get_by_label("Caption").fill("Burned stalls, north entrance")
    screenshot(page, "photo chosen")

    row.get_by_role("button", name="Upload this file: market.jpg").click()

    expect(row).to_have_attribute("data-state", "archived")
    expect(row.locator("[data-sha256]")).to_have_text(sha256(photo))
    screenshot(page, "photo archived with its hash")
    item = EvidenceItem.objects.get(case=case, original_filename="market.jpg")
    assert (item.processing_status, item.sha256, item.caption) == (
        ProcessingStatus.ARCHIVED,
        sha256(photo),
        "Burned stalls, north entrance",
    )
    assert item.extracted_latitude is not None  # the GPS point of the EXIF
    assert abs(item.extracted_latitude - Decimal("49.9935")) < Decimal("0.001")
    row.locator("[data-item-link]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(item.reference)
    expect(page.locator("code.hash").first).to_have_text(sha256(photo))
    screenshot(page, "evidence page")
    return item


def approve(page: Page, item: EvidenceItem, screenshot: Screenshots) -> None:
    page.goto(reverse("review:queue"))
    screenshot(page, "review queue")
    page.get_by_role("link", name=item.reference).first.click()
    page.get_by_role("button", name="Start review").click()
    questions = page.locator(".checklist-question")
    for number in range(questions.count()):
        questions.nth(number).get_by_label("Yes", exact=True).check()
    screenshot(page, "checklist answered")

    page.get_by_role("button", name="Approve").click()

    expect(page.locator("main")).to_contain_text("Approved")
    screenshot(page, "approved")


# --- b: an upload interrupted and resumed ------------------------------------------------------------------


@dataclass
class ConnectionAfterFirstPiece:
    """A network that dies after the first piece of an upload: every later PATCH fails as if offline.

    ``sent`` lists the Upload-Offset of each PATCH that reached the server, ``dropped`` of each one cut off.
    """

    sent: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def __call__(self, route: Route, request: Request) -> None:
        offset = request.headers.get("upload-offset", "")
        if request.method == "PATCH" and offset != "0":
            self.dropped.append(offset)
            route.abort("internetdisconnected")
            return
        if request.method == "PATCH":
            self.sent.append(offset)
        route.continue_()

    def record(self, request: Request) -> None:
        """A listener of the page's requests (with no route: the network is back)."""
        if request.method == "PATCH":
            self.sent.append(request.headers.get("upload-offset", ""))

    def wait_for_a_drop(self, page: Page) -> None:
        for _ in range(150):  # the route handler runs while Playwright waits
            if self.dropped:
                return
            page.wait_for_timeout(100)
        raise AssertionError("no piece after the first was attempted")


def test_an_upload_cut_off_by_a_dropped_connection_and_a_closed_tab_resumes_where_it_stopped(
    page: Page, screenshot: Screenshots, tmp_path: Path
) -> None:
    seeded = seed_case(with_item=False)
    content = os.urandom(2 * UPLOAD_CHUNK + 123_457)
    footage = tmp_path / "drone-footage.mp4"
    footage.write_bytes(content)
    upload_url = reverse("intake:upload", kwargs={"case_id": seeded.case.pk})
    sign_in(page, seeded.investigator)

    # The connection drops after the first piece.
    network = ConnectionAfterFirstPiece()
    page.route("**/api/v1/tus/**", network)
    page.goto(upload_url)
    choose_file(page, footage)
    upload_row(page, "drone-footage.mp4").get_by_role("button", name="Upload this file: drone-footage.mp4").click()
    network.wait_for_a_drop(page)
    expect(upload_row(page, "drone-footage.mp4").locator("[data-status]")).to_contain_text(re.compile(r"\w"))
    upload = TusUpload.objects.get()
    assert (upload.offset, upload.item_id) == (UPLOAD_CHUNK, None)
    screenshot(page, "connection dropped after the first piece")

    # The laptop is closed: the tab is gone. Later, in the same browser, the investigator adds the same file.
    browser = page.context
    page.close()
    later = browser.new_page()
    later.goto(upload_url)
    unfinished = later.locator("[data-unfinished]")
    expect(unfinished).to_be_visible()
    expect(unfinished).to_contain_text("drone-footage.mp4")
    screenshot(later, "unfinished upload offered")
    later.on("request", network.record)
    choose_file(later, footage)
    row = upload_row(later, "drone-footage.mp4")
    row.get_by_role("button", name="Upload this file: drone-footage.mp4").click()
    expect(row).to_have_attribute("data-state", "archived", timeout=30_000)
    expect(row.locator("[data-sha256]")).to_have_text(sha256(content))
    screenshot(later, "resumed and archived")

    # The server got the file in several pieces, the resumed ones from where it stopped, and kept it bit for bit.
    assert network.sent == ["0", str(UPLOAD_CHUNK), str(2 * UPLOAD_CHUNK)]
    item = EvidenceItem.objects.get(case=seeded.case)
    assert TusUpload.objects.get() == upload  # the same upload, resumed; not a second one from the start
    upload.refresh_from_db()
    assert (upload.item_id, upload.offset, item.size_bytes) == (item.pk, len(content), len(content))
    assert item.sha256 == sha256(content)
    assert item.custody_events.get(action="received").details["sha256"] == sha256(content)


# --- e: need-to-know for witness identities -----------------------------------------------------------------


def test_an_observer_does_not_see_witness_names_that_an_investigator_sees(
    page: Page, new_page: Callable[[], Page], screenshot: Screenshots
) -> None:
    seeded = seed_case()
    incident_url = reverse("incidents:detail", kwargs={"incident_id": seeded.incident.pk})

    sign_in(page, seeded.observer)
    page.goto(incident_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(seeded.incident.title)
    expect(page.locator("main")).to_contain_text(seeded.source.title)
    expect(page.locator("main")).to_contain_text("Witness identities are hidden")
    assert WITNESS_NAME not in page.content()
    assert "+380" not in page.content()
    screenshot(page, "observer: incident page without witness names")

    investigator_page = new_page()
    sign_in(investigator_page, seeded.investigator)
    investigator_page.goto(incident_url)
    expect(investigator_page.locator("main")).to_contain_text(WITNESS_NAME)
    screenshot(investigator_page, "investigator: incident page with witness names")
