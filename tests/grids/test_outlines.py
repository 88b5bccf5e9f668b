"""The outline of a community's grids (the maps of districts and cities): the hull, and the grid
services keeping it whenever a boundary, a grid's activity or a grid itself changes."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from governance.errors import ValidationFailed
from grids import services
from grids.models import CommunityOutline, Grid
from grids.services.outlines import convex_hull, outline_of
from tests.grids.conftest import GridWorld


def square(west: float, south: float, size: float = 1.0) -> dict[str, Any]:
    east, north = west + size, south + size
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


def ring(outline: CommunityOutline) -> list[list[float]]:
    assert outline.shape["type"] == "Polygon"
    (outer,) = outline.shape["coordinates"]
    return outer


def test_convex_hull_keeps_the_corners_counter_clockwise() -> None:
    inside = [(1.0, 1.0), (0.5, 1.5)]
    corners = [(2.0, 0.0), (0.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    edge = [(1.0, 0.0)]  # on the hull's edge, not a corner
    assert convex_hull([*inside, *corners, *edge, (0.0, 0.0)]) == [
        (0.0, 0.0),
        (2.0, 0.0),
        (2.0, 2.0),
        (0.0, 2.0),
    ]
    assert convex_hull([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]) == [(0.0, 0.0), (2.0, 2.0)]
    assert convex_hull([]) == []


def test_outline_of_grids_is_a_closed_polygon_around_their_outer_rings() -> None:
    holed = {
        "type": "Polygon",
        "coordinates": [
            square(0, 0, 4)["coordinates"][0],
            [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]],  # a hole: inside anyway
        ],
    }
    islands = {
        "type": "MultiPolygon",
        "coordinates": [square(6, 0)["coordinates"], square(6, 3)["coordinates"]],
    }
    assert outline_of([holed, islands]) == {
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0], [7.0, 0.0], [7.0, 4.0], [0.0, 4.0], [0.0, 0.0]]],
    }
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}
    assert outline_of([flat]) is None
    assert outline_of([]) is None


def test_the_grid_services_keep_the_communitys_outline(world: GridWorld, tree) -> None:
    guangming = tree.guangming
    assert not CommunityOutline.objects.exists()  # the fixture's grids have no boundary
    services.grid_update(actor=None, grid=world.grid_a, boundary=square(118, 39))
    outline = CommunityOutline.objects.get(community=guangming)
    assert ring(outline) == square(118, 39)["coordinates"][0]
    assert outline.grids == 1
    # A second grid beside it widens the outline; a new boundary moves it.
    services.grid_update(actor=None, grid=world.grid_b, boundary=square(119, 39))
    outline = CommunityOutline.objects.get(community=guangming)
    assert ring(outline) == [
        [118.0, 39.0],
        [120.0, 39.0],
        [120.0, 40.0],
        [118.0, 40.0],
        [118.0, 39.0],
    ]
    assert outline.grids == 2
    services.grid_update(actor=None, grid=world.grid_b, boundary=square(118, 41))
    assert ring(CommunityOutline.objects.get(community=guangming)) == [
        [118.0, 39.0],
        [119.0, 39.0],
        [119.0, 42.0],
        [118.0, 42.0],
        [118.0, 39.0],
    ]
    # A grid created with a boundary in another community draws that community alone.
    created = services.grid_create(
        actor=None, community=tree.heping, name="和平一网格", boundary=square(121, 39)
    )
    assert (
        ring(CommunityOutline.objects.get(community=tree.heping))
        == (square(121, 39)["coordinates"][0])
    )
    assert CommunityOutline.objects.get(community=guangming).grids == 2
    # Deleted, it takes the outline with it; a boundary removed shrinks the outline.
    services.grid_delete(actor=None, grid=created)
    assert not CommunityOutline.objects.filter(community=tree.heping).exists()
    services.grid_update(actor=None, grid=world.grid_b, boundary=None)
    outline = CommunityOutline.objects.get(community=guangming)
    assert (ring(outline), outline.grids) == (square(118, 39)["coordinates"][0], 1)


def test_an_inactive_grid_leaves_the_outline(world: GridWorld, tree) -> None:
    services.grid_update(actor=None, grid=world.mall, boundary=square(118, 39))
    assert CommunityOutline.objects.filter(community=tree.guangming).exists()
    services.grid_update(actor=None, grid=world.mall, is_active=False)
    assert not CommunityOutline.objects.filter(community=tree.guangming).exists()
    services.grid_update(actor=None, grid=world.mall, is_active=True)
    assert CommunityOutline.objects.get(community=tree.guangming).grids == 1
    # Changes that leave the map alone write nothing to the outline.
    before = CommunityOutline.objects.get(community=tree.guangming).updated_at
    services.grid_update(actor=None, grid=world.mall, name="光明商圈", topic="")
    assert CommunityOutline.objects.get(community=tree.guangming).updated_at == before


def test_a_refused_change_keeps_the_outline(world: GridWorld, tree) -> None:
    services.grid_update(actor=None, grid=world.grid_a, boundary=square(118, 39))
    with pytest.raises(ValidationFailed):
        services.grid_update(actor=None, grid=world.grid_a, boundary={"type": "Point"})
    assert (
        ring(CommunityOutline.objects.get(community=tree.guangming))
        == (square(118, 39)["coordinates"][0])
    )


def test_the_migration_draws_the_outlines_of_grids_drawn_before_it(world: GridWorld, tree) -> None:
    Grid.objects.filter(pk=world.grid_a.pk).update(boundary=square(118, 39))
    Grid.objects.filter(pk=world.xinhua_grid.pk).update(boundary=square(121, 39))
    Grid.objects.filter(pk=world.mall.pk).update(boundary=square(130, 39), is_active=False)
    migration = importlib.import_module("grids.migrations.0002_community_outline")
    migration.draw_outlines(apps, None)
    drawn = {outline.community_id: outline for outline in CommunityOutline.objects.all()}
    assert set(drawn) == {tree.guangming.pk, tree.xinhua.pk}
    assert ring(drawn[tree.guangming.pk]) == square(118, 39)["coordinates"][0]
    assert drawn[tree.guangming.pk].grids == 1  # the inactive mall is not drawn
    assert ring(drawn[tree.xinhua.pk]) == square(121, 39)["coordinates"][0]
