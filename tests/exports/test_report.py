"""The bundle's HTML report: self-contained, escaped, deterministic."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

from apps.exports.report import MapPoint, map_plot, render_report

BAGGING = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ITEM_A = "0b3c6a4e-0000-4000-8000-000000000001"
ITEM_B = "0b3c6a4e-0000-4000-8000-000000000002"


def _metadata(**overrides: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "case": {"id": "c1", "reference": "UA-2025-001", "title": "Shelling of <Kharkiv> & surroundings"},
        "bundle": {
            "id": "b-1",
            "recipient_type": "icc",
            "recipient_organisation": "Office of the Prosecutor",
            "recipient_person": "J. Doe",
            "purpose": "Article 15 communication",
        },
        "incidents": [
            {"id": "i1", "title": "Market strike", "latitude": "49.9935", "longitude": "36.2304", "start_at": "x"},
            {"id": "i2", "title": "School <b>hit</b>", "latitude": "50.0100", "longitude": "36.3000"},
            {"id": "i3", "title": "Unknown place", "latitude": None, "longitude": None},
        ],
        "sources": [{"id": "s1"}],
        "allegations": [],
        "weapons": [],
        "casualty_figures": [],
        "items": [
            {
                "id": ITEM_A,
                "reference": "UA-2025-001-E1",
                "kind": "image",
                "original_filename": "<script>alert(1)</script>.jpg",
                "size_bytes": 1024,
                "sha256": "sha256:" + "a" * 64,
                "declared_captured_at": "2025-02-01T10:00:00+00:00",
                "review_status": "approved",
                "pending": False,
                "custody_head": {"sequence": 7, "event_hash": "sha256:" + "c" * 64},
            },
            {
                "id": ITEM_B,
                "reference": "UA-2025-001-E2",
                "kind": "video",
                "original_filename": "clip.mp4",
                "size_bytes": 2048,
                "sha256": "sha256:" + "b" * 64,
                "review_status": "in_review",
                "pending": True,
                "custody_head": {"sequence": 3, "event_hash": "sha256:" + "d" * 64},
            },
        ],
        "excluded": [{"item": "0b3c6a4e-0000-4000-8000-000000000009", "reason": "Consent refused"}],
    }
    metadata.update(overrides)
    return metadata


def _render(**overrides: Any) -> str:
    return render_report(metadata=_metadata(**overrides), thumbnails={}, generated_at=BAGGING).decode("utf-8")


def test_the_same_input_gives_the_same_bytes() -> None:
    thumbnails = {ITEM_A: b"\xff\xd8\xff\xe0jpeg"}

    first = render_report(metadata=_metadata(), thumbnails=thumbnails, generated_at=BAGGING)
    second = render_report(metadata=_metadata(), thumbnails=dict(thumbnails), generated_at=BAGGING)

    assert first == second


def test_the_report_is_rendered_in_the_default_language_whatever_is_active() -> None:
    from django.utils import translation  # noqa: PLC0415

    with translation.override("uk"):
        in_ukrainian_request = render_report(metadata=_metadata(), thumbnails={}, generated_at=BAGGING)

    assert in_ukrainian_request == render_report(metadata=_metadata(), thumbnails={}, generated_at=BAGGING)


def test_values_are_escaped() -> None:
    html = _render()

    assert (
        "<script" in html,
        "&lt;script&gt;alert(1)&lt;/script&gt;.jpg" in html,
        "Shelling of &lt;Kharkiv&gt; &amp; surroundings" in html,
        "School &lt;b&gt;hit&lt;/b&gt;" in html,
    ) == (False, True, True, True)


def test_the_report_needs_nothing_from_the_network() -> None:
    html = _render()

    assert (
        re.findall(r"""(?:src|href)\s*=\s*["']?(?!data:|#)[^"'\s>]+""", html),
        "<link" in html,
        "@import" in html,
        "url(" in html,
    ) == ([], False, False, False)


def test_thumbnails_are_inline_data_uris_of_exactly_what_was_given() -> None:
    jpeg = b"\xff\xd8\xff\xe0 blurred thumbnail"

    html = render_report(metadata=_metadata(), thumbnails={ITEM_A: jpeg}, generated_at=BAGGING).decode()

    uris = re.findall(r'<img class="thumb" src="([^"]+)"', html)
    assert uris == ["data:image/jpeg;base64," + base64.b64encode(jpeg).decode()]


