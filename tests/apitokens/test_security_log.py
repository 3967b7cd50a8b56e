"""Creating and revoking an API token are in the security audit log."""

from __future__ import annotations

import pytest

from apps.accounts.enums import CaseRole, SecurityEventKind
from apps.accounts.models import SecurityEvent
from apps.apitokens.services import apitoken_create, apitoken_revoke
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_creating_and_revoking_a_token_are_logged_once() -> None:
    membership = MembershipFactory(role=CaseRole.INVESTIGATOR, user__username="ivan")
    token, _secret = apitoken_create(owner=membership.user, name="archiver", cases=[membership.case], access="read")

    apitoken_revoke(token=token)
    apitoken_revoke(token=token)  # a second revocation changes nothing

    events = list(SecurityEvent.objects.order_by("id").values_list("kind", "username", "details"))
    assert events[-2:] == [
        (
            SecurityEventKind.API_TOKEN_CREATED,
            "ivan",
            {"token": str(token.pk), "name": "archiver", "access": "read", "cases": [str(membership.case.pk)]},
        ),
        (SecurityEventKind.API_TOKEN_REVOKED, "ivan", {"token": str(token.pk), "name": "archiver"}),
    ]
