from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseRole(models.TextChoices):
    """A user's role within one case; the same user may hold different roles in different cases."""

    INVESTIGATOR = "investigator", _("Investigator")
    REVIEWER = "reviewer", _("Reviewer")
    LEAD = "lead", _("Lead")
    OBSERVER = "observer", _("Observer")


class SecurityEventKind(models.TextChoices):
    """What the security audit log records (docs/security.md)."""

    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out after repeated failures")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor sign-in set up")
    TWO_FACTOR_FAILED = "2fa_failed", _("Two-factor code refused")
    TWO_FACTOR_REMOVED = "2fa_removed", _("Two-factor sign-in removed")
    RECOVERY_CODES_ISSUED = "recovery_codes", _("Recovery codes issued")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    MEMBER_ADDED = "member_added", _("Member added to a case")
    MEMBER_REMOVED = "member_removed", _("Member removed from a case")
    ROLE_CHANGED = "role_changed", _("Role in a case changed")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    CASE_CLOSED = "case_closed", _("Case closed")
    CASE_REOPENED = "case_reopened", _("Case reopened")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
