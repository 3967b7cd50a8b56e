"""The evidence list as CSV: every row of the filtered list, streamed, one line per item.

Rows are written as they are read from the database (chunks of
``CHUNK_ROWS``, each with its incidents prefetched), so a list of 300,000
items never sits in memory and the first bytes leave at once.

The cells are the uploader's text (filenames, incident titles), and a
spreadsheet would run a cell that starts with = + - @ (or a tab or carriage
return) as a formula: such cells get a leading apostrophe (OWASP's advice on
CSV injection). The identity of whoever collected an item is written only for
cases where the user's role sees witness identities.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from apps.common.csv_files import spreadsheet_safe

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from apps.evidence.models import EvidenceItem

CHUNK_ROWS = 2000


def csv_header() -> list[str]:
    return [
        _("id"),
        _("reference"),
        _("case"),
        _("filename"),
        _("kind"),
        _("size (bytes)"),
        _("SHA-256"),
        _("processing status"),
        _("review status"),
        _("integrity"),
        _("collected at (UTC)"),
        _("collector"),
        _("incidents"),
    ]


def evidence_csv_rows(items: QuerySet[EvidenceItem], *, identity_case_ids: Collection[object]) -> Iterator[list[str]]:
    """The header, then one row per item of ``items`` (which must select the case and prefetch incidents)."""
    yield csv_header()
    for item in items.iterator(chunk_size=CHUNK_ROWS):
        yield [
            spreadsheet_safe(value)
            for value in (
                item.pk,
                item.reference,
                item.case.reference,
                item.original_filename,
                item.kind,
                item.size_bytes,
                item.sha256,
                item.processing_status,
                item.review_status,
                item.integrity_status,
                item.collected_at.isoformat() if item.collected_at else "",
                _collector(item) if item.case_id in identity_case_ids else "",
                "; ".join(incident.title for incident in item.incidents.all()),
            )
        ]


def _collector(item: EvidenceItem) -> str:
    return item.collector_name or (item.collected_by.get_username() if item.collected_by else "")
