"""The API of personal tokens: list and create the user's own (``auth/tokens/``), revoke one.

Session or token authentication. A token creating a token cannot give the
new one more than it has: its cases only (apps.accounts.permissions already
narrows the user to them), no write access from a read token (TokenScope
refuses the POST outright), no later expiry. Another user's token answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.accounts.permissions import member_case_ids
from apps.apitokens.models import ApiToken
from apps.apitokens.selectors import apitokens_for_user
from apps.apitokens.serializers import ApiTokenCreatedSerializer, ApiTokenInputSerializer, ApiTokenSerializer
from apps.apitokens.services import apitoken_create, apitoken_revoke
from apps.cases.models import Case
from apps.common.schema import SPARSE_FIELDS

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request

    from apps.accounts.models import User


def _visible_case_ids(request: Request) -> frozenset[object]:
    return frozenset(member_case_ids(request.user))


def _manageable_tokens(request: Request) -> QuerySet[ApiToken]:
    """The user's tokens; through a token, only those within its own cases (those it could have made)."""
    tokens = apitokens_for_user(user=request.user)
    if isinstance(request.auth, ApiToken):
        tokens = tokens.exclude(cases__in=Case.objects.exclude(pk__in=member_case_ids(request.user)))
    return tokens


class TokenListView(generics.ListAPIView):  # type: ignore[type-arg]
    """Your tokens, newest first, revoked and expired ones too (GET); create one (POST).

    The answer to the POST carries the token's secret, this once (and is not cacheable).
    """

    serializer_class = ApiTokenSerializer
    filterset_fields = ("access",)
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at",)

    def get_queryset(self) -> QuerySet[ApiToken]:
        return _manageable_tokens(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "visible_case_ids": _visible_case_ids(self.request)}

    @extend_schema(parameters=[SPARSE_FIELDS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ApiTokenInputSerializer,
        responses={201: OpenApiResponse(ApiTokenCreatedSerializer, description="The new token, with its secret.")},
    )
    def post(self, request: Request) -> Response:
        data = ApiTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case_ids = set(data.validated_data["cases"])
        cases = list(Case.objects.filter(pk__in=case_ids))
        if len(cases) != len(case_ids):
            # An unknown id gets the same answer as a case the user is not in: existence must not leak.
            raise serializers.ValidationError({"cases": [_("You can only choose cases you are a member of.")]})
        owner: User = request.user  # type: ignore[assignment]
        try:
            token, secret = apitoken_create(
                owner=owner,
                name=data.validated_data["name"],
                cases=cases,
                access=data.validated_data["access"],
                expires_at=data.validated_data["expires_at"],
                acting_token=request.auth if isinstance(request.auth, ApiToken) else None,
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        token = apitokens_for_user(user=owner).get(pk=token.pk)
        context = {"visible_case_ids": _visible_case_ids(request), "secret": secret}
        response = Response(ApiTokenCreatedSerializer(token, context=context).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"  # the secret must not be kept by any cache on the way
        return response


@extend_schema(
    parameters=[OpenApiParameter("token_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The token's id.")]
)
class TokenRevokeView(generics.GenericAPIView):  # type: ignore[type-arg]
    """Revoke one of your tokens: it stops working at once (revoking a revoked token changes nothing)."""

    serializer_class = ApiTokenSerializer
    pagination_class = None

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "visible_case_ids": _visible_case_ids(self.request)}

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    def post(self, request: Request, token_id: Any) -> Response:
        token = _manageable_tokens(request).filter(pk=token_id).first()
        if token is None:
            raise NotFound
        token = apitoken_revoke(token=token)
        return Response(self.get_serializer(token).data)
