"""The petition figures of a unit and a period for the dashboards, read from the rollups
(``petitions.rollups``): any unit from community up reads ``PetitionDay`` and
``DepartmentDay`` rows (a handful of grouped queries whatever the unit's size); a compound or
building, finer than the rollups, counts its petitions directly with the same counters.

The period is a range of days [date_from, date_to) on the day a petition was logged (a whistle:
the day it was blown), so a figure of November is about the petitions logged in November, as
they stand now. The caller decides whether the user may see the unit (the policy).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet, Sum
from django.db.models.functions import TruncDate

from governance.database import scalar_sum
from orgchart.models import OrgUnit
from petitions.models import (
    Category,
    Channel,
    DepartmentDay,
    Dispatch,
    Petition,
    PetitionDay,
)
from petitions.rollups import (
    DEPARTMENT_COUNTERS,
    PETITION_COUNTERS,
    aggregates,
)

# Units finer than a community are not in the rollups: their petitions are counted directly.
ROLLUP_KINDS = frozenset(
    {OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY}
)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Tally:
    """The petition counters of one scope (``PETITION_COUNTERS``) and the rates built on them
    (DESIGN §9: 响应率、解决率、满意率 and 一次性化解率 are the headline numbers)."""

    counts: Mapping[str, int]

    def __getattr__(self, name: str) -> int:
        try:
            return int(self.__dict__["counts"][name])
        except KeyError as error:
            raise AttributeError(name) from error

    @classmethod
    def of(cls, row: Mapping[str, Any] | None) -> Tally:
        row = row or {}
        return cls({name: int(row.get(name) or 0) for name in PETITION_COUNTERS})

    def __add__(self, other: Tally) -> Tally:
        return Tally({name: self.counts[name] + other.counts[name] for name in PETITION_COUNTERS})

    @property
    def escalated(self) -> int:
        return self.escalated_1 + self.escalated_2 + self.escalated_3

    @property
    def response_rate(self) -> float | None:
        """响应率: answered (accepted or declined) over received."""
        return _rate(self.responded, self.received)

    @property
    def resolution_rate(self) -> float | None:
        """解决率: closed over accepted."""
        return _rate(self.closed, self.accepted)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: satisfied or basically satisfied over evaluated."""
        return _rate(self.satisfied, self.evaluated)

    @property
    def first_time_resolution_rate(self) -> float | None:
        """一次性化解率: closed without reopening, an unsatisfied evaluation or an escalation,
        over closed."""
        return _rate(self.closed_first_time, self.closed)

    @property
    def on_time_acceptance_rate(self) -> float | None:
        """受理及时率: accepted before the acceptance deadline, over accepted."""
        return _rate(self.accepted_on_time, self.accepted)

    @property
    def on_time_resolution_rate(self) -> float | None:
        """办结及时率: closed without missing any deadline, over closed."""
        return _rate(self.closed_on_time, self.closed)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.counts,
            "escalated": self.escalated,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "first_time_resolution_rate": self.first_time_resolution_rate,
            "on_time_acceptance_rate": self.on_time_acceptance_rate,
            "on_time_resolution_rate": self.on_time_resolution_rate,
        }


@dataclass(frozen=True)
class DepartmentTally:
    """A department's whistles in the scope: 报到及时率, 办结率, 退单率, average rating."""

    department_id: int
    name: str
    counts: Mapping[str, int]

    def _get(self, name: str) -> int:
        return int(self.counts.get(name) or 0)

    @property
    def dispatches(self) -> int:
        return self._get("dispatches")

    @property
    def on_time_report_rate(self) -> float | None:
        return _rate(self._get("reported_on_time"), self.dispatches)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self._get("completed"), self.dispatches)

    @property
    def return_rate(self) -> float | None:
        return _rate(self._get("returned"), self.dispatches)

    @property
    def average_rating(self) -> float | None:
        rated = self._get("rated")
        return round(self._get("rating_sum") / rated, 2) if rated else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "department": self.department_id,
            "name": self.name,
            **{name: self._get(name) for name in DEPARTMENT_COUNTERS},
            "on_time_report_rate": self.on_time_report_rate,
            "completion_rate": self.completion_rate,
            "return_rate": self.return_rate,
            "average_rating": self.average_rating,
        }


@dataclass
class UnitFigures:
    """Everything the dashboard shows about petitions for one unit and period."""

    total: Tally
    by_child: dict[int, Tally] = field(default_factory=dict)
    by_category: dict[str, Tally] = field(default_factory=dict)
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_week: list[tuple[dt.date, Tally]] = field(default_factory=list)
    departments: list[DepartmentTally] = field(default_factory=list)


def _sums(counters: Iterable[str]) -> dict[str, Any]:
    return {name: Sum(name) for name in counters}


def _within(prefix: str, unit: OrgUnit) -> dict[str, Any]:
    return {
        f"{prefix}__tree_id": unit.tree_id,
        f"{prefix}__lft__gte": unit.lft,
        f"{prefix}__lft__lte": unit.rght,
    }


def _petition_rows(
    unit: OrgUnit, date_from: dt.date, date_to: dt.date
) -> tuple[QuerySet[Any], dict[str, Any], str]:
    """The rows to group, their aggregates, and the name of the unit column to place them."""
    if unit.kind in ROLLUP_KINDS:
        rows: QuerySet[Any] = PetitionDay.objects.filter(
            day__gte=date_from, day__lt=date_to, **_within("community", unit)
        )
        return rows, _sums(PETITION_COUNTERS), "community__lft"
    return _petition_rows_direct(unit, date_from, date_to)


