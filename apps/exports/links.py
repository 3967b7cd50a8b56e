"""Download links for finished bundles: authenticated (a lead, signed in) and expiring (a signed token).

The token is a TimestampSigner signature of the bundle's id. It does not
replace the access check (the view still requires a lead of the case); it
makes a copied or leaked link stop working after
settings.EXPORT_DOWNLOAD_MAX_AGE_SECONDS (24 hours by default).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.urls import reverse

if TYPE_CHECKING:
    from apps.exports.models import ExportBundle

DOWNLOAD_SALT = "custos.exports.download"
DEFAULT_MAX_AGE_SECONDS = 24 * 60 * 60


class TokenState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


def download_max_age() -> int:
    return int(getattr(settings, "EXPORT_DOWNLOAD_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))


def download_token(*, bundle: ExportBundle) -> str:
    return signing.TimestampSigner(salt=DOWNLOAD_SALT).sign(str(bundle.pk))


def download_token_state(*, bundle: ExportBundle, token: str) -> TokenState:
    """Whether ``token`` is a current signature of this bundle's id (expired and forged tokens told apart)."""
    signer = signing.TimestampSigner(salt=DOWNLOAD_SALT)
    try:
        value = signer.unsign(token, max_age=download_max_age())
    except signing.SignatureExpired:
        return TokenState.EXPIRED
    except signing.BadSignature:
        return TokenState.INVALID
    return TokenState.VALID if value == str(bundle.pk) else TokenState.INVALID


def download_url(*, bundle: ExportBundle) -> str:
    """The page download link, with a fresh token (a path; callers add the site's address for e-mails)."""
    return reverse("exports:download", kwargs={"bundle_id": bundle.pk}) + "?token=" + download_token(bundle=bundle)
