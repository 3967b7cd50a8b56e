"""What every API view shares: problem-details errors, cursor pagination, sparse fields, search.

Settings wire most of it in (REST_FRAMEWORK in config/settings.py): the
exception handler, the filter backends and the throttles apply to every
view. A list view opts into the rest by using ``CursorPage`` as its
pagination class, ``SparseFieldsMixin`` in its serializer and
``search_fields`` for ``?search=``.

Errors follow RFC 9457 (problem details): every 4xx and 5xx answer of the
API is ``application/problem+json`` with ``type``, ``title``, ``status`` and
``detail``; validation errors add ``errors``, one entry per field problem,
each with a JSON pointer to the field. Titles and details are translated
into the request's language (LocaleMiddleware reads Accept-Language).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.common.search import full_text_search

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.db.models import QuerySet
    from rest_framework.request import Request
    from rest_framework.views import APIView

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://custos.invalid/problems/"


def _status_title(code: int) -> str:
    titles = {
        400: _("The request is invalid."),
        401: _("Authentication is required."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        406: _("The requested format is not available."),
        409: _("The request conflicts with the current state."),
        413: _("The request is too large."),
        415: _("This media type is not supported."),
        429: _("Too many requests."),
    }
    return titles.get(code, _("The request could not be completed."))


def _problem_slug(exc: Exception, code: int) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation-error"
    if isinstance(exc, exceptions.APIException):
        return str(exc.default_code).replace("_", "-")
    return str(code)


def field_errors(detail: Any, pointer: str = "") -> Iterator[dict[str, str]]:
    """Flatten DRF's nested error detail into one entry per message, each with a JSON pointer (RFC 6901)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                yield from field_errors(value, pointer)
            else:
                escaped = str(key).replace("~", "~0").replace("/", "~1")
                yield from field_errors(value, f"{pointer}/{escaped}")
    elif isinstance(detail, list):
        if all(not isinstance(entry, dict | list) for entry in detail):
            for message in detail:
                yield _field_error(message, pointer)
        else:
            for index, entry in enumerate(detail):
                yield from field_errors(entry, f"{pointer}/{index}")
    else:
        yield _field_error(detail, pointer)


def _field_error(message: Any, pointer: str) -> dict[str, str]:
    entry = {"pointer": pointer or "/", "detail": str(message)}
    code = getattr(message, "code", None)
    if code:
        entry["code"] = str(code)
    field = pointer.rsplit("/", 1)[-1] if pointer else ""
    if field and not field.isdigit():
        entry["field"] = field.replace("~1", "/").replace("~0", "~")
    return entry


class FileRenderer(BaseRenderer):
    """For views that answer with a file (an evidence file, a bundle): lets a client ask for the file's media
    type in Accept. Such a view returns the file as a plain Django response, which nothing renders; only an
    error passes through here, and it is still problem details (JSON)."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        rendered: bytes = JSONRenderer().render(data, PROBLEM_CONTENT_TYPE, renderer_context)
        return rendered


def problem_response(
    *, status_code: int, detail: str, title: str | None = None, slug: str | None = None, **extra: Any
) -> Response:
    """A problem-details response built by hand, for views that answer an error without raising."""
    body = {
        "type": PROBLEM_TYPE_BASE + (slug or str(status_code)),
        "title": title or _status_title(status_code),
        "status": status_code,
        "detail": detail,
        **extra,
    }
    response = Response(body, status=status_code)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_details_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: DRF's own handling, reshaped as RFC 9457 problem details."""
    if isinstance(exc, DataError):
        # The database refused a value the validation let through (a time zone offset or a date beyond its
        # range, a character it cannot store): bad input, so a 400 that says so, never a 500.
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("A value is outside what the database can store (a date, offset or character).")]}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (and its logging) takes over
    code = response.status_code
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + _problem_slug(exc, code),
        "title": _status_title(code),
        "status": code,
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = list(field_errors(exc.detail))
        body["detail"] = errors[0]["detail"] if len(errors) == 1 else _("Some fields are invalid; see “errors”.")
        body["errors"] = errors
    else:
        detail = getattr(exc, "detail", None)
        body["detail"] = str(detail) if detail is not None else body["title"]
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        body["retry_after_seconds"] = int(wait)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


class CursorPage(CursorPagination):
    """Cursor pagination: stable under inserts, constant cost at any depth (no OFFSET).

    Views set ``ordering`` to fields that end in a unique one (ties would
    otherwise repeat or skip rows across pages); ``?ordering=`` from
    OrderingFilter overrides it with any field the view lists in
    ``ordering_fields``.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-created_at"

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, to request as it is; null on the last page.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page; null on the first.",
                },
                "results": {**schema, "description": "This page's objects, in the list's order."},
            },
        }


class SparseFieldsMixin(serializers.Serializer):  # type: ignore[type-arg]
    """``?fields=id,title`` keeps only those fields of each object: less to send, nothing more to query.

    Unknown names are ignored (a client asking for a field added later still
    gets the rest). ``id`` is always kept, so results stay addressable.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "data" in kwargs:
            return  # reading input: every field validates, whatever the answer will show
        request = self.context.get("request")
        wanted = request.query_params.get("fields", "") if request is not None else ""
        if not wanted or (self.parent is not None and not isinstance(self.parent, serializers.ListSerializer)):
            return
        keep = {name.strip() for name in wanted.split(",") if name.strip()} | {"id"}
        for name in list(self.fields):
            if name not in keep:
                self.fields.pop(name)


class FullTextSearchFilter(BaseFilterBackend):
    """``?search=``: full-text search over the view's ``search_fields`` (PostgreSQL), with a SQLite fallback."""

    search_param = "search"

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        fields: Sequence[str] = getattr(view, "search_fields", ())
        query = request.query_params.get(self.search_param, "").strip()
        if not fields or not query:
            return queryset
        return full_text_search(queryset, query=query, fields=fields)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        if not getattr(view, "search_fields", ()):
            return []
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": 'Full-text search: words (all must match), "a phrase", or -word to exclude.',
                "schema": {"type": "string"},
            }
        ]


__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "CursorPage",
    "FullTextSearchFilter",
    "SparseFieldsMixin",
    "problem_details_exception_handler",
    "problem_response",
]
