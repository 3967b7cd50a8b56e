from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "apps.comments"
    label = "comments"
    verbose_name = _("Comments and notifications")

    def ready(self) -> None:
        from apps.comments import signals  # noqa: F401, PLC0415 (connects the receivers)
