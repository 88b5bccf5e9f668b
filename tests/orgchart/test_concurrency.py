"""Concurrent structural writes on PostgreSQL serialise on the tree lock and keep the tree valid."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection

from governance.errors import ApplicationError
from orgchart import services
from orgchart.models import OrgUnit
from tests.conftest import Tree, make_unit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls: Callable[[], object]) -> list[BaseException]:
    """Start every call at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_concurrent_moves_leave_a_valid_tree(tree: Tree) -> None:
    # Both callers hold instances read before either move: stale lft/rght on purpose.
    heping, west = OrgUnit.objects.get(pk=tree.heping.pk), OrgUnit.objects.get(pk=tree.west.pk)
    compound, xinhua = (
        OrgUnit.objects.get(pk=tree.guangming_compound.pk),
        OrgUnit.objects.get(pk=tree.xinhua.pk),
    )
    errors = run_together(
        lambda: services.orgunit_move(actor=None, unit=heping, target=west),
        lambda: services.orgunit_move(actor=None, unit=compound, target=xinhua),
    )
    assert errors == []
    assert services.orgtree_check() == []
    assert OrgUnit.objects.get(pk=tree.heping.pk).parent_id == tree.west.pk
    assert OrgUnit.objects.get(pk=tree.guangming_compound.pk).parent_id == tree.xinhua.pk
    assert (
        OrgUnit.objects.get(pk=tree.building_1.pk)
        .get_ancestors()
        .filter(pk=tree.xinhua.pk)
        .exists()
    )


def test_concurrent_inserts_and_moves_keep_every_row_consistent(tree: Tree) -> None:
    calls: list[Callable[[], object]] = [
        partial(make_unit, tree.heping, f"新小区{index}", OrgUnit.Kind.COMPOUND)
        for index in range(4)
    ]
    calls.append(lambda: services.orgunit_move(actor=None, unit=tree.heping, target=tree.west))
    calls.append(
        lambda: services.orgunit_move(
            actor=None, unit=tree.xinhua, target=tree.guangming, position="right"
        )
    )
    errors = run_together(*calls)
    assert errors == []
    assert services.orgtree_check() == []
    heping = OrgUnit.objects.get(pk=tree.heping.pk)
    assert heping.parent_id == tree.west.pk
    assert sorted(heping.get_children().values_list("name", flat=True)) == [
        f"新小区{i}" for i in range(4)
    ]
    assert OrgUnit.objects.get(pk=tree.xinhua.pk).parent_id == tree.east.pk


def test_eight_clients_doing_500_random_inserts_and_moves_leave_a_valid_tree(
    tree: Tree,
) -> None:
    """The fault test of the issue: 8 clients, 500 structural writes in all, at random
    (compounds and buildings created under a random community or compound, moved under
    another one or beside a sibling). Refusals by the rules (ApplicationError) are fine; any
    other error, a lost insert or an inconsistent tree is not."""
    clients, per_client = 8, 63  # 504 writes
    created: list[int] = []
    refused: list[str] = []

    def client(seed: int) -> None:
        chance = random.Random(seed)
        for step in range(per_client):
            communities = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY))
            compounds = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COMPOUND))
            buildings = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.BUILDING))
            try:
                if chance.random() < 0.5 or not buildings:
                    if chance.random() < 0.5 or not compounds:
                        unit = make_unit(
                            chance.choice(communities), f"小区{seed}-{step}", OrgUnit.Kind.COMPOUND
                        )
                    else:
                        unit = make_unit(
                            chance.choice(compounds), f"楼{seed}-{step}", OrgUnit.Kind.BUILDING
                        )
                    created.append(unit.pk)
                elif chance.random() < 0.5:
                    services.orgunit_move(
                        actor=None,
                        unit=chance.choice(compounds),
                        target=chance.choice(communities),
                    )
                else:
                    mover, beside = chance.choice(buildings), chance.choice(buildings)
                    services.orgunit_move(
                        actor=None,
                        unit=mover,
                        target=beside,
                        position=chance.choice(["left", "right"]),
                    )
            except ApplicationError as error:
                refused.append(str(error))

    errors = run_together(*(partial(client, seed) for seed in range(clients)))
    assert errors == []
    assert services.orgtree_check() == []
    assert OrgUnit.objects.filter(pk__in=created).count() == len(created)
    assert len(created) > 200
    # Every building still sits under a compound, every compound under a community.
    assert (
        not OrgUnit.objects.filter(kind=OrgUnit.Kind.BUILDING)
        .exclude(parent__kind=OrgUnit.Kind.COMPOUND)
        .exists()
    )
    assert not OrgUnit.objects.filter(
        kind=OrgUnit.Kind.COMPOUND, parent__kind=OrgUnit.Kind.BUILDING
    ).exists()