def test_the_summary_gives_case_recipient_date_and_counts() -> None:
    html = _render()

    summary = html.split('<section id="summary">')[1].split("</section>")[0]
    pairs = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", summary)
    assert pairs == [
        ("Case", "UA-2025-001 — Shelling of &lt;Kharkiv&gt; &amp; surroundings"),
        ("Bundle", "b-1"),
        ("Bundle date", "2025-03-01T12:00:00+00:00"),
        ("Recipient type", "icc"),
        ("Recipient organisation", "Office of the Prosecutor"),
        ("Recipient", "J. Doe"),
        ("Purpose", "Article 15 communication"),
        ("Evidence items", "2 (3072 bytes)"),
        ("Pending review", "1"),
        ("Left out", "1"),
        ("Incidents", "3"),
        ("Sources", "1"),
        ("Allegations", "0"),
        ("Weapons", "0"),
        ("Casualty figures", "0"),
    ]


def test_the_evidence_table_marks_pending_items_and_shows_hashes() -> None:
    html = _render()

    evidence = html.split('<section id="evidence">')[1].split("</section>")[0]
    assert (
        evidence.count('<span class="pending">PENDING REVIEW</span>'),
        f'<tr id="item-{ITEM_B}">' in evidence,
        "sha256:" + "a" * 64 in evidence,
        "2025-02-01T10:00:00+00:00" in evidence,
    ) == (1, True, True, True)


def test_custody_summaries_use_the_builders_summary_or_fall_back_on_the_head() -> None:
    custody = {
        ITEM_A: {
            "events": 7,
            "first_action": "received",
            "first_at": "2025-02-02T00:00:00+00:00",
            "last_action": "review_decision",
            "last_at": "2025-02-05T00:00:00+00:00",
            "head_hash": "sha256:" + "c" * 64,
        }
    }

    html = _render(custody=custody)

    section = html.split('<section id="custody">')[1].split("</section>")[0]
    rows = re.findall(
        r"<tr>\n<td>(.*?)</td>\n<td>(.*?)</td>\n<td>(.*?)</td>\n<td>(.*?)</td>\n<td[^>]*>(.*?)</td>", section
    )
    assert rows == [
        (
            "UA-2025-001-E1",
            "7",
            "received 2025-02-02T00:00:00+00:00",
            "review_decision 2025-02-05T00:00:00+00:00",
            "sha256:" + "c" * 64,
        ),
        ("UA-2025-001-E2", "3", " ", " ", "sha256:" + "d" * 64),
    ]


def test_the_excluded_list_gives_ids_and_reasons() -> None:
    html = _render()

    section = html.split('<section id="excluded">')[1].split("</section>")[0]
    assert re.findall(r'<td class="hash">(.*?)</td><td>(.*?)</td>', section) == [
        ("0b3c6a4e-0000-4000-8000-000000000009", "Consent refused")
    ]


def test_the_map_plots_only_incidents_with_coordinates_with_scale_and_edges() -> None:
    html = _render()

    svg = html.split('<svg class="map"')[1].split("</svg>")[0]
    assert (
        re.findall(r'<text class="label"[^>]*>(\d+)</text>', svg),
        svg.count('<line class="scale"'),
        len(re.findall(r'<text class="coord"[^>]*>[\d.]+° [NSEW]</text>', svg)),
    ) == (["1", "2"], 1, 4)


def test_no_map_without_coordinates() -> None:
    html = _render(incidents=[{"id": "i3", "title": "Unknown place", "latitude": None, "longitude": None}])

    assert ("<svg" in html, "none recorded" in html) == (False, True)


def test_map_plot_keeps_points_inside_the_drawing_and_north_up() -> None:
    plot = map_plot(
        [
            MapPoint(label="1", title="south-west", latitude=48.0, longitude=35.0),
            MapPoint(label="2", title="north-east", latitude=50.0, longitude=38.0),
        ]
    )

    assert plot is not None
    south_west, north_east = plot.points
    inside = all(0 < point.x < plot.width and 0 < point.y < plot.height for point in plot.points)
    assert (inside, south_west.x < north_east.x, south_west.y > north_east.y) == (True, True, True)


def test_map_plot_of_a_single_point_has_a_sensible_scale() -> None:
    plot = map_plot([MapPoint(label="1", title="one", latitude=49.99, longitude=36.23)])

    assert plot is not None
    assert (plot.points[0].x, plot.points[0].y, plot.scale_km) == (320.0, 180.0, "1 km")
