"""The canonical serialisation and hash of a custody event.

docs/custody-format.md specifies this so that anyone can re-implement the
check without Custos. In short: a JSON object of the event's fields and the
previous event's hash, keys sorted, no insignificant white space, non-ASCII
kept as UTF-8, times as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ"; SHA-256 over
those bytes, written "sha256:<hex>". Floats are refused in details because
their text form differs between languages; write numbers as integers or
strings.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "sha256:" + "0" * 64


class NonCanonicalValueError(TypeError):
    pass


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise NonCanonicalValueError("custody times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_json_value(value: Any, path: str = "details") -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list):
        for index, element in enumerate(value):
            _check_json_value(element, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, element in value.items():
            if not isinstance(key, str):
                raise NonCanonicalValueError(f"{path}: keys must be strings")
            _check_json_value(element, f"{path}.{key}")
        return
    raise NonCanonicalValueError(f"{path}: {type(value).__name__} is not allowed; use str, int, bool, list or dict")


def canonical_bytes(
    *,
    item_id: str,
    sequence: int,
    action: str,
    actor: str,
    actor_user_id: int | None,
    occurred_at: datetime,
    details: dict[str, Any],
    prev_hash: str,
) -> bytes:
    _check_json_value(details)
    document = {
        "action": action,
        "actor": actor,
        "actor_user_id": actor_user_id,
        "details": details,
        "item_id": item_id,
        "occurred_at": format_time(occurred_at),
        "prev_hash": prev_hash,
        "sequence": sequence,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(**fields: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes(**fields)).hexdigest()
