from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from apps.common.languages import name_in_language
from apps.weapons.enums import AliasLanguage, WeaponLevel
from apps.weapons.text import normalize_term


class WeaponType(MP_Node):
    """A node of the weapon taxonomy: family -> system -> munition.

    A materialised-path tree (django-treebeard), so that "this weapon and
    every type below it" is one indexed prefix query. The shipped taxonomy is
    loaded by a data migration from apps/weapons/data/weapon_taxonomy.json;
    each entry names where its use is documented. A type is an allegation's
    vocabulary, never a finding.
    """

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    level = models.CharField(_("level"), max_length=20, choices=WeaponLevel)
    name = models.CharField(_("name (English)"), max_length=200)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_cluster = models.BooleanField(_("cluster munition"), default=False)
    is_thermobaric = models.BooleanField(_("thermobaric / fuel-air"), default=False)
    is_incendiary = models.BooleanField(_("incendiary"), default=False)
    is_landmine = models.BooleanField(_("landmine"), default=False)
    legal_note = models.TextField(
        _("legal note"),
        blank=True,
        help_text=_("Legal context, stated neutrally with its source. Never a verdict."),
    )
    legal_note_source = models.CharField(_("legal note source"), max_length=500, blank=True)
    source = models.CharField(
        _("documented in"),
        max_length=500,
        blank=True,
        help_text=_("Where this weapon type's use is documented (report, organisation, year)."),
    )
    # Case-folded English and Ukrainian names, kept by save(), searched with
    # plain `contains` so that search behaves the same on SQLite and PostgreSQL.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("weapon type")
        verbose_name_plural = _("weapon types")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return name_in_language(self.name, self.name_uk)

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = normalize_term(f"{self.name}\n{self.name_uk}")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class WeaponAlias(models.Model):
    """Another name users give a weapon type ("vacuum bomb" for thermobaric weapons)."""

    weapon_type = models.ForeignKey(
        WeaponType, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("weapon type")
    )
    alias = models.CharField(_("alias"), max_length=200)
    language = models.CharField(_("language"), max_length=5, choices=AliasLanguage)
    normalized = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name = _("weapon alias")
        verbose_name_plural = _("weapon aliases")
        constraints = [
            models.UniqueConstraint(fields=["weapon_type", "normalized"], name="weapons_alias_unique_per_type"),
        ]

    def __str__(self) -> str:
        return self.alias

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalized = normalize_term(self.alias)
        super().save(*args, **kwargs)  # type: ignore[arg-type]
