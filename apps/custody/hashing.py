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
from json.encoder import encode_basestring
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


# The canonical JSON text of a details value (sorted keys, no spaces, UTF-8 kept).
encode_details = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_bytes_from_stored(
    *,
    item_id: str,
    sequence: int,
    action: str,
    actor: str,
    actor_user_id: int | None,
    occurred_at_text: str,
    details: Any,
    prev_hash: str,
) -> bytes:
    """The same bytes as canonical_bytes(), for an event read back from the database.

    Verification's hot path: the time arrives already formatted by the
    database, and the values are already JSON types, so this writes the
    fixed outer object directly (keys in sorted order) and serialises only
    ``details``. A test holds it byte-equal to canonical_bytes().
    """
    user = "null" if actor_user_id is None else str(int(actor_user_id))
    return (
        f'{{"action":{encode_basestring(action)},"actor":{encode_basestring(actor)},'
        f'"actor_user_id":{user},"details":{encode_details(details)},"item_id":{encode_basestring(item_id)},'
        f'"occurred_at":{encode_basestring(occurred_at_text)},"prev_hash":{encode_basestring(prev_hash)},'
        f'"sequence":{int(sequence)}}}'
    ).encode()
