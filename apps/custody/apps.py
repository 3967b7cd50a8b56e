from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustodyConfig(AppConfig):
    name = "apps.custody"
    label = "custody"
    verbose_name = _("Custody")

    def ready(self) -> None:
        from apps.custody import signals  # noqa: F401, PLC0415 (connects the receivers)
