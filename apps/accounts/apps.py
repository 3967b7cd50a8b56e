from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        """Connect the security log to the sign-in signals (here, so that models are loaded first)."""
        from axes.signals import user_locked_out  # noqa: PLC0415
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed  # noqa: PLC0415

        from apps.accounts import signals  # noqa: PLC0415

        user_logged_in.connect(signals.on_user_logged_in, dispatch_uid="custos_security_login")
        user_login_failed.connect(signals.on_user_login_failed, dispatch_uid="custos_security_login_failed")
        user_logged_out.connect(signals.on_user_logged_out, dispatch_uid="custos_security_logout")
        user_locked_out.connect(signals.on_user_locked_out, dispatch_uid="custos_security_locked_out")
