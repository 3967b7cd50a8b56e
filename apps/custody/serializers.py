"""JSON forms of the custody record, read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.common.api import SparseFieldsMixin
from apps.custody.hashing import format_time
from apps.custody.models import CustodyEvent


@extend_schema_field(OpenApiTypes.DATETIME)
class CanonicalTimeField(serializers.Field):  # type: ignore[type-arg]
    """A time as the hash chain writes it: UTC with microseconds, "2022-03-06T12:00:00.000005Z".

    The same text that was hashed, so that a client can recompute an event's hash from this JSON.
    """

    def to_representation(self, value: datetime) -> str:
        return format_time(value)


class CustodyEventSerializer(SparseFieldsMixin, serializers.ModelSerializer[CustodyEvent]):
    """One custody event: what happened to the item, who did it, when, and the hash that seals it to the chain."""

    # The event has a BigAutoField id nobody outside needs; ``sequence`` names it within its item's chain.
    actor_user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Username of the person who acted; null when a system component acted."),
    )
    occurred_at = CanonicalTimeField(
        read_only=True,
        help_text=_("When it happened, in UTC with microseconds: exactly the text the event's hash covers."),
    )
    details = serializers.DictField(
        read_only=True, help_text=_("What else the event records (depends on the action); covered by the hash.")
    )

    class Meta:
        model = CustodyEvent
        fields = ["sequence", "action", "actor", "actor_user", "occurred_at", "details", "prev_hash", "event_hash"]
        read_only_fields = fields
        extra_kwargs = {
            "sequence": {"help_text": _("Position in the item's chain, from 1, without gaps.")},
            "action": {"help_text": _("What happened to the item.")},
            "actor": {"help_text": _('Who acted, as hashed: "user:<username>" or "system:<component>/<version>".')},
            "prev_hash": {"help_text": _("The previous event's hash (the genesis hash for the first event).")},
            "event_hash": {"help_text": _('This event\'s hash, "sha256:<hex>", over its fields and prev_hash.')},
        }


class ChainBreakSerializer(serializers.Serializer[Any]):
    """The first event at which the chain no longer verifies."""

    sequence = serializers.IntegerField(read_only=True, help_text=_("The first event that does not verify."))
    reason = serializers.CharField(read_only=True, help_text=_("Why it does not verify."))


class CustodyVerificationSerializer(serializers.Serializer[Any]):
    """The result of recomputing an item's chain: whether it holds and, if not, where it first breaks."""

    item = serializers.UUIDField(read_only=True, help_text=_("The evidence item."))
    ok = serializers.BooleanField(read_only=True, help_text=_("True when every event's hash and link verify."))
    events_checked = serializers.IntegerField(read_only=True, help_text=_("How many events were recomputed."))
    first_break = ChainBreakSerializer(
        read_only=True, allow_null=True, help_text=_("Where the chain first breaks; null when it holds.")
    )
    verified_at = CanonicalTimeField(read_only=True, help_text=_("When this verification ran (UTC)."))
