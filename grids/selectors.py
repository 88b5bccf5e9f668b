"""Scoped reads of grids, staff, households, residents and visits.

Every list starts from ``orgchart.policy.policy(user, …)`` and comes with its joins and
annotations applied, so list pages and endpoints run a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.database import scalar_count
from governance.errors import OutOfScope
from grids.models import (
    TARGET_PARTY_SHARE,
    CommunityOutline,
    Grid,
    GridStaff,
    Household,
    Resident,
    ResidentCareTag,
    Visit,
)
from orgchart.models import OrgUnit, PartyMember, Person
from orgchart.policy import AnyUser, may_reveal_in_bulk, policy, staffed_grids_q
from orgchart.selectors import person_search_q


def _within(prefix: str, unit: OrgUnit) -> Q:
    return Q(
        **{
            f"{prefix}__tree_id": unit.tree_id,
            f"{prefix}__lft__gte": unit.lft,
            f"{prefix}__lft__lte": unit.rght,
        }
    )


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) (a subquery, so several counts never multiply each other)."""
    counted = queryset.order_by().annotate(_group=Value(1)).values("_group").annotate(n=Count("*"))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), 0)


def _is_party_member() -> Exists:
    # Full and probationary members alike, wherever their membership is organised.
    return Exists(PartyMember.objects.filter(person=OuterRef("person")))


def _last_visit(path: str) -> Subquery:
    return Subquery(
        Visit.objects.filter(**{path: OuterRef("pk")})
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )


# --- Grids -----------------------------------------------------------------------------------


class GridFigures(TypedDict):
    """What ``grid_list_visible`` (and so ``grid_get``) annotates on each grid."""

    household_count: int
    staff_count: int
    party_staff_count: int
    last_visit_at: dt.datetime | None


def grid_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    kind: str = "",
    query: str = "",
    mine: bool = False,
    active: bool | None = True,
) -> QuerySet[Grid]:
    """Grids the user may see with household, staff and party-staff counts and the time of
    the last visit (``household_count``, ``staff_count``, ``party_staff_count``,
    ``last_visit_at``). ``mine``: only the grids the user currently staffs."""
    current_staff = GridStaff.objects.filter(grid=OuterRef("pk"), ended_on__isnull=True)
    grids = (
        policy(user, Grid)
        .select_related("community", "compound")
        .annotate(
            household_count=_count(Household.objects.filter(grid=OuterRef("pk"))),
            staff_count=_count(current_staff),
            party_staff_count=_count(current_staff.filter(_is_party_member())),
            last_visit_at=_last_visit("grid"),
        )
        .order_by("community__tree_id", "community__lft", "kind", "code", "name", "id")
    )
    if within is not None:
        grids = grids.filter(_within("community", within) | _within("compound", within))
    if kind:
        grids = grids.filter(kind=kind)
    if query:
        grids = grids.filter(Q(name__contains=query.strip()) | Q(code=query.strip()))
    if mine:
        grids = grids.filter(staffed_grids_q(user))
    if active is not None:
        grids = grids.filter(is_active=active)
    return grids


