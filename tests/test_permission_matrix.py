"""The permission matrix: every URL pattern and API route, tried as every kind of user.

For each route the matrix states the exact status expected for:

- each role in the object's own case (investigator, reviewer, lead, observer);
- a member of another case (a lead there);
- an outsider (signed in, member of no case);
- an anonymous visitor.

The test walks the project's URL resolver, so a route added without an
entry here fails ``test_every_route_has_an_entry``. Requests are real
requests through the whole middleware stack, signed in with a verified
second factor where the role requires one.

Reading the matrix: a denied object answers 404 (its existence must not
leak); a member whose role lacks the right gets 403; an anonymous visitor is
sent to sign in (302) on pages and refused by the API with 401 and a
``WWW-Authenticate: Bearer`` challenge (personal API tokens, apps.apitokens);
the tus endpoints (plain Django views that take a session or a token) answer them 401 too.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.enums import CaseStatus
from apps.cases.models import Case
from apps.evidence.enums import EvidenceKind, ReviewStatus
from apps.evidence.models import Derivative, EvidenceItem
from apps.evidence.services import evidence_import_file
from apps.evidence.storage import digest_stream, store_content_addressed
from apps.incidents.models import Incident
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("investigator", "reviewer", "lead", "observer", "other_member", "outsider", "anonymous")


@dataclass
class World:
    """One case with a member of each role and an object of each kind; another case; an outsider."""

    case: Case
    other_case: Case
    users: dict[str, User]
    uploader: User
    item: EvidenceItem
    incident: Incident
    objects: dict[str, Any]


def _archived_item(case: Case, uploader: User) -> EvidenceItem:
    item = evidence_import_file(
        case=case,
        stream=io.BytesIO(b"\xff\xd8\xff\xe0 matrix photo"),
        original_filename="matrix.jpg",
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
    )
    item.uploaded_by = uploader
    item.detected_content_type = "image/jpeg"
    item.save(update_fields=["uploaded_by", "detected_content_type"])
    content = b"\xff\xd8\xff\xe0 matrix preview"
    digests = digest_stream(io.BytesIO(content))
    name = store_content_addressed(stream=io.BytesIO(content), digests=digests, prefix="derivatives")
    Derivative.objects.create(
        item=item,
        kind="preview",
        storage_name=name,
        sha256=digests.sha256,
        size_bytes=digests.size_bytes,
        content_type="image/jpeg",
        width=10,
        height=10,
        tool="test",
    )
    return item


def _build_world() -> World:
    # Users without a usable password: the matrix signs them in directly, and hashing
    # eight Argon2 passwords per world would dominate the run.
    case = CaseFactory(reference="MATRIX-A")
    other_case = CaseFactory(reference="MATRIX-B")
    users = {
        role: MembershipFactory(case=case, role=CaseRole(role), user__username=role, user__password=None).user
        for role in ("investigator", "reviewer", "lead", "observer")
    }
    users["other_member"] = MembershipFactory(
        case=other_case, role=CaseRole.LEAD, user__username="other", user__password=None
    ).user
    users["outsider"] = UserFactory(username="outsider", password=None)
    uploader = MembershipFactory(
        case=case, role=CaseRole.INVESTIGATOR, user__username="uploader", user__password=None
    ).user
    item = _archived_item(case, uploader)
    incident = IncidentFactory(case=case, title="Shelling")
    world = World(case, other_case, users, uploader, item, incident, {})
    world.objects["membership"] = users["observer"].case_memberships.get()
    for make in OBJECT_MAKERS:
        make(world)
    return world


# --- Objects some routes need (filled in by the apps' own makers) -----------------------------


def _tus_upload(world: World) -> None:
    from apps.intake.tus import tus_upload_create  # noqa: PLC0415

    world.objects["tus_upload"] = tus_upload_create(
        case=world.case, uploaded_by=world.users["investigator"], length=10, metadata={}
    )


def _invitation(world: World) -> None:
    from apps.cases.services import invitation_create  # noqa: PLC0415

    world.objects["invitation"], world.objects["invitation_token"] = _invitation_with_token(invitation_create, world)


def _invitation_with_token(invitation_create: Callable[..., Any], world: World) -> tuple[Any, str]:
    created = invitation_create(
        case=world.case, email="new@example.org", role=CaseRole.INVESTIGATOR, invited_by=world.users["lead"]
    )
    return created if isinstance(created, tuple) else (created, created.token)


def _notification(world: World) -> None:
    from apps.comments.services import comment_post  # noqa: PLC0415

    comment_post(author=world.users["lead"], item=world.item, body="@investigator please check")
    world.objects["notification"] = world.users["investigator"].notifications.get()


def _export_bundle(world: World) -> None:
    from django.core.files.base import ContentFile  # noqa: PLC0415

    from apps.evidence.storage import evidence_storage  # noqa: PLC0415
    from apps.exports.enums import ExportStatus, RecipientType  # noqa: PLC0415
    from apps.exports.links import download_token  # noqa: PLC0415
    from apps.exports.models import ExportBundle  # noqa: PLC0415

    bundle = ExportBundle.objects.create(
        case=world.case,
        requested_by=world.users["lead"],
        status=ExportStatus.DONE,
        recipient_type=RecipientType.ICC,
        recipient_organisation="Office of the Prosecutor",
        purpose="Matrix",
    )
    content = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP
    bundle.storage_name = evidence_storage().save(f"exports/{bundle.pk}.zip", ContentFile(content))
    bundle.size_bytes = len(content)
    bundle.save(update_fields=["storage_name", "size_bytes"])
    world.objects["export_bundle"] = bundle
    world.objects["export_token"] = download_token(bundle=bundle)


def _api_token(world: World) -> None:
    from apps.apitokens.services import apitoken_create  # noqa: PLC0415

    world.objects["api_token"], _secret = apitoken_create(
        owner=world.users["investigator"], name="matrix", cases=[world.case], access="read"
    )


def _incident_records(world: World) -> None:
    from datetime import date  # noqa: PLC0415

    from apps.incidents.models import Allegation, CasualtyFigure  # noqa: PLC0415
    from tests.factories import SourceFactory  # noqa: PLC0415

    source = SourceFactory(case=world.case, title="Matrix report")
    world.objects["source"] = source
    world.objects["allegation"] = Allegation.objects.create(
        case=world.case, incident=world.incident, source=source, asserted_on=date(2022, 3, 7), summary="Matrix claim"
    )
    world.objects["casualty_figure"] = CasualtyFigure.objects.create(
        case=world.case, scope="region", region_name="Ukraine", reporter="OHCHR", as_of=date(2022, 3, 6), killed=1
    )


OBJECT_MAKERS: list[Callable[[World], None]] = [
    _tus_upload,
    _invitation,
    _notification,
    _export_bundle,
    _api_token,
    _incident_records,
]


# --- The matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """How to call a route, and the status each kind of user must get.

    ``expected`` lists statuses in ROLES order. ``kwargs`` builds the URL's
    arguments from the world; ``data`` the request body.
    """

    method: str
    expected: tuple[int, int, int, int, int, int, int]
    kwargs: Callable[[World], dict[str, Any]] = lambda _world: {}
    data: Callable[[World], dict[str, Any]] = lambda _world: {}
    content_type: str | None = None
    headers: dict[str, str] | None = None
    # Puts the world in the state the route acts on (an item awaiting an answer, a closed case).
    prepare: Callable[[World], None] | None = None


def _set(instance: Any, **values: Any) -> None:
    for name, value in values.items():
        setattr(instance, name, value)
    instance.save(update_fields=list(values))


def item(world: World) -> dict[str, Any]:
    return {"item_id": world.item.pk}


def incident(world: World) -> dict[str, Any]:
    return {"incident_id": world.incident.pk}


def case(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk}


#                     investigator reviewer lead observer other-case outsider anonymous
EVERYONE = (200, 200, 200, 200, 200, 200, 200)
SIGNED_IN_PAGE = (200, 200, 200, 200, 200, 200, 302)
MEMBER_PAGE = (200, 200, 200, 200, 404, 404, 302)
MEMBER_API = (200, 200, 200, 200, 404, 404, 401)
MEMBER_ACTION = (302, 302, 302, 302, 404, 404, 302)
LEAD_PAGE = (403, 403, 200, 403, 404, 404, 302)
LEAD_ACTION = (403, 403, 302, 403, 404, 404, 302)

JSON = "application/json"

MATRIX: dict[str, Entry] = {
    # Site
    "home": Entry("get", SIGNED_IN_PAGE),
    "healthz": Entry("get", EVERYONE),
    # The API's schema and docs are public: they describe the shape of the API, no case data.
    "api-schema": Entry("get", EVERYONE),
    "api-docs": Entry("get", EVERYONE),
    "set_language": Entry("post", (302,) * 7, data=lambda _world: {"language": "uk", "next": "/"}),
    # Case dashboard (tests/dashboards prove the charts, the counts and the fixity run)
    "dashboards:case_dashboard": Entry("get", MEMBER_PAGE, case),
    "dashboards:fixity_start": Entry("post", LEAD_ACTION, case),
    "dashboards:fixity_progress": Entry("get", LEAD_PAGE, case),
    # Incident pages
    "incidents:list": Entry("get", SIGNED_IN_PAGE),
    "incidents:export_csv": Entry("get", SIGNED_IN_PAGE),
    "incidents:create": Entry("get", SIGNED_IN_PAGE),  # without ?case= it is the case chooser
    "incidents:detail": Entry("get", MEMBER_PAGE, incident),
    "incidents:edit": Entry("get", (200, 403, 200, 403, 404, 404, 302), incident),
    # Evidence pages and files
    "evidence:item_list": Entry("get", SIGNED_IN_PAGE),
    "evidence:item_list_csv": Entry("get", SIGNED_IN_PAGE),
    # The status an upload page polls: JSON, so a signed-out poll gets 401 rather than a redirect.
    "intake:item_status": Entry("get", MEMBER_API, item),
    "evidence:item_detail": Entry("get", MEMBER_PAGE, item),
    "evidence:custody_report": Entry("get", MEMBER_PAGE, item),
    "evidence:item_download": Entry("get", MEMBER_PAGE, item),
    "evidence:item_original": Entry("get", MEMBER_PAGE, item),
    "evidence:item_preview": Entry("get", MEMBER_PAGE, lambda world: {"item_id": world.item.pk, "kind": "preview"}),
    "evidence:item_reveal": Entry("post", MEMBER_ACTION, item),
    "evidence:item_conceal": Entry("post", MEMBER_ACTION, item),
    # Intake
    "intake:upload": Entry("get", (200, 403, 200, 403, 404, 404, 302), case),
    "api:evidence-upload": Entry("post", (400, 403, 400, 403, 404, 404, 401), case),
    # Cases, incidents, allegations, casualty figures, sources. Another case's member and an outsider who
    # name a case that is not theirs in a POST body get a field error, as for an unknown id.
    "api:case-list": Entry("get", (200, 200, 200, 200, 200, 200, 401)),
    "api:case-detail": Entry("get", MEMBER_API, case),
    "api:incident-list": Entry(
        "post",
        (201, 403, 201, 403, 400, 400, 401),
        data=lambda world: {"case": str(world.case.pk), "title": "Matrix", "start_at": "2022-03-06T08:00:00Z"},
        content_type=JSON,
    ),
    "api:incident-detail": Entry(
        "patch",
        (200, 403, 200, 403, 404, 404, 401),
        incident,
        data=lambda _world: {"title": "Renamed"},
        content_type=JSON,
    ),
    "api:incident-allegations": Entry(
        "post",
        (201, 403, 201, 403, 404, 404, 401),
        incident,
        data=lambda world: {
            "source": str(world.objects["source"].pk),
            "asserted_on": "2022-03-07",
            "summary": "Cluster munitions used",
            "alleged_weapons": [{"weapon_type": "cluster-munitions"}],
        },
        content_type=JSON,
    ),
    "api:allegation-detail": Entry(
        "patch",
        (200, 403, 200, 403, 404, 404, 401),
        lambda world: {"allegation_id": world.objects["allegation"].pk},
        data=lambda _world: {"summary": "Changed"},
        content_type=JSON,
    ),
    "api:case-casualty-figures": Entry(
        "post",
        (201, 403, 201, 403, 404, 404, 401),
        case,
        data=lambda _world: {
            "scope": "region",
            "region_name": "Ukraine",
            "reporter": "OHCHR",
            "as_of": "2022-03-06",
            "killed": 2,
        },
        content_type=JSON,
    ),
    "api:casualty-figure-detail": Entry(
        "get", MEMBER_API, lambda world: {"figure_id": world.objects["casualty_figure"].pk}
    ),
    "api:source-list": Entry(
        "post",
        (201, 403, 201, 403, 400, 400, 401),
        data=lambda world: {"case": str(world.case.pk), "source_type": "news_report", "title": "Matrix"},
        content_type=JSON,
    ),
    "api:source-detail": Entry(
        "patch",
        (200, 403, 200, 403, 404, 404, 401),
        lambda world: {"source_id": world.objects["source"].pk},
        data=lambda _world: {"title": "Changed"},
        content_type=JSON,
    ),
    "api:evidence-list": Entry("get", (200, 200, 200, 200, 200, 200, 401)),
    "api:evidence-original": Entry("get", MEMBER_API, item),
    "api:evidence-derivative": Entry("get", MEMBER_API, lambda world: {"item_id": world.item.pk, "kind": "preview"}),
    "api:evidence-detail": Entry(
        "patch",
        (403, 403, 200, 403, 404, 404, 401),
        item,
        data=lambda _world: {"caption": "Checked"},
        content_type=JSON,
    ),
    "api:weapon-list": Entry("get", (200, 200, 200, 200, 200, 200, 401)),
    "api:weapon-detail": Entry("get", (200, 200, 200, 200, 200, 200, 401), lambda _world: {"slug": "fab-500"}),
    "api:tus-create": Entry("post", (400, 404, 400, 404, 404, 404, 401), case, headers={"Tus-Resumable": "1.0.0"}),
    "api:tus-upload": Entry(
        "head",
        (200, 404, 404, 404, 404, 404, 401),
        lambda world: {"upload_id": world.objects["tus_upload"].pk},
        headers={"Tus-Resumable": "1.0.0"},
    ),
    # Custody
    "api:custody-events": Entry("get", MEMBER_API, item),
    "api:custody-verification": Entry("get", MEMBER_API, item),
    # Review
    "review:queue": Entry("get", SIGNED_IN_PAGE),
    # Items are named in the body; items the user may not review are left alone and reported (tests/review).
    "review:bulk_start": Entry("post", (302,) * 6 + (302,), data=lambda world: {"items": [str(world.item.pk)]}),
    "review:item": Entry("get", (403, 200, 200, 403, 404, 404, 302), item),
    "review:resubmit": Entry(
        "post",
        (403, 403, 302, 403, 404, 404, 302),
        item,
        data=lambda _world: {"answer": "Done"},
        prepare=lambda world: _set(world.item, review_status=ReviewStatus.NEEDS_INFO),
    ),
    "review:incident_verification": Entry("get", (403, 200, 200, 403, 404, 404, 302), incident),
    "api:review-queue": Entry("get", (200, 200, 200, 200, 200, 200, 401)),
    "api:evidence-review": Entry(
        "post",
        (403, 200, 200, 403, 404, 404, 401),
        item,
        data=lambda _world: {"decision": "start"},
        content_type=JSON,
    ),
    "api:evidence-reviews": Entry("get", MEMBER_API, item),
    "api:incident-verification": Entry("get", MEMBER_API, incident),
    # Comments and notifications
    "comments:item_comments": Entry(
        "post", (302, 302, 302, 403, 404, 404, 302), item, data=lambda _world: {"body": "Checked the crater."}
    ),
    "comments:incident_comments": Entry("get", MEMBER_PAGE, incident),
    "comments:notifications": Entry("get", SIGNED_IN_PAGE),
    "comments:notifications_read_all": Entry("post", (302,) * 7),
    "comments:notification_read": Entry(
        "post", (302, 404, 404, 404, 404, 404, 302), lambda world: {"notification_id": world.objects["notification"].pk}
    ),
    "api:item-comments": Entry("get", MEMBER_API, lambda world: {"target_id": world.item.pk}),
    "api:incident-comments": Entry("get", MEMBER_API, lambda world: {"target_id": world.incident.pk}),
    "api:notifications": Entry("get", (200, 200, 200, 200, 200, 200, 401)),
    "api:notification-read": Entry(
        "post", (200, 404, 404, 404, 404, 404, 401), lambda world: {"notification_id": world.objects["notification"].pk}
    ),
    # Cases, members and invitations
    "cases:detail": Entry("get", MEMBER_PAGE, case),
    "cases:members": Entry("get", LEAD_PAGE, case),
    "cases:member_role": Entry(
        "post", LEAD_ACTION, case, data=lambda world: {"member": world.objects["membership"].pk, "role": "reviewer"}
    ),
    "cases:member_remove": Entry(
        "post", LEAD_ACTION, case, data=lambda world: {"member": world.objects["membership"].pk}
    ),
    "cases:invite": Entry(
        "post",
        LEAD_ACTION,
        case,
        data=lambda _world: {"email": "x@example.org", "role": "observer", "expires_in_days": 7},
    ),
    "cases:invitation_revoke": Entry(
        "post",
        LEAD_ACTION,
        lambda world: {"case_id": world.case.pk, "invitation_id": world.objects["invitation"].pk},
    ),
    "cases:close": Entry("post", LEAD_ACTION, case),
    "cases:reopen": Entry("post", LEAD_ACTION, case, prepare=lambda world: _set(world.case, status=CaseStatus.CLOSED)),
    "cases:invitation": Entry("get", EVERYONE, lambda world: {"token": world.objects["invitation_token"]}),
    # Sign-in and the user's own security settings
    "login": Entry("get", EVERYONE),
    "logout": Entry("post", (302,) * 7),
    "admin_login": Entry("get", (302,) * 7),
    "accounts:sign_in_verify": Entry("get", (302,) * 7),
    "accounts:security": Entry("get", SIGNED_IN_PAGE),
    "accounts:preferences": Entry("get", SIGNED_IN_PAGE),
    "accounts:two_factor_enrol": Entry("get", SIGNED_IN_PAGE),
    # Everyone is sent back to their security page; for reviewers and leads (here and in the other
    # case) with the refusal, because their role requires the second factor (tests/accounts prove it).
    "accounts:two_factor_disable": Entry("post", (302,) * 7),
    "accounts:recovery_codes_regenerate": Entry("post", SIGNED_IN_PAGE),
    "accounts:password_change": Entry("get", SIGNED_IN_PAGE),
    # Personal API tokens: each user sees and revokes only their own (the investigator owns the world's token)
    "apitokens:list": Entry("get", SIGNED_IN_PAGE),
    "apitokens:revoke": Entry(
        "post", (302, 404, 404, 404, 404, 404, 302), lambda world: {"token_id": world.objects["api_token"].pk}
    ),
    "api:auth-tokens": Entry("get", (200, 200, 200, 200, 200, 200, 401)),
    "api:auth-token-revoke": Entry(
        "post", (200, 404, 404, 404, 404, 404, 401), lambda world: {"token_id": world.objects["api_token"].pk}
    ),
    # Case bundles (leads only; tests/exports prove the expiring link and the form)
    "exports:case_exports": Entry("get", LEAD_PAGE, case),
    "exports:detail": Entry("get", LEAD_PAGE, lambda world: {"bundle_id": world.objects["export_bundle"].pk}),
    "exports:progress": Entry("get", LEAD_PAGE, lambda world: {"bundle_id": world.objects["export_bundle"].pk}),
    "exports:download": Entry(
        "get",
        LEAD_PAGE,
        lambda world: {"bundle_id": world.objects["export_bundle"].pk},
        data=lambda world: {"token": world.objects["export_token"]},
    ),
    "api:case-exports": Entry(
        "post",
        (403, 403, 202, 403, 404, 404, 401),
        case,
        data=lambda _world: {"recipient_type": "icc", "recipient_organisation": "OTP", "purpose": "Matrix"},
        content_type=JSON,
    ),
    "api:export-detail": Entry(
        "get", (403, 403, 200, 403, 404, 404, 401), lambda world: {"bundle_id": world.objects["export_bundle"].pk}
    ),
    "api:export-download": Entry(
        "get", (403, 403, 200, 403, 404, 404, 401), lambda world: {"bundle_id": world.objects["export_bundle"].pk}
    ),
}


# --- Machinery ----------------------------------------------------------------------------


def _route_names(patterns: list[Any], namespace: str | None = None) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


def project_routes() -> set[str]:
    """Every named route of the project, except the Django admin's (tested by its own rule below)."""
    return {name for name in _route_names(get_resolver().url_patterns) if not name.startswith("admin:")}