def _petition_rows_direct(
    unit: OrgUnit, date_from: dt.date, date_to: dt.date
) -> tuple[QuerySet[Any], dict[str, Any], str]:
    rows = Petition.objects.annotate(day=TruncDate("created_at")).filter(
        day__gte=date_from, day__lt=date_to, **_within("location", unit)
    )
    return rows, aggregates(PETITION_COUNTERS), "location__lft"


def _department_rows(
    unit: OrgUnit, date_from: dt.date, date_to: dt.date
) -> tuple[QuerySet[Any], dict[str, Any]]:
    if unit.kind in ROLLUP_KINDS:
        rows: QuerySet[Any] = DepartmentDay.objects.filter(
            day__gte=date_from, day__lt=date_to, **_within("community", unit)
        )
        return rows, _sums(DEPARTMENT_COUNTERS)
    rows = Dispatch.objects.annotate(day=TruncDate("dispatched_at")).filter(
        day__gte=date_from, day__lt=date_to, **_within("petition__location", unit)
    )
    return rows, aggregates(DEPARTMENT_COUNTERS)


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def unit_figures(
    unit: OrgUnit,
    *,
    date_from: dt.date,
    date_to: dt.date,
    children: list[OrgUnit] | None = None,
) -> UnitFigures:
    """The petition figures of ``unit``'s subtree for petitions logged in [date_from, date_to):
    totals, per child unit (``children``, ordered by ``lft``), per category and channel, per
    week, and per department. Four queries."""
    rows, aggregates, place = _petition_rows(unit, date_from, date_to)
    if unit.kind == OrgUnit.Kind.COMMUNITY and children:
        # A community's children (compounds, branches) are finer than the rollups: its
        # breakdown by child counts its petitions directly (the totals still add up).
        direct, direct_aggregates, place = _petition_rows_direct(unit, date_from, date_to)
        by_place = list(direct.values(place).annotate(**direct_aggregates).order_by(place))
    else:
        by_place = list(rows.values(place).annotate(**aggregates).order_by(place))
    by_kind = list(rows.values("category", "channel").annotate(**aggregates).order_by())
    by_day = list(rows.values("day").annotate(**aggregates).order_by("day"))
    department_rows, department_aggregates = _department_rows(unit, date_from, date_to)
    by_department = list(
        department_rows.values("department_id", "department__name")
        .annotate(**department_aggregates)
        .order_by("department__name", "department_id")
    )

    total = Tally.of(None)
    by_child: dict[int, Tally] = {}
    starts = [child.lft for child in children or []]
    for row in by_place:
        tally = Tally.of(row)
        total += tally
        position = bisect.bisect_right(starts, row[place]) - 1
        if position >= 0 and children is not None:
            child = children[position]
            if row[place] <= child.rght:
                by_child[child.pk] = by_child.get(child.pk, Tally.of(None)) + tally
    by_category: dict[str, Tally] = defaultdict(lambda: Tally.of(None))
    by_channel: dict[str, Tally] = defaultdict(lambda: Tally.of(None))
    for row in by_kind:
        tally = Tally.of(row)
        by_category[row["category"]] += tally
        by_channel[row["channel"]] += tally
    weeks: dict[dt.date, Tally] = {}
    monday = week_of(date_from)
    while monday < date_to:
        weeks[monday] = Tally.of(None)
        monday += dt.timedelta(days=7)
    for row in by_day:
        weeks[week_of(row["day"])] = weeks.get(week_of(row["day"]), Tally.of(None)) + Tally.of(row)
    return UnitFigures(
        total=total,
        by_child=by_child,
        by_category={
            value: by_category[value] for value in Category.values if value in by_category
        },
        by_channel={value: by_channel[value] for value in Channel.values if value in by_channel},
        by_week=sorted(weeks.items()),
        departments=[
            DepartmentTally(
                row["department_id"],
                row["department__name"],
                {name: int(row[name] or 0) for name in DEPARTMENT_COUNTERS},
            )
            for row in by_department
        ],
    )


def department_figures(
    department_id: int, *, date_from: dt.date, date_to: dt.date
) -> DepartmentTally | None:
    """One department's whistles of [date_from, date_to) from every community (its handler's
    home: 报到及时率, 办结率, average rating this month); one query. None without whistles."""
    rows = list(
        DepartmentDay.objects.filter(
            department_id=department_id, day__gte=date_from, day__lt=date_to
        )
        .values("department_id", "department__name")
        .annotate(**_sums(DEPARTMENT_COUNTERS))
        .order_by("department_id")
    )
    if not rows:
        return None
    row = rows[0]
    return DepartmentTally(
        row["department_id"],
        row["department__name"],
        {name: int(row[name] or 0) for name in DEPARTMENT_COUNTERS},
    )


def community_open_expressions() -> dict[str, Any]:
    """A community's cases open now and those overdue on record, whatever day they were
    logged (the rollups' rows with open cases, through their partial index): scalar
    subqueries to select beside the columns of community rows (the maps' colours)."""
    rows = PetitionDay.objects.filter(community=OuterRef("pk"), open__gt=0)
    return {"open_cases": scalar_sum(rows, "open"), "overdue_cases": scalar_sum(rows, "overdue")}
