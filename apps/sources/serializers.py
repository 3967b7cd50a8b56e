"""JSON forms of sources. Witness-identity fields are left out for members who may not see them (observers)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.permissions import can_see_witness_identity
from apps.cases.serializers import MemberCaseField
from apps.common.api import SparseFieldsMixin
from apps.sources.models import Source
from apps.sources.services import WITNESS_IDENTITY_FIELDS


class SourceInputSerializer(serializers.ModelSerializer[Source]):
    """What a client sends: every field, whatever ``?fields=`` asks of the answer."""

    created_by = serializers.CharField(
        source="created_by.username",
        read_only=True,
        allow_null=True,
        help_text=_("Who recorded the source (username)."),
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "case",
            "source_type",
            "title",
            "publisher",
            "author",
            "url",
            "language",
            "published_at",
            "retrieved_at",
            "reliability",
            "notes",
            "witness_name",
            "witness_contact",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "case", "created_at", "updated_at"]
        extra_kwargs = {"case": {"help_text": _("The id of the case the source belongs to.")}}


class SourceSerializer(SparseFieldsMixin, SourceInputSerializer):
    """Where information comes from: a report, a statement, a witness, a post.

    ``witness_name`` and ``witness_contact`` are present only for members
    whose role may see a witness's identity (not observers).
    """

    def to_representation(self, instance: Source) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not can_see_witness_identity(request.user, instance.case):
            for name in WITNESS_IDENTITY_FIELDS:
                data.pop(name, None)
        return data


class SourceCreateSerializer(SourceInputSerializer):
    """A new source: as a source, with the case it goes into."""

    case = MemberCaseField(help_text=_("The id of the case the source belongs to."))

    class Meta(SourceInputSerializer.Meta):
        read_only_fields = ["id", "created_at", "updated_at"]
