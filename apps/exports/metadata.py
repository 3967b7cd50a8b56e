"""The records written to a bundle's data/metadata/*.json and *.csv, and how they are serialised.

Every value is plain JSON (times as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ", dates
as YYYY-MM-DD, decimals as strings, foreign keys as the related id), lists are
ordered by id (items by their reference), and JSON is written with sorted keys,
so that the same case state gives the same bytes.

Witness identity is left out unless the witness consented: Source.witness_name
and witness_contact are never exported (a source is not tied to one item's
consent), and an item's collector_name (when it was received from a witness)
and consent_note only when its consent_status is "obtained".
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from apps.custody.hashing import format_time
from apps.evidence.enums import CollectionMethod, ConsentStatus, ReviewStatus
from apps.evidence.models import EvidenceItem

METADATA_NAMES = ("case", "incidents", "sources", "allegations", "weapons", "casualty_figures", "items", "excluded")
WITNESS_SOURCE_FIELDS = frozenset({"witness_name", "witness_contact"})


def json_value(value: Any) -> Any:  # noqa: PLR0911 (one type a line)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, dict):
        return {str(key): json_value(element) for key, element in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(element) for element in value]
    return str(value)


def model_record(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The instance's concrete fields as plain JSON; a foreign key under its field name, as the related id."""
    skipped = set(exclude)
    record: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in skipped or isinstance(field, models.BinaryField):
            continue
        record[field.name] = json_value(getattr(instance, field.attname))
    return record


def item_record(
    item: EvidenceItem,
    *,
    path: str,
    pending: bool,
    custody_head: dict[str, Any],
    incident_ids: list[str],
    last_decision: dict[str, Any] | None,
    usernames: dict[int, str],
    derivatives: list[str],
) -> dict[str, Any]:
    """One entry of items.json (see the module docstring for what is left out and why)."""
    consented = item.consent_status == ConsentStatus.OBTAINED
    witness_collected = item.collection_method == CollectionMethod.RECEIVED_FROM_WITNESS
    record = model_record(
        item,
        exclude={
            "original_filename_raw",
            "storage_name",
            "quarantine_name",
            "processing_steps",
            "metadata",
            "case",
            "uploaded_by",
            "last_edited_by",
            "collected_by",
            "consent_note",
            "collector_name",
            "created_at",
            "updated_at",
            "processing_error",
            "client_sha256",
        },
    )
    record.update(
        {
            "reference": item.reference,
            "case": str(item.case_id),
            "path": path,
            "pending": pending,
            "custody_head": custody_head,
            "incidents": incident_ids,
            "review_decision": last_decision,
            "reviewer": last_decision["reviewer"] if last_decision else None,
            "collected_by": usernames.get(item.collected_by_id) if item.collected_by_id else None,
            "uploaded_by": usernames.get(item.uploaded_by_id) if item.uploaded_by_id else None,
            "received_at": format_time(item.created_at),
            "derivatives": derivatives,
        }
    )
    if consented or not witness_collected:
        record["collector_name"] = item.collector_name
    if consented:
        record["consent_note"] = item.consent_note
    return record


def is_pending(item: EvidenceItem) -> bool:
    return item.review_status != ReviewStatus.APPROVED


def to_json(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """RFC 4180 CSV: a header of every key (sorted), nested values as compact JSON."""
    columns = sorted({key for row in rows for key in row})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue().encode("utf-8")
