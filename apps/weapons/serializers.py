"""The weapon taxonomy as the API shows it: read-only, in English and Ukrainian."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.common.api import SparseFieldsMixin
from apps.weapons.models import WeaponAlias, WeaponType


class WeaponAliasSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = WeaponAlias
        fields = ("alias", "language")


class WeaponAncestorSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = WeaponType
        fields = ("slug", "level", "name", "name_uk")


class WeaponTypeSerializer(SparseFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    """One node of the taxonomy (family -> system -> munition), with its aliases and its parent's slug."""

    # Declared fields leave the class body (DRF's metaclass), so this does not shadow Field.parent at run time.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent_slug",
        read_only=True,
        allow_null=True,
        help_text=_("The slug of the type one level up; null for a family (a root of the tree)."),
    )
    aliases = WeaponAliasSerializer(
        many=True, read_only=True, help_text=_("Other names of this type, in English and Ukrainian.")
    )

    class Meta:
        model = WeaponType
        fields: tuple[str, ...] = (
            "id",
            "slug",
            "level",
            "name",
            "name_uk",
            "description",
            "parent",
            "is_cluster",
            "is_thermobaric",
            "is_incendiary",
            "is_landmine",
            "aliases",
        )


class WeaponTypeDetailSerializer(WeaponTypeSerializer):
    """A node with where it sits in the tree, and the legal context of its use (never a verdict).

    The view sets ``ancestor_list`` and ``child_slugs`` on the object (one query each).
    """

    ancestors = WeaponAncestorSerializer(
        source="ancestor_list",
        many=True,
        read_only=True,
        help_text=_("The types above this one, from the family down to the parent."),
    )
    children = serializers.ListField(
        source="child_slugs",
        child=serializers.SlugField(),
        read_only=True,
        help_text=_("The slugs of the types one level below, in tree order."),
    )

    class Meta(WeaponTypeSerializer.Meta):
        fields = (
            *WeaponTypeSerializer.Meta.fields,
            "ancestors",
            "children",
            "legal_note",
            "legal_note_source",
            "source",
        )
