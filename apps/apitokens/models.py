"""Personal API tokens: how scripts (scrapers, archivers, capture apps) reach the API as a user.

A token's secret is shown once, when it is created, and never stored: the
database keeps its SHA-256 and a short non-secret prefix by which the owner
recognises it in the list. A token narrows what its owner may do, never
widens it: it opens only the cases named on it (and only while the owner is
still a member there, in the role they hold then), and a read token only
reads. It stops working when it expires, when it is revoked, or when its
owner is deactivated.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.apitokens.enums import TokenAccess

# Every secret starts with this, so that a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "cus_"  # noqa: S105 (a public marker, not a secret)
# How many leading characters of the secret are kept, in clear, to tell tokens apart.
DISPLAY_PREFIX_LENGTH = 8
NAME_MAX_LENGTH = 100


class ApiToken(models.Model):
    """One personal API token. Created only by ``apitoken_create``, revoked by ``apitoken_revoke``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner")
    )
    name = models.CharField(
        _("name"), max_length=NAME_MAX_LENGTH, help_text=_("What the token is for, e.g. the script that uses it.")
    )
    key_prefix = models.CharField(_("starts with"), max_length=DISPLAY_PREFIX_LENGTH, editable=False)
    # SHA-256 (hex) of the whole secret. The secret itself is never stored.
    key_hash = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True, editable=False)
    access = models.CharField(_("access"), max_length=10, choices=TokenAccess, default=TokenAccess.READ)
    cases = models.ManyToManyField("cases.Case", related_name="api_tokens", verbose_name=_("cases"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["owner", "created_at"], name="apitoken_owner_created_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired
