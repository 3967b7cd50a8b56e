"""Reading RFC 9457 problem details (apps/common/api.py) in tests."""

from __future__ import annotations

from typing import Any


def field_errors(response: Any) -> dict[str, list[str]]:
    """A problem response's ``errors`` as {field: [messages]} ("" for errors of the whole request)."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    errors: dict[str, list[str]] = {}
    for entry in response.json().get("errors", []):
        errors.setdefault(entry.get("field", ""), []).append(entry["detail"])
    return errors


def problem(response: Any) -> dict[str, Any]:
    """The problem body, after checking it is one."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys(), body
    assert body["status"] == response.status_code
    return body
