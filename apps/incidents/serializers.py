"""JSON forms of incidents, allegations and casualty figures.

Serializers validate the shape of the input; the services (apps/incidents/
services.py) validate the object as a whole (model constraints, same-case
rules) and save it. Read-only fields here are set by the server: the case
of an allegation, who recorded something, an incident's verification status
(changed only through its own endpoint, with a reason).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.permissions import member_case_ids
from apps.cases.serializers import MemberCaseField
from apps.common.api import SparseFieldsMixin
from apps.incidents.enums import WeaponConfidence
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType
from apps.incidents.services import WeaponClaim
from apps.sources.models import Source
from apps.weapons.models import WeaponType

TAG_MAX_LENGTH = 100  # taggit's Tag.name
MAX_BIGINT = 2**63 - 1  # the largest BigAutoField id
LATITUDE_RANGE = _("Latitude must be between -90 and 90 degrees.")
LONGITUDE_RANGE = _("Longitude must be between -180 and 180 degrees.")


class TagListField(serializers.ListField):
    """An incident's tags as a sorted list of names (read from the prefetched tag links)."""

    child = serializers.CharField(max_length=TAG_MAX_LENGTH)

    def get_attribute(self, instance: Incident) -> list[str]:
        return sorted(link.tag.name for link in instance.tag_links.all())

    def to_representation(self, data: list[str]) -> list[str]:
        return list(data)


def _username(source: str, help_text: Any) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True, allow_null=True, help_text=help_text)


class IncidentInputSerializer(serializers.ModelSerializer[Incident]):
    """What a client sends: every field, whatever ``?fields=`` asks of the answer."""

    incident_types = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=IncidentType.objects.all(),
        required=False,
        help_text=_("Codes of the incident's types (the controlled vocabulary, mapped to ACLED event types)."),
    )
    tags = TagListField(required=False, help_text=_("Free tags."))
    created_by = _username("created_by.username", _("Who recorded the incident (username)."))
    allegation_count = serializers.IntegerField(read_only=True, help_text=_("How many allegations concern it."))
    evidence_count = serializers.IntegerField(
        read_only=True, help_text=_("How many evidence items linked to it you may see.")
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "case",
            "title",
            "narrative",
            "start_at",
            "start_precision",
            "end_at",
            "end_precision",
            "place_name",
            "country_code",
            "admin1",
            "admin2",
            "admin3",
            "latitude",
            "longitude",
            "location_precision",
            "incident_types",
            "tags",
            "verification_status",
            "allegation_count",
            "evidence_count",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "case", "verification_status", "created_at", "updated_at"]
        extra_kwargs = {
            "case": {"help_text": _("The id of the case the incident belongs to.")},
            "verification_status": {"help_text": _("Set by reviewers and leads through the verification endpoint.")},
            # The model's own messages (apps/common/validators.py) rather than DRF's generic bounds.
            "latitude": {"error_messages": dict.fromkeys(("min_value", "max_value"), LATITUDE_RANGE)},
            "longitude": {"error_messages": dict.fromkeys(("min_value", "max_value"), LONGITUDE_RANGE)},
        }


class IncidentSerializer(SparseFieldsMixin, IncidentInputSerializer):
    """Something that happened at a place and time, documented within a case; times and place carry their precision."""


class IncidentCreateSerializer(IncidentInputSerializer):
    """A new incident: as an incident, with the case it goes into."""

    case = MemberCaseField(help_text=_("The id of the case the incident belongs to."))

    class Meta(IncidentInputSerializer.Meta):
        read_only_fields = ["id", "verification_status", "created_at", "updated_at"]


class AllegedWeaponSerializer(serializers.ModelSerializer[AllegedWeapon]):
    """A weapon type an allegation names, with how firmly and on what basis."""

    weapon_type = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=WeaponType.objects.all(),
        help_text=_("The weapon type's slug, from the weapon taxonomy."),
    )
    confidence = serializers.ChoiceField(
        choices=WeaponConfidence.choices,
        default=WeaponConfidence.ALLEGED,
        help_text=_("How firmly the source asserts this weapon was used."),
    )

    class Meta:
        model = AllegedWeapon
        fields = ["weapon_type", "confidence", "basis"]


