"""Writes of API tokens: create one (its secret returned once), revoke one, note its use."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import SecurityEventKind
from apps.accounts.permissions import can_view_case
from apps.accounts.services import security_event_record
from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import DISPLAY_PREFIX_LENGTH, NAME_MAX_LENGTH, TOKEN_PREFIX, ApiToken
from apps.apitokens.selectors import secret_hash

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.cases.models import Case

# ``last_used_at`` is written at most this often per token, so that a busy script does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def apitoken_create(
    *,
    owner: User,
    name: str,
    cases: Iterable[Case],
    access: TokenAccess | str,
    expires_at: datetime | None = None,
    acting_token: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``owner`` and return it with its secret, which is not kept anywhere and cannot be shown again.

    The owner must be a member of every case (as the permissions module sees
    them: when ``owner`` is authenticated by a token, only that token's cases
    count). ``acting_token`` is the token the request came with, if any: the
    new token may not have more rights than it (write access from a read
    token, a later expiry or none when it expires).

    Raises ValidationError, by field ("name", "cases", "access", "expires_at").
    Side effects: one ApiToken row and its case links, and an API_TOKEN_CREATED security event.
    """
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors.setdefault("name", []).append(_("Give the token a name, e.g. the script that will use it."))
    elif len(name) > NAME_MAX_LENGTH:
        errors.setdefault("name", []).append(
            _("The name is too long: at most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}
        )
    case_list = list({case.pk: case for case in cases}.values())
    if not case_list:
        errors.setdefault("cases", []).append(_("Choose at least one case: a token opens only the cases named on it."))
    elif any(not can_view_case(owner, case) for case in case_list):
        errors.setdefault("cases", []).append(_("You can only choose cases you are a member of."))
    if access not in TokenAccess.values:
        errors.setdefault("access", []).append(_("Choose read or write access."))
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        errors.setdefault("expires_at", []).append(_("The expiry must be in the future."))
    if acting_token is not None:
        if access == TokenAccess.WRITE and acting_token.access != TokenAccess.WRITE:
            errors.setdefault("access", []).append(_("A read-only token cannot create a token that writes."))
        if acting_token.expires_at is not None and (expires_at is None or expires_at > acting_token.expires_at):
            errors.setdefault("expires_at", []).append(
                _("The new token must expire no later than the token used to create it.")
            )
    if errors:
        raise ValidationError(errors)

    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            owner=owner,
            name=name,
            key_prefix=secret[:DISPLAY_PREFIX_LENGTH],
            key_hash=secret_hash(secret),
            access=access,
            expires_at=expires_at,
        )
        token.cases.set(case_list)
        security_event_record(
            kind=SecurityEventKind.API_TOKEN_CREATED,
            user=owner,
            actor=owner,
            details={
                "token": str(token.pk),
                "name": name,
                "access": str(access),
                "cases": sorted(str(case.pk) for case in case_list),
            },
        )
    return token, secret


def apitoken_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke the token for good (a revoked token is never re-enabled; make a new one).

    Locks the row so that two revocations do not both write a time.
    Side effects: sets ``revoked_at`` and writes an API_TOKEN_REVOKED security event
    (once; revoking again changes nothing).
    """
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("owner").get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            security_event_record(
                kind=SecurityEventKind.API_TOKEN_REVOKED,
                user=locked.owner,
                actor=locked.owner,
                details={"token": str(locked.pk), "name": locked.name},
            )
    token.revoked_at = locked.revoked_at
    return token


def apitoken_check_secret(*, token: ApiToken, secret: str) -> bool:
    """Whether the secret is this token's, compared in constant time (the lookup by hash alone would do;
    this keeps the final decision independent of how the database compares strings)."""
    return hmac.compare_digest(token.key_hash.encode("ascii"), secret_hash(secret).encode("ascii"))


def apitoken_mark_used(*, token: ApiToken) -> None:
    """Note that the token was just used.

    Side effects: updates ``last_used_at`` when it is unset or older than
    LAST_USED_RESOLUTION (one UPDATE, no lock: the latest writer wins, which
    is what the field means).
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
