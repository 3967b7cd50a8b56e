import hashlib

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.enums import CaseRole
from apps.cases.enums import CaseStatus, InvitationState
from apps.common.models import PublicModel

case_reference_validator = RegexValidator(
    regex=r"^[A-Z0-9]+(?:-[A-Z0-9]+)*\Z",
    message=_("Use capital letters, digits and hyphens, for example UA-2022-0001."),
)


def invitation_token_hash(token: str) -> str:
    """The stored form of an invitation token. Tokens carry 256 random bits, so an unsalted SHA-256 is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Case(PublicModel):
    """An investigation: the unit of need-to-know access and of export."""

    reference = models.CharField(
        _("reference"),
        max_length=32,
        unique=True,
        validators=[case_reference_validator],
        help_text=_("A unique, human-readable reference such as UA-2022-0001."),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus, default=CaseStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"


class Invitation(PublicModel):
    """An offer to join a case with a role, sent by e-mail to one address.

    Only the SHA-256 of the token is stored: the token itself travels only in
    the e-mail, so a copy of the database cannot be used to join a case. An
    invitation is used once; ``accepted_at`` and ``revoked_at`` are written
    only by apps.cases.services.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("case"))
    email = models.EmailField(_("e-mail address"), help_text=_("Only an account with this address can accept."))
    role = models.CharField(_("role"), max_length=20, choices=CaseRole)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # An invitation ends once: either used or revoked, never both.
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="cases_invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.case.reference} ({self.get_role_display()})"

    @property
    def state(self) -> InvitationState:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING
