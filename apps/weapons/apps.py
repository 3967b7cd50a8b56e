from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeaponsConfig(AppConfig):
    name = "apps.weapons"
    label = "weapons"
    verbose_name = _("Weapons")
