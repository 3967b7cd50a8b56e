"""Reads of users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

    from apps.accounts.models import User


def signed_in_user(request: HttpRequest | Request) -> User:
    """The request's user, for views that already require sign-in (typed as User, not AnonymousUser)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return request.user
