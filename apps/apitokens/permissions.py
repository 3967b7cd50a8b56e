"""Who may manage which token, and what a token lets a request do.

``TokenScope`` is in REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES, so every
API view gets it: a read token is refused any unsafe method. The case part
of a token's scope is applied in apps.accounts.permissions (every view
already asks it), by ``limit_to_cases`` in the authentication class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def token_may_write(token: ApiToken) -> bool:
    return token.access == TokenAccess.WRITE


class TokenScope(BasePermission):
    """Refuse unsafe methods (POST, PUT, PATCH, DELETE) to a read-only token; everything else passes through."""

    message = _("This API token is read-only: it cannot change anything. Use a token with write access.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or request.method in SAFE_METHODS:
            return True
        return token_may_write(token)
