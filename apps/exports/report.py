"""The self-contained HTML case report inside a bundle (data/report/index.html).

Contract with the bundle builder (apps/exports/services.py): it passes the
same records it writes to data/metadata/*.json, and the thumbnails it has,
and gets the report's bytes back. The report must work offline with no
external assets (everything inline), and be deterministic: the same input
gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def render_report(*, metadata: dict[str, Any], thumbnails: dict[str, bytes], generated_at: datetime) -> bytes:
    """Render the report. ``metadata``: "case" (dict) and "incidents", "sources", "allegations", "weapons",
    "casualty_figures", "items", "excluded" (lists of dicts, as in data/metadata/*.json). ``thumbnails``:
    JPEG bytes by item id (only items that have one). Placeholder until the report is built."""
    title = str(metadata.get("case", {}).get("reference", ""))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body></body></html>".encode()
    )