class MemberRecordField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """The id of a record (source, incident, figure) of one of the user's cases.

    Records of other cases answer "not found", like ids that do not exist
    (need-to-know); the service then checks the record is of the right case.
    """

    default_error_messages = {"does_not_exist": _("Nothing with this id among your cases' records.")}

    def __init__(self, *, model: type[Any], **kwargs: Any) -> None:
        self.model = model
        # Check the id's form first: a malformed or out-of-range id is a 400, never a database error.
        self.id_field: serializers.Field[Any, Any, Any, Any] = (
            serializers.UUIDField()
            if isinstance(model._meta.pk, models.UUIDField)
            else serializers.IntegerField(min_value=1, max_value=MAX_BIGINT)
        )
        kwargs.setdefault("pk_field", self.id_field)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        # The id field's own validators (the range of a BigAutoField) run before the lookup.
        if not isinstance(data, bool):
            self.id_field.run_validation(data)
        return super().to_internal_value(data)

    def get_queryset(self) -> Any:
        request = self.context.get("request") if hasattr(self, "parent") else None
        if request is None:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(case_id__in=member_case_ids(request.user))


class AllegationInputSerializer(serializers.ModelSerializer[Allegation]):
    """What a client sends: every field, whatever ``?fields=`` asks of the answer."""

    source = MemberRecordField(  # type: ignore[assignment]  # a declared field, not Field.source
        model=Source, help_text=_("The id of the source making the claim (a source of the same case).")
    )
    alleged_weapons = AllegedWeaponSerializer(
        many=True,
        source="weapon_claims",
        required=False,
        help_text=_("The weapon types the claim names; when given on a change, it replaces the whole list."),
    )

    class Meta:
        model = Allegation
        fields = [
            "id",
            "case",
            "incident",
            "source",
            "asserted_on",
            "claimant",
            "summary",
            "quote",
            "alleged_perpetrator",
            "alleged_weapons",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "case", "incident", "created_at", "updated_at"]
        extra_kwargs = {
            "case": {"help_text": _("The id of the case (the incident's).")},
            "incident": {"help_text": _("The id of the incident the claim is about (empty for a general claim).")},
        }

    def weapon_claims(self) -> list[WeaponClaim] | None:
        """The validated weapon list as service input (None when the request did not give one)."""
        given = self.validated_data.get("weapon_claims")
        if given is None:
            return None
        return [WeaponClaim(**entry) for entry in given]

    def field_values(self) -> dict[str, Any]:
        return {name: value for name, value in self.validated_data.items() if name != "weapon_claims"}


class AllegationSerializer(SparseFieldsMixin, AllegationInputSerializer):
    """A named source asserting something on a date: a claim, not a finding."""


MAX_COUNT = 2_147_483_647
COUNT_FIELDS = (
    "killed",
    "injured",
    "killed_children",
    "killed_women",
    "killed_men",
    "killed_sex_undetermined",
    "injured_children",
    "injured_women",
    "injured_men",
    "injured_sex_undetermined",
)


class CasualtyFigureInputSerializer(serializers.ModelSerializer[CasualtyFigure]):
    """What a client sends: every field, whatever ``?fields=`` asks of the answer."""

    recorded_by = _username("recorded_by.username", _("Who recorded the figure (username)."))
    superseded_by: serializers.ManyRelatedField = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        many=True, read_only=True, help_text=_("Ids of the figures that correct this one.")
    )
    incident = MemberRecordField(
        model=Incident,
        required=False,
        allow_null=True,
        help_text=_("The id of the incident, for an incident-scoped figure (same case)."),
    )
    source = MemberRecordField(  # type: ignore[assignment]  # a declared field, not Field.source
        model=Source,
        required=False,
        allow_null=True,
        help_text=_("The id of the source that reports the figure (same case)."),
    )
    supersedes = MemberRecordField(
        model=CasualtyFigure,
        required=False,
        allow_null=True,
        help_text=_("The id of the figure this one corrects (same case)."),
    )

    class Meta:
        model = CasualtyFigure
        fields = [
            "id",
            "case",
            "scope",
            "incident",
            "region_name",
            "reporter",
            "source",
            "as_of",
            "period_start",
            *COUNT_FIELDS,
            "caveat",
            "supersedes",
            "superseded_by",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "case", "superseded_by", "recorded_by", "created_at"]
        extra_kwargs = {
            "case": {"help_text": _("The id of the case.")},
            # The largest count PostgreSQL stores, on every database: Django takes an integer field's range from
            # the database in use (SQLite's is 64-bit), and the schema must not depend on it.
            **{name: {"max_value": MAX_COUNT} for name in COUNT_FIELDS},
        }


class CasualtyFigureSerializer(SparseFieldsMixin, CasualtyFigureInputSerializer):
    """Killed and injured as reported by one reporter, as of one date. Never changed: corrections supersede."""
