"""Org tree services: parent-kind rules, locked structural writes, updates, deletes."""

from __future__ import annotations

from typing import Any

import pytest

from governance.errors import NotAllowed, OutOfScope, ValidationFailed
from orgchart import services
from orgchart.models import ALLOWED_PARENT_KINDS, OrgUnit
from tests.conftest import Personas, Tree, make_unit

K = OrgUnit.Kind


def tree_snapshot() -> list[tuple[str, int | None, int, int, int, int]]:
    return list(
        OrgUnit.objects.order_by("tree_id", "lft").values_list(
            "name", "parent_id", "tree_id", "lft", "rght", "level"
        )
    )


@pytest.mark.parametrize("kind", K.values)
@pytest.mark.parametrize("parent_kind", [None, *K.values])
def test_parent_kind_rules(tree: Tree, kind: str, parent_kind: str | None) -> None:
    parents: dict[str | None, OrgUnit | None] = {
        None: None,
        K.CITY: tree.city,
        K.DISTRICT: tree.district,
        K.STREET: tree.east,
        K.COMMUNITY: tree.guangming,
        K.COMPOUND: tree.guangming_compound,
        K.BUILDING: tree.building_1,
        K.BRANCH: tree.branch,
    }
    extra = {"branch_type": "social"} if kind == K.BRANCH else {}
    before = OrgUnit.objects.count()
    if parent_kind in ALLOWED_PARENT_KINDS[kind]:
        unit = make_unit(parents[parent_kind], "新单位", kind, **extra)
        assert unit.parent == parents[parent_kind]
        assert OrgUnit.objects.count() == before + 1
    else:
        with pytest.raises(ValidationFailed) as error:
            make_unit(parents[parent_kind], "新单位", kind, **extra)
        assert "parent" in error.value.fields
        assert OrgUnit.objects.count() == before


def test_allowed_parents_are_the_documented_hierarchy() -> None:
    assert ALLOWED_PARENT_KINDS == {
        K.CITY: {None},
        K.DISTRICT: {None, K.CITY},
        K.STREET: {K.DISTRICT},
        K.COMMUNITY: {K.STREET},
        K.COMPOUND: {K.COMMUNITY},
        K.BUILDING: {K.COMPOUND},
        K.BRANCH: {K.COMMUNITY},
    }


def test_new_children_go_last_and_only_the_right_side_shifts(tree: Tree) -> None:
    west_before = (tree.west.lft, tree.west.rght)
    unit = make_unit(tree.guangming, "新建小区", K.COMPOUND)
    tree.refresh()
    children = list(tree.guangming.get_children().values_list("name", flat=True))
    assert children == ["光明小区", "下沉党员支部", "新建小区"]
    assert unit.lft == tree.branch.rght + 1
    assert (tree.west.lft, tree.west.rght) == (west_before[0] + 2, west_before[1] + 2)
    assert services.orgtree_check() == []


def test_area_type_is_inherited_and_labels_follow_it(tree: Tree) -> None:
    county = make_unit(tree.city, "青山县", K.DISTRICT, area_type="rural")
    town = make_unit(county, "青山镇", K.STREET)
    village = make_unit(town, "石桥村", K.COMMUNITY)
    group = make_unit(village, "第一村民小组", K.COMPOUND)
    assert [u.area_type for u in (town, village, group)] == ["rural"] * 3
    assert [str(u.kind_label) for u in (county, town, village, group)] == [
        "县",
        "乡镇",
        "村",
        "村民小组",
    ]
    assert [str(u.kind_label) for u in (tree.district, tree.east, tree.guangming)] == [
        "区",
        "街道",
        "社区",
    ]


@pytest.mark.parametrize(
    ("kind", "parent_name", "fields", "field"),
    [
        (K.COMMUNITY, "east", {"division_code": "12345"}, "division_code"),
        (K.COMMUNITY, "east", {"division_code": "13990200100A"}, "division_code"),
        (K.COMMUNITY, "east", {"division_code": "139902001001"}, "division_code"),  # taken
        (K.COMPOUND, "guangming", {"division_code": "139902001099"}, "division_code"),
        (K.BRANCH, "guangming", {}, "branch_type"),
        (K.COMPOUND, "guangming", {"branch_type": "social"}, "branch_type"),
        (K.COMMUNITY, "east", {"rating": "E"}, "rating"),
        (K.COMMUNITY, "east", {"name": "  "}, "name"),
    ],
)
def test_invalid_fields_are_rejected_with_field_messages(
    tree: Tree, kind: str, parent_name: str, fields: dict[str, Any], field: str
) -> None:
    before = tree_snapshot()
    values = {"name": "新单位", **fields}
    with pytest.raises(ValidationFailed) as error:
        services.orgunit_create(actor=None, parent=getattr(tree, parent_name), kind=kind, **values)
    assert list(error.value.fields) == [field]
    assert tree_snapshot() == before


def test_several_roots_are_allowed(tree: Tree) -> None:
    county = make_unit(None, "青山县", K.DISTRICT, area_type="rural")
    assert county.is_root_node()
    assert county.tree_id != tree.city.tree_id
    assert services.orgtree_check() == []


