"""What the home dashboard shows for a user's scope."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.urls import reverse
from django.utils import timezone

from consultations.figures import (
    UnitConsultationFigures,
    unit_consultation_expressions,
    unit_consultation_figures,
)
from governance.database import select_scalars
from governance.errors import NotAllowed, OutOfScope
from grids.models import Grid
from grids.selectors import (
    UnitGridFigures,
    community_outline_expression,
    unit_grid_expressions,
    unit_grid_figures,
    unit_grid_shapes,
)
from orgchart import selectors as org_selectors
from orgchart.models import OrgUnit
from orgchart.policy import AnyUser, is_volunteer_account, role_may
from orgchart.selectors import UnitOrgFigures, unit_org_expressions, unit_org_figures
from petitions.figures import Tally, UnitFigures, community_open_expressions, unit_figures
from petitions.selectors import grid_petition_counts
from volunteers import selectors as volunteer_selectors
from volunteers.selectors import Quarter
from volunteers.selectors.figures import (
    UnitVolunteerFigures,
    unit_volunteer_expressions,
    unit_volunteer_figures,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from volunteers.models import Volunteer
    from volunteers.selectors import StatementFigures


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    total: int


@dataclass(frozen=True)
class PointsCard:
    """我的积分 on a volunteer account's home page: the balance, and the points earned and
    service hours of this quarter. ``registered`` is False for an account with no active
    volunteer record (nothing to show but a word to ask the community)."""

    registered: bool
    quarter: Quarter
    balance: int = 0
    earned: int = 0
    hours: Decimal = Decimal("0.0")


@dataclass(frozen=True)
class Dashboard:
    roots: list[OrgUnit]
    unit_counts: list[KindCount]
    weak_units: int
    department_count: int
    points: PointsCard | None = None
    # The org figures (units by kind, weak units, departments): not for volunteer accounts,
    # whose home is their points.
    org_figures: bool = True


def _is_volunteer_account(user: AnyUser) -> bool:
    return is_volunteer_account(user) and user.is_active


def points_card_for(*, user: AnyUser) -> PointsCard | None:
    """The points card of a volunteer account (two queries: this quarter's statement row,
    the balance); None for every other role (no query)."""
    if not _is_volunteer_account(user):
        return None
    quarter = volunteer_selectors.current_quarter()
    row = cast(
        "WithAnnotations[Volunteer, StatementFigures] | None",
        volunteer_selectors.points_statement(user=user, quarter=quarter)
        .filter(is_active=True)
        .first(),
    )
    if row is None:
        return PointsCard(registered=False, quarter=quarter)
    return PointsCard(
        registered=True,
        quarter=quarter,
        balance=volunteer_selectors.points_balance_visible(user=user, volunteer=row),
        earned=int(row.earned),
        hours=Decimal(row.hours or 0).quantize(Decimal("0.1")),
    )


def dashboard_for(*, user: AnyUser) -> Dashboard:
    """The first dashboard of the user's scope: units by kind, weak units, departments, and a
    volunteer account's points."""
    roots = list(org_selectors.orgunit_roots_visible(user=user))
    if not role_may(user, "page.dashboard", None):
        # Grid workers, handlers and volunteers: their home is their work, not the org figures.
        return Dashboard(
            roots=roots,
            unit_counts=[],
            weak_units=0,
            department_count=0,
            points=points_card_for(user=user),
            org_figures=False,
        )
    counts = org_selectors.orgunit_counts_by_kind(user=user)
    # Kinds from the top of the user's area downwards (a community worker has no districts).
    kinds = OrgUnit.Kind.values
    top = min((kinds.index(root.kind) for root in roots), default=0)
    return Dashboard(
        roots=roots,
        unit_counts=[
            KindCount(kind, str(label), counts[kind])
            for kind, label in OrgUnit.Kind.choices
            if kinds.index(kind) >= top
        ],
        weak_units=org_selectors.orgunit_list_visible(user=user).filter(is_weak=True).count(),
        department_count=org_selectors.department_list_visible(user=user).count(),
        points=points_card_for(user=user),
    )


# --- The dashboard of a unit (officials, admins, community workers) ----------------------------


@dataclass(frozen=True)
class Period:
    """A range of days [date_from, date_to): this month by default."""

    date_from: dt.date
    date_to: dt.date

    @property
    def last_day(self) -> dt.date:
        return self.date_to - dt.timedelta(days=1)


# The longest period a dashboard shows (its trend has one point a week).
MAX_PERIOD_DAYS = 3 * 366


def this_month(today: dt.date) -> Period:
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, following)


@dataclass(frozen=True)
class ChildRow:
    unit: OrgUnit
    tally: Tally


@dataclass(frozen=True)
class UnitDashboard:
    unit: OrgUnit
    # The way up to the top of the user's area (breadcrumbs), root first.
    path: list[OrgUnit]
    period: Period
    petitions: UnitFigures
    children: list[ChildRow]
    grids: UnitGridFigures
    org: UnitOrgFigures
    volunteers: UnitVolunteerFigures
    consultations: UnitConsultationFigures
    generated_at: dt.datetime


def dashboard_unit(*, user: AnyUser, pk: Any = None) -> OrgUnit:
    """The unit whose dashboard the user opens: ``pk`` inside the user's area (404 outside it,
    403 for a role without dashboards), or the top of the area."""
    if not role_may(user, "page.dashboard", None):
        raise NotAllowed()
    if pk not in (None, ""):
        return org_selectors.orgunit_get(user=user, pk=pk)
    root = org_selectors.orgunit_roots_visible(user=user).first()
    if root is None:
        raise OutOfScope()
    return root


