"""DRF authentication by personal API token: ``Authorization: Bearer cus_...``.

Goes first in REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES, before the
browser's session: a request without a Bearer header falls through to the
session. Because this class names a challenge ("Bearer"), an API request
with no credentials answers 401 with ``WWW-Authenticate: Bearer``.

Tokens skip the second-factor check of the browser sign-in
(apps.accounts.middleware) by construction: that middleware looks at the
session user, and a token request has none. This is acceptable because a
token can only be created from a session that passed that check, or from
another token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.permissions import limit_to_cases
from apps.apitokens.selectors import apitoken_by_secret
from apps.apitokens.services import apitoken_check_secret, apitoken_mark_used

if TYPE_CHECKING:
    from rest_framework.request import Request

    from apps.accounts.models import User
    from apps.apitokens.models import ApiToken

KEYWORD = "Bearer"


class ApiTokenAuthentication(BaseAuthentication):
    """Sets ``request.user`` to the token's owner, narrowed to the token's cases, and ``request.auth`` to the token."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:  # the keyword and the secret
            raise AuthenticationFailed(_("Malformed Authorization header: send “Bearer” and the token, nothing else."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        token = apitoken_by_secret(secret=secret)
        if token is None or not apitoken_check_secret(token=token, secret=secret):
            raise AuthenticationFailed(_("Invalid token."))
        if token.is_revoked:
            raise AuthenticationFailed(_("This token has been revoked."))
        if token.is_expired:
            raise AuthenticationFailed(_("This token has expired."))
        user = token.owner
        if not user.is_active:
            raise AuthenticationFailed(_("The account this token belongs to is deactivated."))
        limit_to_cases(user, frozenset(token.cases.values_list("id", flat=True)))
        apitoken_mark_used(token=token)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD
