from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import CaseRole, SecurityEventKind
from apps.accounts.timezones import time_zone_validate
from apps.common.models import TimeStampedModel


class User(AbstractUser):
    """A person who signs in to Custos.

    Being staff or superuser here does not open any case's evidence: access
    to a case comes only from a CaseMembership (need-to-know).
    """

    # No choices on the field: the IANA list changes with tzdata, and a migration per
    # tzdata release would follow. The form offers the list; the validator checks names.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[time_zone_validate],
        help_text=_("Times are shown in this zone. Empty: the site's zone (Europe/Kyiv unless configured otherwise)."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username


class CaseMembership(TimeStampedModel):
    """Membership of one user in one case, with the role they hold there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="case_memberships",
        verbose_name=_("user"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("case"),
    )
    role = models.CharField(_("role"), max_length=20, choices=CaseRole)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        verbose_name = _("case membership")
        verbose_name_plural = _("case memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "case"], name="accounts_membership_one_role_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.case} ({self.get_role_display()})"


class SecurityEvent(models.Model):
    """One entry of the security audit log: sign-ins, failures, second factors, roles and memberships.

    Written only through accounts.services.security_event_record; admins read
    it in the admin, where it cannot be changed or deleted.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=SecurityEventKind, db_index=True)
    # The account the event is about (who signed in, whose role changed).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("user"),
    )
    # Who did it, when someone else did (the lead who added a member).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    # The username as typed, kept for failures where no account matches.
    username = models.CharField(_("username"), max_length=150, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"