def grid_get(*, user: AnyUser, pk: Any) -> Grid:
    try:
        return grid_list_visible(user=user, active=None).get(pk=pk)
    except (Grid.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


class StaffFigures(TypedDict):
    """What ``grid_staff_list`` annotates on each term."""

    is_party_member: bool


def grid_staff_list(
    *, user: AnyUser, grid: Grid, current: bool | None = True
) -> QuerySet[GridStaff]:
    """The grid's staff (current terms by default), heads first, with ``is_party_member``."""
    staff = (
        policy(user, GridStaff)
        .filter(grid=grid)
        .select_related("grid", "person", "account")
        .annotate(is_party_member=_is_party_member())
        .order_by(F("ended_on").asc(nulls_first=True), "role", "started_on", "id")
    )
    if current is not None:
        staff = staff.filter(ended_on__isnull=current)
    return staff


def grid_staff_get(*, user: AnyUser, pk: Any) -> GridStaff:
    try:
        return (
            policy(user, GridStaff)
            .select_related("grid", "person", "account")
            .annotate(is_party_member=_is_party_member())
            .get(pk=pk)
        )
    except (GridStaff.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


@dataclass(frozen=True)
class StaffShare:
    """Party members among current grid staff (网格员党员占比), target ≥ 60 %."""

    staff: int
    party_members: int

    @property
    def share(self) -> float | None:
        return self.party_members / self.staff if self.staff else None

    @property
    def meets_target(self) -> bool:
        return self.share is not None and self.share >= TARGET_PARTY_SHARE


def grid_staff_share(
    *, user: AnyUser, within: OrgUnit | None = None, grid: Grid | None = None
) -> StaffShare:
    """The party-member share among current staff of one grid, or of every grid the user sees
    in ``within``'s subtree. A person working two grids counts once per grid (each grid is
    staffed separately), as the seeds' per-grid ratios do. One query."""
    staff = policy(user, GridStaff).filter(ended_on__isnull=True)
    if grid is not None:
        staff = staff.filter(grid=grid)
    if within is not None:
        staff = staff.filter(_within("grid__community", within) | _within("grid__compound", within))
    figures = staff.aggregate(total=Count("pk"), party=Count("pk", filter=Q(_is_party_member())))
    return StaffShare(staff=figures["total"], party_members=figures["party"])


# --- Households ------------------------------------------------------------------------------


def household_search_q(query: str, *, user: AnyUser) -> Q:
    """Address or room, or a current resident matched like the people search (name, pinyin
    initials, the visible digits of an ID or mobile)."""
    text = query.strip()
    if not text:
        return Q()
    people = Person.objects.filter(person_search_q(text, whole_numbers=may_reveal_in_bulk(user)))
    living = Resident.objects.filter(
        household=OuterRef("pk"), moved_out_on__isnull=True, person__in=people
    )
    return Q(address__contains=text) | Q(room=text) | Q(Exists(living))


class HouseholdFigures(TypedDict):
    """What ``household_list_visible`` annotates on each household."""

    resident_count: int
    last_visit_at: dt.datetime | None


def household_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    grid: Grid | None = None,
    tenure: str = "",
    query: str = "",
    unvisited_days: int | None = None,
    care_only: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Household]:
    """Households with ``resident_count`` (current) and ``last_visit_at``, by grid and address;
    optionally only those not visited in ``unvisited_days`` days, or with a care-tag resident."""
    households = (
        policy(user, Household)
        .select_related("grid", "community", "building")
        .annotate(
            resident_count=_count(
                Resident.objects.filter(household=OuterRef("pk"), moved_out_on__isnull=True)
            ),
            last_visit_at=_last_visit("household"),
        )
        .order_by("grid__name", "address", "id")
    )
    if within is not None:
        households = households.filter(
            _within("community", within)
            | _within("building", within)
            | _within("grid__compound", within)
        )
    if grid is not None:
        households = households.filter(grid=grid)
    if tenure:
        households = households.filter(tenure=tenure)
    if query:
        households = households.filter(household_search_q(query, user=user))
    if unvisited_days is not None:
        since = (now or timezone.now()) - dt.timedelta(days=unvisited_days)
        households = households.exclude(_visited_since(since))
    if care_only:
        households = households.filter(_cared_for())
    return households


def household_get(*, user: AnyUser, pk: Any) -> Household:
    try:
        return household_list_visible(user=user).get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


# --- Residents -------------------------------------------------------------------------------


class Separation:
    """Filter values for 人户分离."""

    NONE = "none"  # registered and living here
    AWAY = "away"  # registered here, lives elsewhere (户在人不在)
    INCOMING = "incoming"  # lives here, registered elsewhere (人在户不在)
    ANY = "any"  # either


SEPARATION_FILTERS = {
    Separation.NONE: Q(registered_here=True, lives_here=True),
    Separation.AWAY: Q(registered_here=True, lives_here=False),
    Separation.INCOMING: Q(registered_here=False, lives_here=True),
    Separation.ANY: Q(registered_here=False) | Q(lives_here=False),
}


def resident_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    grid: Grid | None = None,
    household: Household | None = None,
    care_tag: str = "",
    separation: str = "",
    min_age: int | None = None,
    visited_within_days: int | None = None,
    visited: bool | None = None,
    query: str = "",
    current: bool | None = True,
    today: dt.date | None = None,
) -> QuerySet[Resident]:
    """Residents with their person, household and grid, care tags prefetched and the time
    of the household's last visit (``last_visit_at``), sorted by pinyin.

    ``care_tag`` + ``visited_within_days`` + ``visited`` answer "all elderly living alone in
    my community, visited in the last 30 days (or not)". ``min_age`` uses the stored birth
    date (no decryption)."""
    residents = (
        policy(user, Resident)
        .select_related("person", "household", "household__grid")
        .prefetch_related(Prefetch("care_tags", queryset=ResidentCareTag.objects.order_by("tag")))
        .annotate(
            last_visit_at=Subquery(
                Visit.objects.filter(household=OuterRef("household"))
                .order_by("-visited_at")
                .values("visited_at")[:1]
            )
        )
        .order_by("person__name_pinyin", "id")
    )
    if current is not None:
        residents = residents.filter(moved_out_on__isnull=current)
    if within is not None:
        residents = residents.filter(
            _within("household__community", within)
            | _within("household__building", within)
            | _within("household__grid__compound", within)
        )
    if grid is not None:
        residents = residents.filter(household__grid=grid)
    if household is not None:
        residents = residents.filter(household=household)
    if care_tag:
        residents = residents.filter(
            Exists(ResidentCareTag.objects.filter(resident=OuterRef("pk"), tag=care_tag))
        )
    if separation in SEPARATION_FILTERS:
        residents = residents.filter(SEPARATION_FILTERS[separation])
    if min_age is not None:
        today = today or timezone.localdate()
        try:
            born_by = today.replace(year=today.year - min_age)
        except ValueError:  # 29 February
            born_by = today.replace(year=today.year - min_age, day=28)
        residents = residents.filter(person__birth_date__lte=born_by)
    if visited is not None:
        days = visited_within_days or 30
        since = timezone.now() - dt.timedelta(days=days)
        recent = Visit.objects.filter(household=OuterRef("household"), visited_at__gte=since)
        residents = residents.filter(Exists(recent) if visited else ~Exists(recent))
    if query:
        residents = residents.filter(
            person__in=Person.objects.filter(
                person_search_q(query, whole_numbers=may_reveal_in_bulk(user))
            )
        )
    return residents


