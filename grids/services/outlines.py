"""The outline of a community's grids (``CommunityOutline``): the convex hull of the boundaries
of its active grids, refreshed by the grid services in their own transaction whenever a grid's
boundary, activity or existence changes. The maps of districts and cities read these rows (one
a community) instead of every grid below them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from grids.models import CommunityOutline, Grid

Point = tuple[float, float]
# About ten centimetres: finer than any map of a street or a city shows.
PRECISION = 6


def _turn(origin: Point, first: Point, second: Point) -> float:
    """Positive for a counter-clockwise turn from ``first`` to ``second`` around ``origin``."""
    return (first[0] - origin[0]) * (second[1] - origin[1]) - (first[1] - origin[1]) * (
        second[0] - origin[0]
    )


def convex_hull(points: Iterable[Point]) -> list[Point]:
    """The corners of the smallest convex polygon holding ``points``, counter-clockwise from the
    south-westernmost, the first not repeated (Andrew's monotone chain). Fewer than three
    corners when the points lie on one line."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique
    lower: list[Point] = []
    for point in unique:
        while len(lower) >= 2 and _turn(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    upper: list[Point] = []
    for point in reversed(unique):
        while len(upper) >= 2 and _turn(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def boundary_points(boundary: dict[str, Any]) -> Iterator[Point]:
    """The positions of the outer rings of a GeoJSON Polygon or MultiPolygon (holes lie inside
    them)."""
    polygons = (
        [boundary["coordinates"]] if boundary["type"] == "Polygon" else boundary["coordinates"]
    )
    for rings in polygons:
        for position in rings[0]:
            yield (round(float(position[0]), PRECISION), round(float(position[1]), PRECISION))


def outline_of(boundaries: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The convex hull of grid boundaries as a GeoJSON Polygon (a closed counter-clockwise
    ring); None when they cover no area."""
    hull = convex_hull(point for boundary in boundaries for point in boundary_points(boundary))
    if len(hull) < 3:
        return None
    ring = [[longitude, latitude] for longitude, latitude in [*hull, hull[0]]]
    return {"type": "Polygon", "coordinates": [ring]}


def community_outline_refresh(*, community_id: int) -> CommunityOutline | None:
    """Recompute the outline of the community's active grids with a boundary; none is kept
    when there is no such grid. In the caller's transaction; idempotent. No audit row: it is
    derived from the grids, whose changes are audited."""
    boundaries = [
        boundary
        for boundary in Grid.objects.filter(
            community_id=community_id, is_active=True, boundary__isnull=False
        ).values_list("boundary", flat=True)
        if boundary is not None
    ]
    shape = outline_of(boundaries)
    if shape is None:
        CommunityOutline.objects.filter(community_id=community_id).delete()
        return None
    outline, _created = CommunityOutline.objects.update_or_create(
        community_id=community_id, defaults={"shape": shape, "grids": len(boundaries)}
    )
    return outline
