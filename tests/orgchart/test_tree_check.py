"""check_org_tree finds corrupted MPTT columns and repairs them from the parent links."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from orgchart.models import OrgUnit
from orgchart.services import orgtree_check, orgtree_repair
from tests.conftest import Tree


def layout() -> list[tuple[int, int, int, int, int]]:
    return list(OrgUnit.objects.order_by("pk").values_list("pk", "tree_id", "lft", "rght", "level"))


def test_a_consistent_tree_passes(tree: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("check_org_tree")
    assert "Org tree OK." in capsys.readouterr().out
    assert orgtree_check() == []


def test_corruption_is_found_and_repaired(tree: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    good = layout()
    # Corrupt the way a crashed or unlocked writer would: shifted columns, a wrong level.
    OrgUnit.objects.filter(pk=tree.heping.pk).update(lft=999, rght=1000)
    OrgUnit.objects.filter(pk=tree.building_1.pk).update(level=1)

    problems = orgtree_check()
    assert {p.unit_id for p in problems} == {tree.heping.pk, tree.building_1.pk}
    with pytest.raises(CommandError, match="2 problem"):
        call_command("check_org_tree")
    assert layout() != good  # checking alone changed nothing

    call_command("check_org_tree", "--repair")
    out = capsys.readouterr().out
    assert "Repaired: 2 unit(s) rewritten. Org tree OK." in out
    assert layout() == good
    assert orgtree_check() == []


def test_repair_rebuilds_from_parent_links(tree: Tree) -> None:
    # Someone changed parent directly in the database: parent is the source of truth.
    OrgUnit.objects.filter(pk=tree.heping.pk).update(parent=tree.west)
    assert orgtree_check() != []
    orgtree_repair()
    assert orgtree_check() == []
    tree.refresh()
    assert tree.heping.get_ancestors().filter(pk=tree.west.pk).exists()
    assert tree.east.get_descendant_count() == 5  # 光明社区 and below only


def test_a_parent_cycle_is_reported_not_guessed(tree: Tree) -> None:
    OrgUnit.objects.filter(pk=tree.east.pk).update(parent=tree.guangming)
    problems = orgtree_check()
    assert tree.east.pk in {p.unit_id for p in problems}
    with translation.override("en"), pytest.raises(CommandError, match="form a cycle"):
        call_command("check_org_tree", "--repair")
