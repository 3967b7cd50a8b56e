"""JSON forms of the custody record, read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from apps.accounts.models import User
from apps.custody.hashing import format_time
from apps.custody.models import CustodyEvent


class CanonicalTimeField(serializers.Field):  # type: ignore[type-arg]
    """A time as the hash chain writes it: UTC with microseconds, "2022-03-06T12:00:00.000005Z".

    The same text that was hashed, so that a client can recompute an event's hash from this JSON.
    """

    def to_representation(self, value: datetime) -> str:
        return format_time(value)


class CustodyEventSerializer(serializers.ModelSerializer[CustodyEvent]):
    actor_user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    occurred_at = CanonicalTimeField(read_only=True)

    class Meta:
        model = CustodyEvent
        fields = ["sequence", "action", "actor", "actor_user", "occurred_at", "details", "prev_hash", "event_hash"]
        read_only_fields = fields


class ChainBreakSerializer(serializers.Serializer[Any]):
    sequence = serializers.IntegerField(read_only=True)
    reason = serializers.CharField(read_only=True)


class CustodyVerificationSerializer(serializers.Serializer[Any]):
    item = serializers.UUIDField(read_only=True)
    ok = serializers.BooleanField(read_only=True)
    events_checked = serializers.IntegerField(read_only=True)
    first_break = ChainBreakSerializer(read_only=True, allow_null=True)
    verified_at = CanonicalTimeField(read_only=True)
