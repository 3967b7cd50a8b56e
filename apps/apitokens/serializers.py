"""JSON forms of API tokens. The secret appears only in the answer to the POST that created it."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import NAME_MAX_LENGTH, ApiToken
from apps.common.api import SparseFieldsMixin


class UTCDateTimeField(serializers.DateTimeField):
    """Times in UTC ("2022-03-06T12:00:00Z"), whatever the display time zone, as in the other APIs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)


class ApiTokenSerializer(SparseFieldsMixin, serializers.ModelSerializer[ApiToken]):
    """A token as its owner sees it. ``cases`` lists only the cases the request may see (a token's own scope)."""

    cases = serializers.SerializerMethodField(
        help_text=_("Ids of the cases the token opens (those the request may see), in id order.")
    )
    created_at = UTCDateTimeField(read_only=True, help_text=_("When the token was created (UTC)."))
    expires_at = UTCDateTimeField(
        read_only=True, allow_null=True, help_text=_("When the token stops working (UTC); null: it does not expire.")
    )
    revoked_at = UTCDateTimeField(
        read_only=True, allow_null=True, help_text=_("When the token was revoked (UTC); null while it is not.")
    )
    last_used_at = UTCDateTimeField(
        read_only=True, allow_null=True, help_text=_("When the token last authenticated a request (UTC), if ever.")
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "key_prefix",
            "access",
            "cases",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("The token's id (not its secret).")},
            "key_prefix": {"help_text": _("The first characters of the secret, to recognise the token by.")},
            "access": {"help_text": _("read: safe methods only; write: also changes.")},
        }

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_cases(self, token: ApiToken) -> list[str]:
        visible: frozenset[object] = self.context["visible_case_ids"]
        # token.cases.all() uses the prefetch of apitokens_for_user: no query per token.
        return sorted(str(case.pk) for case in token.cases.all() if case.pk in visible)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    """The answer to a successful POST: the token and, this once, its secret."""

    secret = serializers.SerializerMethodField(
        help_text=_("The token's secret: send it as “Authorization: Bearer <secret>”. Shown only this once.")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, token: ApiToken) -> str:
        secret: str = self.context["secret"]
        return secret


class ApiTokenInputSerializer(serializers.Serializer[Any]):
    """What a client posts to create a token. The service checks again (membership, the acting token's limits)."""

    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH, trim_whitespace=True, help_text=_("What the token is for, e.g. the script.")
    )
    cases = serializers.ListField(
        child=serializers.UUIDField(),
        allow_empty=False,
        help_text=_("Ids of the cases the token opens; you must be a member of each."),
    )
    access = serializers.ChoiceField(
        choices=TokenAccess.choices,
        default=TokenAccess.READ,
        help_text=_("read (the default): safe methods only; write: also changes."),
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("When the token stops working; null or left out: never (a token's token: not after it)."),
    )