def sign_in(client: Client, user: User) -> None:
    login_verified(client, user)


def test_every_route_has_an_entry() -> None:
    routes = project_routes()

    assert sorted(routes - MATRIX.keys()) == [], "new routes need an entry in the permission matrix"
    assert sorted(MATRIX.keys() - routes) == [], "the matrix names routes that no longer exist"


def _status(route: str, entry: Entry, role: str) -> int:
    """The status one kind of user gets, in a world of its own (rolled back), so that no call sees another's effects."""
    with transaction.atomic():
        world = _build_world()
        if entry.prepare is not None:
            entry.prepare(world)
        client = Client()
        if role != "anonymous":
            sign_in(client, world.users[role])
        options: dict[str, Any] = {"headers": entry.headers or {}}
        if entry.method != "head":
            options["data"] = entry.data(world)
            if entry.content_type:
                options["content_type"] = entry.content_type
        response = getattr(client, entry.method)(reverse(route, kwargs=entry.kwargs(world)), **options)
        if getattr(response, "streaming", False):
            # Read to the end: the test client then closes the file without closing the
            # database connection (closing the response directly would, on PostgreSQL).
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return int(response.status_code)


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_answers_each_kind_of_user_exactly(route: str) -> None:
    entry = MATRIX[route]

    got = {role: _status(route, entry, role) for role in ROLES}

    assert got == dict(zip(ROLES, entry.expected, strict=True))


@pytest.mark.parametrize("role", ["investigator", "reviewer", "lead", "observer", "other_member", "outsider"])
def test_the_admin_is_closed_to_members_who_are_not_staff(role: str) -> None:
    world = _build_world()
    client = Client()
    sign_in(client, world.users[role])

    response = client.get(reverse("admin:index"))

    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/")