def test_move_keeps_the_tree_valid_and_rejects_wrong_parents(tree: Tree) -> None:
    moved = services.orgunit_move(
        actor=None, unit=tree.heping, target=tree.west, position="last-child"
    )
    assert moved.parent_id == tree.west.pk
    assert list(tree.west.get_children().values_list("name", flat=True)) == ["新华社区", "和平社区"]
    assert services.orgtree_check() == []

    before = tree_snapshot()
    with pytest.raises(ValidationFailed) as error:
        services.orgunit_move(actor=None, unit=tree.guangming_compound, target=tree.west)
    assert "parent" in error.value.fields
    with pytest.raises(ValidationFailed):
        services.orgunit_move(actor=None, unit=tree.east, target=tree.guangming)
    assert tree_snapshot() == before


def test_move_beside_a_sibling_reorders(tree: Tree) -> None:
    services.orgunit_move(actor=None, unit=tree.heping, target=tree.guangming, position="left")
    names = list(tree.east.get_children().values_list("name", flat=True))
    assert names == ["和平社区", "光明社区"]
    assert services.orgtree_check() == []


def test_move_uses_fresh_rows_not_the_stale_instances_it_is_given(tree: Tree) -> None:
    stale_heping = OrgUnit.objects.get(pk=tree.heping.pk)
    stale_west = OrgUnit.objects.get(pk=tree.west.pk)
    make_unit(tree.guangming, "新建小区", K.COMPOUND)  # shifts lft/rght of both in the db
    services.orgunit_move(actor=None, unit=stale_heping, target=stale_west)
    assert services.orgtree_check() == []


def test_update_changes_only_plain_fields(tree: Tree) -> None:
    unit = services.orgunit_update(
        actor=None, unit=tree.guangming, name="光明社区（新）", rating="B", is_weak=True
    )
    assert (unit.name, unit.rating, unit.is_weak) == ("光明社区（新）", "B", True)
    with pytest.raises(ValidationFailed) as error:
        services.orgunit_update(actor=None, unit=tree.guangming, parent=tree.west)
    assert list(error.value.fields) == ["parent"]
    assert OrgUnit.objects.get(pk=tree.guangming.pk).parent_id == tree.east.pk
    assert services.orgtree_check() == []


def test_an_office_phone_is_checked_loosely_and_kept_as_written(tree: Tree) -> None:
    unit = services.orgunit_update(actor=None, unit=tree.guangming, phone=" (0315)  281-1101 ")
    assert unit.phone == "(0315) 281-1101"
    # Full-width digits and brackets from a Chinese input method become ASCII.
    full_width = "＋８６ ３１５ ２８１１１０１"
    unit = services.orgunit_update(actor=None, unit=tree.guangming, phone=full_width)
    assert unit.phone == "+86 315 2811101"
    created = services.orgunit_create(
        actor=None, parent=tree.guangming, name="新建小区", kind=K.COMPOUND, phone="12345"
    )
    assert created.phone == "12345"
    for bad in ("0315-281110l", "电话2811101", "0315/2811101", "--", "1" * 31):
        with pytest.raises(ValidationFailed) as error:
            services.orgunit_update(actor=None, unit=tree.guangming, phone=bad)
        assert list(error.value.fields) == ["phone"], bad
    assert OrgUnit.objects.get(pk=tree.guangming.pk).phone == "+86 315 2811101"
    # Optional: cleared with an empty value.
    assert services.orgunit_update(actor=None, unit=tree.guangming, phone="").phone == ""


def test_delete_only_leaves_nothing_refers_to(tree: Tree, people: Personas) -> None:
    with pytest.raises(ValidationFailed):
        services.orgunit_delete(actor=None, unit=tree.guangming_compound)  # has children
    with pytest.raises(ValidationFailed):
        services.orgunit_delete(actor=None, unit=tree.xinhua)  # other_worker is anchored there
    services.orgunit_delete(actor=None, unit=tree.building_2)
    assert not OrgUnit.objects.filter(pk=tree.building_2.pk).exists()
    assert services.orgtree_check() == []


def test_admin_writes_only_inside_their_subtree(tree: Tree, people: Personas) -> None:
    admin = people.street_admin
    unit = services.orgunit_create(
        actor=admin, parent=tree.guangming, name="新小区", kind=K.COMPOUND
    )
    assert unit.parent_id == tree.guangming.pk
    with pytest.raises(OutOfScope):
        services.orgunit_create(actor=admin, parent=tree.xinhua, name="外区", kind=K.COMPOUND)
    with pytest.raises(ValidationFailed) as error:  # the unit would leave the admin's area
        services.orgunit_move(actor=admin, unit=tree.heping, target=tree.west)
    assert list(error.value.fields) == ["target"]
    with pytest.raises(NotAllowed):  # the anchor itself is not theirs to move
        services.orgunit_move(actor=admin, unit=tree.east, target=tree.west, position="left")
    with pytest.raises(NotAllowed):
        services.orgunit_create(actor=admin, parent=None, name="新市", kind=K.CITY)


def test_other_roles_may_not_write(tree: Tree, people: Personas) -> None:
    before = tree_snapshot()
    with pytest.raises(NotAllowed):
        services.orgunit_create(
            actor=people.worker, parent=tree.guangming, name="新小区", kind=K.COMPOUND
        )
    with pytest.raises(NotAllowed):
        services.orgunit_update(actor=people.official, unit=tree.guangming, name="改名")
    with pytest.raises(OutOfScope):
        services.orgunit_update(actor=people.worker, unit=tree.xinhua, name="改名")
    assert tree_snapshot() == before
