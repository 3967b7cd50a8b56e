"""GET /api/v1/weapons/ and /api/v1/weapons/<slug>/: the taxonomy, read-only, searchable by alias in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.weapons.enums import AliasLanguage, WeaponLevel
from apps.weapons.models import WeaponAlias, WeaponType
from tests.apitokens.conftest import issue
from tests.factories import CaseFactory, MembershipFactory, UserFactory
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/weapons/"


@pytest.fixture
def outsider(db: None) -> User:
    """Signed in, member of no case: the taxonomy is not case data, so they read it too."""
    return UserFactory(username="charlie")


def add_root(**fields: Any) -> WeaponType:
    return WeaponType.objects.add_root(create_kwargs=fields)  # type: ignore[no-any-return]


def add_child(parent: WeaponType, **fields: Any) -> WeaponType:
    return WeaponType.objects.add_child(parent, create_kwargs=fields)  # type: ignore[no-any-return]


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [entry["slug"] for entry in response.json()["results"]]


def test_the_routes_live_under_api_v1() -> None:
    assert (reverse("api:weapon-list"), reverse("api:weapon-detail", args=["fab-500"])) == (
        LIST_URL,
        "/api/v1/weapons/fab-500/",
    )


def test_anonymous_requests_get_401_with_a_bearer_challenge(client: Client) -> None:
    response = client.get(LIST_URL)

    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")
    assert problem(response)["status"] == 401


def test_the_list_is_the_taxonomy_in_tree_order_for_any_signed_in_user(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    response = client.get(LIST_URL, {"page_size": 500})

    expected = list(WeaponType.objects.order_by("path").values_list("slug", flat=True))
    assert slugs(response) == expected
    assert response.json()["next"] is None


def test_a_list_entry_carries_its_level_names_flags_parent_and_aliases(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    weapon = WeaponType.objects.get(slug="thermobaric-fuel-air-weapons")

    results = client.get(LIST_URL, {"search": "vacuum bomb"}).json()["results"]

    entry = next(entry for entry in results if entry["slug"] == weapon.slug)

    assert entry == {
        "id": weapon.pk,
        "slug": "thermobaric-fuel-air-weapons",
        "level": "family",
        "name": weapon.name,
        "name_uk": weapon.name_uk,
        "description": weapon.description,
        "parent": None,
        "is_cluster": False,
        "is_thermobaric": True,
        "is_incendiary": False,
        "is_landmine": False,
        "aliases": [{"alias": alias.alias, "language": alias.language} for alias in weapon.aliases.order_by("pk")],
    }


@pytest.mark.parametrize(
    "query", ["vacuum bomb", "VACUUM  Bomb", "вакуумна бомба", "вакуумна бомба".upper(), "Вакуумна"]
)
def test_search_finds_a_type_by_its_english_or_ukrainian_alias_in_any_case(
    client: Client, outsider: User, query: str
) -> None:
    client.force_login(outsider)

    assert "thermobaric-fuel-air-weapons" in slugs(client.get(LIST_URL, {"search": query}))


def test_search_matches_names_in_both_languages_and_nothing_else(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    family = add_root(slug="test-family", level=WeaponLevel.FAMILY, name="Zzyzx launchers", name_uk="Ґзикс")
    add_child(family, slug="test-other", level=WeaponLevel.SYSTEM, name="Quux", name_uk="Квукс")

    assert slugs(client.get(LIST_URL, {"search": "zzyzx"})) == ["test-family"]
    assert slugs(client.get(LIST_URL, {"search": "ґзикс"})) == ["test-family"]
    assert slugs(client.get(LIST_URL, {"search": "квукс".upper()})) == ["test-other"]
    assert slugs(client.get(LIST_URL, {"search": "laser sword"})) == []


def test_filters_level_parent_and_flags(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    family = WeaponType.objects.get(slug="cluster-munitions")
    children = list(WeaponType.objects.get_children(family).values_list("slug", flat=True))

    assert slugs(client.get(LIST_URL, {"parent": "cluster-munitions", "page_size": 500})) == children
    assert slugs(client.get(LIST_URL, {"parent": "no-such-type"})) == []
    families = slugs(client.get(LIST_URL, {"level": "family", "page_size": 500}))
    assert families == list(WeaponType.objects.get_root_nodes().values_list("slug", flat=True))
    clusters = slugs(client.get(LIST_URL, {"is_cluster": "true", "page_size": 500}))
    assert clusters == list(WeaponType.objects.filter(is_cluster=True).order_by("path").values_list("slug", flat=True))
    assert "fab-500" not in clusters
    not_clusters = slugs(client.get(LIST_URL, {"is_cluster": "false", "level": "munition", "page_size": 500}))
    assert "fab-500" in not_clusters
    assert not set(not_clusters) & set(clusters)
    landmines = slugs(client.get(LIST_URL, {"is_landmine": "true", "level": "family"}))
    assert landmines == ["landmines"]


def test_an_unknown_level_is_a_400_naming_the_field(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    response = client.get(LIST_URL, {"level": "galaxy"})

    assert response.status_code == 400
    assert list(field_errors(response)) == ["level"]


def test_the_list_pages_with_a_cursor(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    expected = list(WeaponType.objects.get_root_nodes().values_list("slug", flat=True))

    first = client.get(LIST_URL, {"level": "family", "page_size": 5}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    assert [entry["slug"] for entry in first["results"]] == expected[:5]
    assert [entry["slug"] for entry in second["results"]] == expected[5:10]
    assert [entry["slug"] for entry in back["results"]] == expected[:5]


def test_sparse_fields_keep_only_the_named_fields_and_the_id(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    weapon = WeaponType.objects.get(slug="landmines")

    response = client.get(LIST_URL, {"search": "landmines", "level": "family", "fields": "slug,name_uk,nonsense"})

    assert response.json()["results"] == [{"id": weapon.pk, "slug": "landmines", "name_uk": weapon.name_uk}]


def test_a_read_token_for_any_case_reads_the_taxonomy(client: Client) -> None:
    owner = MembershipFactory(case=CaseFactory(), user__username="scripter").user
    token = issue(owner, [owner.case_memberships.get().case], TokenAccess.READ)

    response = client.get(LIST_URL, {"level": "family"}, headers=token.headers)

    assert response.status_code == 200
    assert len(response.json()["results"]) == WeaponType.objects.get_root_nodes().count()


def test_the_detail_gives_aliases_ancestors_children_and_the_legal_note(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    munition = WeaponType.objects.filter(depth=3).order_by("path").first()
    assert munition is not None
    system = WeaponType.objects.get_parent(munition)
    family = WeaponType.objects.get_parent(system)
    munition.legal_note = "Context, with its source."
    munition.legal_note_source = "A report (2023)"
    munition.save()
    WeaponAlias.objects.create(weapon_type=munition, alias="Тестова назва", language=AliasLanguage.UK)

    response = client.get(reverse("api:weapon-detail", args=[munition.slug]))

    assert response.status_code == 200
    body = response.json()
    assert body["parent"] == system.slug
    assert body["ancestors"] == [
        {"slug": node.slug, "level": node.level, "name": node.name, "name_uk": node.name_uk}
        for node in (family, system)
    ]
    assert body["children"] == []
    assert (body["legal_note"], body["legal_note_source"], body["source"]) == (
        "Context, with its source.",
        "A report (2023)",
        munition.source,
    )
    assert {"alias": "Тестова назва", "language": "uk"} in body["aliases"]
    family_body = client.get(reverse("api:weapon-detail", args=[family.slug])).json()
    assert family_body["ancestors"] == []
    assert family_body["parent"] is None
    assert family_body["children"] == list(WeaponType.objects.get_children(family).values_list("slug", flat=True))


def test_an_unknown_slug_is_a_404_problem(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    response = client.get(reverse("api:weapon-detail", args=["laser-sword"]))

    assert problem(response)["status"] == 404


def test_the_taxonomy_cannot_be_written(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    responses = [
        client.post(LIST_URL, {}, content_type="application/json"),
        client.patch(reverse("api:weapon-detail", args=["fab-500"]), {}, content_type="application/json"),
        client.delete(reverse("api:weapon-detail", args=["fab-500"])),
    ]

    assert [response.status_code for response in responses] == [405, 405, 405]
    assert problem(responses[0])["status"] == 405


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_query_count_does_not_grow_with_rows(
    client: Client, outsider: User, django_assert_num_queries: Any, rows: int
) -> None:
    family = add_root(slug="qc-family", level=WeaponLevel.FAMILY, name="QC", name_uk="Я")
    for number in range(rows):
        child = add_child(family, slug=f"qc-{number}", level=WeaponLevel.SYSTEM, name=f"QC {number}", name_uk="Ґ")
        WeaponAlias.objects.create(weapon_type=child, alias=f"qc alias {number}", language=AliasLanguage.EN)
    client.force_login(outsider)

    # user, roles (second-factor check), the parent's path, the page of types (with their parents' slugs),
    # their aliases
    with django_assert_num_queries(5):
        response = client.get(LIST_URL, {"parent": "qc-family"})

    assert slugs(response) == [f"qc-{number}" for number in range(rows)]
    assert [entry["parent"] for entry in response.json()["results"]] == ["qc-family"] * rows


def test_the_detail_query_count(client: Client, outsider: User, django_assert_num_queries: Any) -> None:
    client.force_login(outsider)
    system = WeaponType.objects.filter(depth=2, numchild__gt=0).order_by("path").first()
    assert system is not None

    # user, roles (second-factor check), the type (with its parent's slug), its aliases, ancestors, children
    with django_assert_num_queries(6):
        response = client.get(reverse("api:weapon-detail", args=[system.slug]))

    assert (len(response.json()["ancestors"]), len(response.json()["children"])) == (1, system.numchild)
