"""JSON forms of the bundle register."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.models import User
from apps.cases.models import Case
from apps.exports.enums import ExportStatus, RecipientType
from apps.exports.models import ExportBundle
from apps.incidents.models import Incident


class UTCDateTimeField(serializers.DateTimeField):
    """Times in UTC ("2025-03-01T12:00:00Z"), whatever the display time zone, as in the other APIs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)


class ExportBundleSerializer(serializers.ModelSerializer[ExportBundle]):
    """A register entry with its progress. ``download`` is the API's download URL once the bundle is done."""

    case: serializers.PrimaryKeyRelatedField[Case] = serializers.PrimaryKeyRelatedField(read_only=True)
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    incidents: serializers.PrimaryKeyRelatedField[Incident] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    percent = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()
    created_at = UTCDateTimeField(read_only=True)
    bagging_date = UTCDateTimeField(read_only=True)
    finished_at = UTCDateTimeField(read_only=True)

    class Meta:
        model = ExportBundle
        fields = [
            "id",
            "case",
            "requested_by",
            "created_at",
            "status",
            "recipient_type",
            "recipient_organisation",
            "recipient_person",
            "purpose",
            "incidents",
            "include_pending",
            "include_derivatives",
            "bagging_date",
            "progress_done",
            "progress_total",
            "percent",
            "size_bytes",
            "sha256",
            "item_count",
            "excluded",
            "error",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    def get_percent(self, bundle: ExportBundle) -> int:
        if bundle.status == ExportStatus.DONE:
            return 100
        if not bundle.progress_total:
            return 0
        return min(100, bundle.progress_done * 100 // bundle.progress_total)

    def get_download(self, bundle: ExportBundle) -> str | None:
        if bundle.status != ExportStatus.DONE:
            return None
        return reverse("api:export-download", kwargs={"bundle_id": bundle.pk})


class ExportRequestSerializer(serializers.Serializer[Any]):
    """What a client posts to start an export. ``incidents`` empty (or left out) means the whole case."""

    recipient_type = serializers.ChoiceField(choices=RecipientType.choices)
    recipient_organisation = serializers.CharField(max_length=300)
    recipient_person = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    purpose = serializers.CharField(max_length=2000)
    incidents = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    include_pending = serializers.BooleanField(required=False, default=False)
    include_derivatives = serializers.BooleanField(required=False, default=False)

    def validate_incidents(self, value: list[Any]) -> list[Any]:
        case = self.context["case"]
        chosen = list(case.incidents.filter(pk__in=value).order_by("pk"))
        if len(chosen) != len(set(value)):
            raise serializers.ValidationError(_("Every incident must be an incident of this case."))
        return chosen
