"""OpenAPI schema additions shared by every API view (drf-spectacular).

``add_problem_responses`` is a postprocessing hook (SPECTACULAR_SETTINGS):
every operation documents the problem-details answers it can give (401
without valid credentials, 403, 404, 406, 429, and 400/413/415 where a
request carries a body or query parameters), so the schema holds every
status code the API can answer and a fuzzer can hold the API to it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

# ``?fields=`` of apps.common.api.SparseFieldsMixin, for @extend_schema(parameters=[SPARSE_FIELDS]).
SPARSE_FIELDS = OpenApiParameter(
    "fields",
    str,
    description="Comma-separated names of the fields to return (id is always returned). Unknown names are ignored.",
)

# The evidence item of a path /.../<item_id>/..., for @extend_schema(parameters=[ITEM_ID]).
ITEM_ID = OpenApiParameter("item_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The evidence item's id.")
# A reference to the problem-details schema (added by add_problem_responses), for a view's own error answers.
PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Identifies the kind of problem."},
        "title": {"type": "string", "description": "A short summary of the kind of problem, translated."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong here, translated."},
        "errors": {
            "type": "array",
            "description": "Validation errors, one per problem, each pointing at its field.",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "JSON pointer (RFC 6901) to the field."},
                    "field": {"type": "string", "description": "The field's name, when the pointer ends in one."},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["pointer", "detail"],
            },
        },
        "retry_after_seconds": {"type": "integer", "description": "With 429: when to try again."},
    },
    "required": ["type", "title", "status", "detail"],
}

ALWAYS = {
    "401": "No valid credentials: sign in, or send `Authorization: Bearer <token>`.",
    "403": "Signed in, but your role (or your token's scope) does not allow this.",
    "404": "No such object among the cases you are a member of.",
    "406": "The requested response format is not available.",
    "414": "The request's URL is longer than the server accepts.",
    "429": "Too many requests: see `Retry-After`.",
}
WITH_INPUT = {
    "400": "The request is invalid; `errors` names each field.",
    "413": "The request body is larger than the server accepts.",
    "415": "The request body's media type is not supported.",
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM}, "application/json": {"schema": PROBLEM}},
    }


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (called with result, generator, request and public as keywords)."""
    result.setdefault("components", {}).setdefault("schemas", {})["ProblemDetails"] = PROBLEM_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            extra = dict(ALWAYS)
            if operation.get("requestBody") or operation.get("parameters") or method != "get":
                extra.update(WITH_INPUT)
            for code, description in extra.items():
                responses.setdefault(code, _problem_response(description))
    return result


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes apps.apitokens' Bearer authentication in the schema."""

    target_class = "apps.apitokens.authentication.ApiTokenAuthentication"
    name = "personalApiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (Accounts → API tokens, or POST /api/v1/auth/tokens/).",
        }


class SparseFieldsSerializerExtension(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """With ``?fields=`` an answer holds any subset of a serializer's fields: in answers only ``id`` is required."""

    target_class = "apps.common.api.SparseFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "response" and "required" in schema:
            required = [name for name in schema["required"] if name == "id"]
            if required:
                schema["required"] = required
            else:
                del schema["required"]  # OpenAPI 3.0 does not allow an empty list
        return schema
