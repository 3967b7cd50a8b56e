from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        # Registers the schema extension describing personal API tokens (drf-spectacular finds it by import).
        from apps.common import schema  # noqa: F401, PLC0415
