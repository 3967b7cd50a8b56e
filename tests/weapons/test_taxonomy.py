import pytest

from apps.weapons.models import WeaponType
from apps.weapons.selectors import weapon_type_by_alias, weapon_type_search, weapon_type_with_descendants

pytestmark = pytest.mark.django_db

# The families of shared/reference/domain.md, each shipped as a root of the tree.
DOMAIN_FAMILIES = {
    "small-arms-light-weapons",
    "tube-artillery-mortars",
    "multiple-launch-rocket-systems",
    "cluster-munitions",
    "thermobaric-fuel-air-weapons",
    "air-delivered-bombs",
    "missiles",
    "loitering-munitions-drones",
    "landmines",
    "incendiary-weapons",
    "chemical-weapons-riot-control-agents",
    "improvised-explosive-devices",
}


@pytest.mark.parametrize("alias", ["vacuum bomb", "Vacuum  Bomb", "VACUUM BOMB", "вакуумна бомба", "Вакуумна Бомба"])
def test_the_alias_vacuum_bomb_resolves_to_thermobaric_weapons(alias: str) -> None:
    weapon = weapon_type_by_alias(alias=alias)

    assert weapon is not None
    assert (weapon.slug, weapon.is_thermobaric) == ("thermobaric-fuel-air-weapons", True)


def test_an_unknown_alias_resolves_to_nothing() -> None:
    assert weapon_type_by_alias(alias="laser sword") is None


def test_cluster_munitions_carry_the_cluster_flag() -> None:
    family = WeaponType.objects.get(slug="cluster-munitions")
    cargo_rockets = WeaponType.objects.filter(slug__in=["9m27k-cargo-rocket", "9m55k-cargo-rocket"])

    assert family.is_cluster is True
    assert all(weapon.is_cluster for weapon in weapon_type_with_descendants(weapon_type=family))
    assert [weapon.is_cluster for weapon in cargo_rockets] == [True, True]
    assert WeaponType.objects.get(slug="fab-500").is_cluster is False


def test_the_shipped_taxonomy_has_every_family_of_the_domain_reference_as_a_root() -> None:
    roots = set(WeaponType.objects.get_root_nodes().values_list("slug", flat=True))

    assert roots == DOMAIN_FAMILIES
    assert set(WeaponType.objects.get_root_nodes().values_list("level", flat=True)) == {"family"}


def test_the_shipped_tree_is_consistent_for_treebeard() -> None:
    assert WeaponType.objects.find_problems() == ([], [], [], [], [])


def test_every_shipped_weapon_type_names_where_it_is_documented() -> None:
    assert list(WeaponType.objects.filter(source="").values_list("slug", flat=True)) == []


def test_legal_notes_name_their_source() -> None:
    noted = WeaponType.objects.exclude(legal_note="")

    assert noted.filter(slug__in=["cluster-munitions", "landmines", "incendiary-weapons"]).count() == 3
    assert list(noted.filter(legal_note_source="").values_list("slug", flat=True)) == []


def test_search_finds_a_type_by_its_ukrainian_name_in_any_case() -> None:
    slugs = set(weapon_type_search(query="ГРАД").values_list("slug", flat=True))

    assert "bm-21-grad" in slugs


def test_filtering_by_a_family_includes_its_systems_and_munitions() -> None:
    mlrs = WeaponType.objects.get(slug="multiple-launch-rocket-systems")

    slugs = set(weapon_type_with_descendants(weapon_type=mlrs).values_list("slug", flat=True))

    assert {"multiple-launch-rocket-systems", "bm-21-grad", "bm-27-uragan", "9m27k-cargo-rocket"} <= slugs
    assert "cluster-munitions" not in slugs
