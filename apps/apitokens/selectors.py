"""Reads of API tokens: a user only ever sees their own."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from apps.apitokens.models import TOKEN_PREFIX, ApiToken

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from apps.accounts.models import User


def secret_hash(secret: str) -> str:
    """The stored form of a secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def apitokens_for_user(*, user: User | AnonymousUser) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, with their cases (for lists: two queries however many tokens)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(owner_id=user.pk).prefetch_related("cases").order_by("-created_at", "id")


def apitoken_for_user(*, user: User | AnonymousUser, token_id: UUID) -> ApiToken | None:
    """One of the user's tokens, or None (another user's token is treated as one that does not exist)."""
    return apitokens_for_user(user=user).filter(pk=token_id).first()


def apitoken_by_secret(*, secret: str) -> ApiToken | None:
    """The token whose secret this is, with its owner, or None. Looked up by hash: secrets are not stored."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    return ApiToken.objects.select_related("owner").filter(key_hash=secret_hash(secret)).first()