def resident_get(*, user: AnyUser, pk: Any) -> Resident:
    try:
        return resident_list_visible(user=user, current=None).get(pk=pk)
    except (Resident.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


# --- Visits ----------------------------------------------------------------------------------


def visit_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    grid: Grid | None = None,
    household: Household | None = None,
    purpose: str = "",
    hazard_found: bool | None = None,
    since: dt.datetime | None = None,
) -> QuerySet[Visit]:
    """Visits, newest first, with grid, household and visitor, and a ``photo_count``."""
    visits = (
        policy(user, Visit)
        .select_related("grid", "household", "visitor")
        .annotate(photo_count=Count("photos"))
        .order_by("-visited_at", "-id")
    )
    if within is not None:
        visits = visits.filter(
            _within("grid__community", within) | _within("grid__compound", within)
        )
    if grid is not None:
        visits = visits.filter(grid=grid)
    if household is not None:
        visits = visits.filter(household=household)
    if purpose:
        visits = visits.filter(purpose=purpose)
    if hazard_found is not None:
        visits = visits.filter(hazard_found=hazard_found)
    if since is not None:
        visits = visits.filter(visited_at__gte=since)
    return visits


def visit_get(*, user: AnyUser, pk: Any) -> Visit:
    try:
        return visit_list_visible(user=user).prefetch_related("photos").get(pk=pk)
    except (Visit.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


# --- Figures of a unit for the dashboards ----------------------------------------------------


@dataclass(frozen=True)
class UnitGridFigures:
    """网格 figures of a unit's subtree: grids by kind, households, residents, households per
    basic grid (against 30 urban / 50 rural), visit coverage, care-tag residents, grid staff
    and their party-member share (against 60 %)."""

    grids_by_kind: dict[str, int]
    households: int
    residents: int
    visited_30: int
    visited_90: int
    care_residents: int
    staff: int
    party_staff: int

    @property
    def basic_grids(self) -> int:
        return self.grids_by_kind.get(Grid.Kind.BASIC, 0)

    @property
    def households_per_grid(self) -> float | None:
        return round(self.households / self.basic_grids, 1) if self.basic_grids else None

    @property
    def coverage_30(self) -> float | None:
        return round(self.visited_30 / self.households, 4) if self.households else None

    @property
    def coverage_90(self) -> float | None:
        return round(self.visited_90 / self.households, 4) if self.households else None

    @property
    def party_staff_share(self) -> float | None:
        return round(self.party_staff / self.staff, 4) if self.staff else None

    @property
    def party_staff_target(self) -> float:
        return TARGET_PARTY_SHARE


GRID_FIGURES = "grids__"


def unit_grid_expressions(unit: OrgUnit, *, now: dt.datetime) -> dict[str, Any]:
    """The grid figures of ``unit``'s subtree as scalar expressions (``governance.database``),
    to be read in one query with the other apps' figures; ``unit_grid_figures`` reads them
    back. The caller decides whether the user sees the unit."""
    fine = unit.kind in (OrgUnit.Kind.COMPOUND, OrgUnit.Kind.BUILDING)
    grids = Grid.objects.filter(_within("compound" if fine else "community", unit))
    households = Household.objects.filter(_within("building" if fine else "community", unit))
    residents = Resident.objects.filter(
        household__in=households.values("pk"), moved_out_on__isnull=True
    )
    staff = GridStaff.objects.filter(grid__in=grids.values("pk"), ended_on__isnull=True)
    expressions: dict[str, Any] = {
        f"{GRID_FIGURES}kind_{kind}": scalar_count(grids.filter(kind=kind))
        for kind in Grid.Kind.values
    }
    expressions.update(
        {
            f"{GRID_FIGURES}households": scalar_count(households),
            f"{GRID_FIGURES}visited_30": scalar_count(
                households.filter(_visited_since(now - dt.timedelta(days=30)))
            ),
            f"{GRID_FIGURES}visited_90": scalar_count(
                households.filter(_visited_since(now - dt.timedelta(days=90)))
            ),
            f"{GRID_FIGURES}residents": scalar_count(residents),
            f"{GRID_FIGURES}care": scalar_count(
                residents.filter(Exists(ResidentCareTag.objects.filter(resident=OuterRef("pk"))))
            ),
            f"{GRID_FIGURES}staff": scalar_count(staff),
            f"{GRID_FIGURES}party_staff": scalar_count(staff.filter(_is_party_member())),
        }
    )
    return expressions


def unit_grid_figures(row: dict[str, Any]) -> UnitGridFigures:
    """The figures of a row selected with ``unit_grid_expressions``."""
    return UnitGridFigures(
        grids_by_kind={kind: row[f"{GRID_FIGURES}kind_{kind}"] for kind in Grid.Kind.values},
        households=row[f"{GRID_FIGURES}households"],
        residents=row[f"{GRID_FIGURES}residents"],
        visited_30=row[f"{GRID_FIGURES}visited_30"],
        visited_90=row[f"{GRID_FIGURES}visited_90"],
        care_residents=row[f"{GRID_FIGURES}care"],
        staff=row[f"{GRID_FIGURES}staff"],
        party_staff=row[f"{GRID_FIGURES}party_staff"],
    )


def _visited_since(moment: dt.datetime) -> Exists:
    return Exists(Visit.objects.filter(household=OuterRef("pk"), visited_at__gte=moment))


def _cared_for() -> Exists:
    """A current resident with a care tag (独居老人, 高龄, 残疾人…) lives there."""
    return Exists(
        ResidentCareTag.objects.filter(
            resident__household=OuterRef("pk"), resident__moved_out_on__isnull=True
        )
    )


def household_visit_counts(*, user: AnyUser, now: dt.datetime) -> dict[str, int]:
    """The households the user sees (a grid worker: those of the grids they staff) not visited
    in 30 and 90 days, and those with a care-tag resident not visited in 30 days (one query)."""
    return policy(user, Household).aggregate(
        unvisited_30=Count("pk", filter=~Q(_visited_since(now - dt.timedelta(days=30)))),
        unvisited_90=Count("pk", filter=~Q(_visited_since(now - dt.timedelta(days=90)))),
        care_due=Count(
            "pk",
            filter=~Q(_visited_since(now - dt.timedelta(days=30))) & Q(_cared_for()),
        ),
    )


def unit_grid_shapes(unit: OrgUnit, *, limit: int) -> list[Grid] | None:
    """The active grids with a boundary in ``unit``'s subtree (id, name, kind, boundary), for
    the dashboard's map; None when there are more than ``limit`` (drill down to draw them)."""
    fine = unit.kind in (OrgUnit.Kind.COMPOUND, OrgUnit.Kind.BUILDING)
    grids = list(
        Grid.objects.filter(
            _within("compound" if fine else "community", unit),
            boundary__isnull=False,
            is_active=True,
        )
        .only("id", "name", "kind", "boundary")
        .order_by("id")[: limit + 1]
    )
    return None if len(grids) > limit else grids


def community_outline_expression() -> Subquery:
    """The outline of a community's grids (a GeoJSON Polygon, None without one), to select
    beside the columns of community rows: ``OrgUnit`` rows annotated with it (the maps of
    districts and cities)."""
    return Subquery(
        CommunityOutline.objects.filter(community=OuterRef("pk")).values("shape")[:1],
        output_field=JSONField(),
    )


def person_grid_posts(*, user: AnyUser, person: Person) -> list[GridStaff]:
    """The person's current grid posts (网格长, 网格员) the user may see, for the person's page."""
    return list(
        policy(user, GridStaff)
        .filter(person=person, ended_on__isnull=True)
        .select_related("grid")
        .order_by("role", "started_on", "id")
    )
