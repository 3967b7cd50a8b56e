"""JSON forms of the bundle register."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.models import User
from apps.cases.models import Case
from apps.common.api import SparseFieldsMixin
from apps.exports.enums import ExportStatus, RecipientType
from apps.exports.models import ExportBundle
from apps.incidents.models import Incident


class UTCDateTimeField(serializers.DateTimeField):
    """Times in UTC ("2025-03-01T12:00:00Z"), whatever the display time zone, as in the other APIs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)


class ExcludedItemSerializer(serializers.Serializer[Any]):
    """An item of the case the bundle leaves out, and why."""

    item = serializers.UUIDField(read_only=True, help_text=_("The item's id."))
    reason = serializers.CharField(read_only=True, help_text=_("Why it is left out (fixed English text)."))


class ExportBundleSerializer(SparseFieldsMixin, serializers.ModelSerializer[ExportBundle]):
    """A register entry with its progress. ``download`` is the API's download URL once the bundle is done."""

    case: serializers.PrimaryKeyRelatedField[Case] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The exported case's id.")
    )
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("Username of the lead who started the export.")
    )
    incidents: serializers.PrimaryKeyRelatedField[Incident] = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text=_("Only evidence linked to these incidents; empty means the whole case."),
    )
    percent = serializers.SerializerMethodField(help_text=_("How much of the bundle is written, 0 to 100."))
    download = serializers.SerializerMethodField(
        help_text=_("Where to download the finished bundle (a path of this API); null until it is done.")
    )
    excluded = ExcludedItemSerializer(
        many=True, read_only=True, help_text=_("The items left out of the bundle, and why.")
    )
    created_at = UTCDateTimeField(read_only=True, help_text=_("When the export was started (UTC)."))
    bagging_date = UTCDateTimeField(
        read_only=True, allow_null=True, help_text=_("The date the bundle records as made (UTC); null before.")
    )
    finished_at = UTCDateTimeField(
        read_only=True, allow_null=True, help_text=_("When the build ended, done or failed (UTC); null before.")
    )

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
        extra_kwargs = {
            "id": {"help_text": _("The bundle's id.")},
            "status": {"help_text": _("pending (queued), building, then done or failed.")},
            "recipient_type": {"help_text": _("Who receives the bundle; decides which items may go into it.")},
            "recipient_organisation": {"help_text": _("The receiving organisation.")},
            "recipient_person": {"help_text": _("The receiving person, if named.")},
            "purpose": {"help_text": _("What the bundle is for.")},
            "progress_done": {"help_text": _("Bytes written so far.")},
            "progress_total": {"help_text": _("Bytes to write in all (0 until the build has planned the bundle).")},
            "size_bytes": {"help_text": _("The ZIP's size in bytes; null until it is done.")},
            "sha256": {"help_text": _('The ZIP\'s hash, "sha256:<hex>"; empty until it is done.')},
            "item_count": {"help_text": _("How many items the bundle includes.")},
            "error": {"help_text": _("Why the build failed; empty otherwise.")},
        }

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

    recipient_type = serializers.ChoiceField(
        choices=RecipientType.choices, help_text=_("Who receives the bundle; decides which items may go into it.")
    )
    recipient_organisation = serializers.CharField(max_length=300, help_text=_("The receiving organisation."))
    recipient_person = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text=_("The receiving person, if named.")
    )
    purpose = serializers.CharField(max_length=2000, help_text=_("What the bundle is for."))
    incidents = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        help_text=_("Ids of incidents of this case: only evidence linked to them. Empty: the whole case."),
    )
    include_pending = serializers.BooleanField(
        required=False, default=False, help_text=_("Also include evidence not yet approved (marked as pending).")
    )
    include_derivatives = serializers.BooleanField(
        required=False, default=False, help_text=_("Also include thumbnails and previews.")
    )

    def validate_incidents(self, value: list[Any]) -> list[Any]:
        case = self.context["case"]
        chosen = list(case.incidents.filter(pk__in=value).order_by("pk"))
        if len(chosen) != len(set(value)):
            raise serializers.ValidationError(_("Every incident must be an incident of this case."))
        return chosen