def unit_dashboard(
    *, user: AnyUser, unit: OrgUnit, period: Period, now: dt.datetime | None = None
) -> UnitDashboard:
    """The dashboard of ``unit`` (from ``dashboard_unit``): eight queries whatever the unit
    (seven for a root): the roots and the path, the children, four of petitions (from the
    rollups), and one that selects every grid, organisation, volunteer and consultation
    figure at once."""
    now = now or timezone.now()
    roots = org_selectors.orgunit_roots_visible(user=user)
    top_levels = {root.tree_id: root.level for root in roots}
    path = [
        ancestor
        for ancestor in org_selectors.orgunit_ancestors(unit=unit)
        if ancestor.level >= top_levels.get(ancestor.tree_id, ancestor.level + 1)
    ]
    children = list(org_selectors.orgunit_children(user=user, unit=unit))
    figures = unit_figures(
        unit, date_from=period.date_from, date_to=period.date_to, children=children
    )
    row = select_scalars(
        OrgUnit,
        unit.pk,
        {
            **unit_grid_expressions(unit, now=now),
            **unit_org_expressions(unit),
            **unit_volunteer_expressions(unit, date_from=period.date_from, date_to=period.date_to),
            **unit_consultation_expressions(
                unit, date_from=period.date_from, date_to=period.date_to
            ),
        },
    )
    return UnitDashboard(
        unit=unit,
        path=path,
        period=period,
        petitions=figures,
        children=[
            ChildRow(child, figures.by_child.get(child.pk, Tally.of(None))) for child in children
        ],
        grids=unit_grid_figures(row),
        org=unit_org_figures(row),
        volunteers=unit_volunteer_figures(row),
        consultations=unit_consultation_figures(row),
        generated_at=now,
    )


# --- The map ----------------------------------------------------------------------------------

# A street and the units below it draw their grids (up to MAP_LIMIT of them); a district or a
# city, and a street with more grids, draw their child units, each from the outlines of its
# communities' grids (one row a community, kept by the grid services).
GRID_MAP_KINDS = frozenset(
    {OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.COMPOUND, OrgUnit.Kind.BUILDING}
)
MAP_LIMIT = 600


@dataclass(frozen=True)
class BoardMap:
    """GeoJSON features of the dashboard's map, coloured by their open and overdue cases: the
    unit's grids (``of`` "grids", each linking to its page) or its child units (``of`` "units",
    each the outlines of its communities' grids, linking to its dashboard). ``too_big`` when a
    unit below a street has more grids than a map draws."""

    features: list[dict[str, Any]]
    of: str = "grids"
    too_big: bool = False


def board_map(
    *,
    unit: OrgUnit,
    children: list[OrgUnit],
    now: dt.datetime | None = None,
    unit_link: Callable[[OrgUnit], str] | None = None,
) -> BoardMap:
    """The map of ``unit``'s dashboard. Two queries for the grids of a street or a smaller unit
    (the grids, their cases); one for the ``children`` of a district or a city (their
    communities' outlines and open cases, from the rollups); three for a street with more than
    MAP_LIMIT grids, which draws its communities. ``unit_link`` gives a child's address
    (its dashboard by default)."""
    if unit.kind in GRID_MAP_KINDS:
        grids = unit_grid_shapes(unit, limit=MAP_LIMIT)
        if grids is not None:
            return BoardMap(_grid_features(grids, now=now or timezone.now()))
        if unit.kind != OrgUnit.Kind.STREET:
            return BoardMap([], too_big=True)
    link = unit_link or (lambda child: reverse("dashboard_unit", args=[child.pk]))
    return BoardMap(_unit_features(unit, children, link), of="units")


def _grid_features(grids: list[Grid], *, now: dt.datetime) -> list[dict[str, Any]]:
    counts = grid_petition_counts(grid_ids=[grid.pk for grid in grids], now=now)
    return [
        {
            "type": "Feature",
            "geometry": grid.boundary,
            "properties": {
                "id": grid.pk,
                "name": grid.name,
                "open": counts.get(grid.pk, (0, 0))[0],
                "overdue": counts.get(grid.pk, (0, 0))[1],
                "href": reverse("grids:grid", args=[grid.pk]),
            },
        }
        for grid in grids
    ]


def _unit_features(
    unit: OrgUnit, children: list[OrgUnit], link: Callable[[OrgUnit], str]
) -> list[dict[str, Any]]:
    """One feature a child with an outline: the outlines of its communities as one
    MultiPolygon, their open and overdue cases summed. One query over the unit's communities
    (``children`` are ordered by ``lft``)."""
    communities = (
        OrgUnit.objects.filter(
            tree_id=unit.tree_id,
            lft__gt=unit.lft,
            lft__lt=unit.rght,
            kind=OrgUnit.Kind.COMMUNITY,
        )
        .annotate(outline=community_outline_expression(), **community_open_expressions())
        .order_by("lft")
        .values_list("lft", "outline", "open_cases", "overdue_cases")
    )
    starts = [child.lft for child in children]
    polygons: dict[int, list[Any]] = defaultdict(list)
    cases: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for lft, outline, open_cases, overdue_cases in communities:
        position = bisect.bisect_right(starts, lft) - 1
        if position < 0 or lft > children[position].rght:
            continue  # not below a child the user sees
        child = children[position]
        if outline is not None:
            polygons[child.pk].append(outline["coordinates"])
        cases[child.pk][0] += open_cases
        cases[child.pk][1] += overdue_cases
    return [
        {
            "type": "Feature",
            "geometry": {"type": "MultiPolygon", "coordinates": polygons[child.pk]},
            "properties": {
                "id": child.pk,
                "name": child.name,
                "open": cases[child.pk][0],
                "overdue": cases[child.pk][1],
                "href": link(child),
            },
        }
        for child in children
        if polygons[child.pk]
    ]
