"""每月通报排队: the monthly ranking of a unit's children on a composite score, with the rank
change against the month before, and the ranking of the departments that served the unit.

A month that has ended is frozen the first time it is ranked (``RankingSnapshot``): the rows,
the weights and the totals are stored, and every later view, print and export of that month
reads them, so a published 通报 never changes when old cases move on. The running month is
computed live with the active ``RankingScheme``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.dashboard.models import (
    DEPARTMENT_RATES,
    UNIT_RATES,
    RankingScheme,
    RankingSnapshot,
)
from orgchart import selectors as org_selectors
from orgchart.models import OrgUnit, User
from orgchart.policy import AnyUser
from petitions.figures import DepartmentTally, Tally, unit_figures

Kind = RankingSnapshot.Kind


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def ranking_month(value: str, today: dt.date) -> dt.date:
    """``2026-11`` → its first day; by default (and for anything else or a month to come) the
    last month that has ended: the month a 通报 is published for."""
    this_month = today.replace(day=1)
    match = MONTH.match(value or "")
    if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        return previous_month(this_month)
    return min(dt.date(int(match[1]), int(match[2]), 1), this_month)


def active_scheme() -> RankingScheme:
    """The active scheme, or the default weights when an admin has set none."""
    return RankingScheme.objects.filter(is_active=True).first() or RankingScheme(name="default")


def composite_score(rates: dict[str, float | None], weights: dict[str, Decimal]) -> float | None:
    """Σ rate × weight over the weights of the rates the row has, in points out of 100; None
    when it has none of them (nothing to rank it on)."""
    used = {name: weight for name, weight in weights.items() if rates.get(name) is not None}
    total = sum(used.values(), Decimal(0))
    if not total:
        return None
    points = sum(Decimal(str(rates[name])) * weight for name, weight in used.items())
    return round(float(points / total * 100), 2)


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best score first; equal scores share a rank (1, 1, 3); rows without a score come last,
    unranked."""
    rows = sorted(rows, key=lambda row: (row["score"] is None, -(row["score"] or 0), row["name"]))
    rank = 0
    previous: float | None = None
    for position, row in enumerate(rows, start=1):
        if row["score"] is None:
            row["rank"] = None
            continue
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    return rows


def _unit_row(unit: OrgUnit, tally: Tally, weights: dict[str, Decimal]) -> dict[str, Any]:
    rates = {name: getattr(tally, name) for name in UNIT_RATES}
    return {
        "id": unit.pk,
        "name": unit.name,
        "received": tally.received,
        "open": tally.open,
        "overdue": tally.overdue,
        "closed": tally.closed,
        **rates,
        "score": composite_score(rates, weights),
    }


def _department_row(row: DepartmentTally, weights: dict[str, Decimal]) -> dict[str, Any]:
    rating = row.average_rating
    rates = {
        "on_time_report_rate": row.on_time_report_rate,
        "completion_rate": row.completion_rate,
        "rating_rate": round(rating / 5, 4) if rating is not None else None,
    }
    return {
        "id": row.department_id,
        "name": row.name,
        "dispatches": row.dispatches,
        "return_rate": row.return_rate,
        "average_rating": rating,
        **rates,
        "score": composite_score(rates, weights),
    }


def _compute(
    user: AnyUser, unit: OrgUnit, first: dt.date, scheme: RankingScheme
) -> dict[str, tuple[dict[str, Decimal], list[dict[str, Any]]]]:
    children = list(org_selectors.orgunit_children(user=user, unit=unit))
    figures = unit_figures(unit, date_from=first, date_to=next_month(first), children=children)
    unit_weights = scheme.weights(UNIT_RATES)
    department_weights = scheme.weights(DEPARTMENT_RATES)
    return {
        Kind.UNITS: (
            unit_weights,
            _ranked(
                [
                    _unit_row(child, figures.by_child.get(child.pk, Tally.of(None)), unit_weights)
                    for child in children
                ]
            ),
        ),
        Kind.DEPARTMENTS: (
            department_weights,
            _ranked([_department_row(row, department_weights) for row in figures.departments]),
        ),
    }


@dataclass(frozen=True)
class Ranking:
    unit: OrgUnit
    month: dt.date
    kind: str
    weights: dict[str, Any]
    rows: list[dict[str, Any]]
    frozen_at: dt.datetime | None

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


def _frozen(
    user: AnyUser, unit: OrgUnit, first: dt.date, now: dt.datetime
) -> dict[str, RankingSnapshot]:
    """The snapshots of a closed month, frozen now if this is the first time it is ranked."""
    stored = {row.kind: row for row in RankingSnapshot.objects.filter(unit=unit, month=first)}
    if len(stored) == len(Kind.values):
        return stored
    computed = _compute(user, unit, first, active_scheme())
    frozen_by = user if isinstance(user, User) else None
    for kind, (weights, rows) in computed.items():
        if kind in stored:
            continue
        try:
            with transaction.atomic():
                stored[kind] = RankingSnapshot.objects.create(
                    unit=unit,
                    month=first,
                    kind=kind,
                    weights={name: str(value) for name, value in weights.items()},
                    rows=rows,
                    frozen_at=now,
                    frozen_by=frozen_by,
                )
        except IntegrityError:  # frozen meanwhile by another request: that one stands
            stored[kind] = RankingSnapshot.objects.get(unit=unit, month=first, kind=kind)
    return stored


def rankings(
    *, user: AnyUser, unit: OrgUnit, month: dt.date, now: dt.datetime | None = None
) -> dict[str, Ranking]:
    """The units' and the departments' ranking of ``unit`` for ``month`` (any day of it), each
    row with ``change``: places gained (+) or lost (−) against the month before (None when it
    was not ranked then). The caller decides whether the user sees the unit."""
    now = now or timezone.now()
    first = month_start(month)
    today = timezone.localtime(now).date()
    current = _month_rows(user, unit, first, today, now)
    before = _month_rows(user, unit, previous_month(first), today, now)
    result: dict[str, Ranking] = {}
    for kind, (weights, rows, frozen_at) in current.items():
        earlier = {row["id"]: row.get("rank") for row in before[kind][1]}
        for row in rows:
            was = earlier.get(row["id"])
            row["change"] = was - row["rank"] if was is not None and row["rank"] else None
        result[kind] = Ranking(unit, first, kind, weights, rows, frozen_at)
    return result


def _month_rows(
    user: AnyUser, unit: OrgUnit, first: dt.date, today: dt.date, now: dt.datetime
) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]], dt.datetime | None]]:
    if next_month(first) <= today:  # the month has ended: its frozen ranking
        return {
            kind: (snapshot.weights, [dict(row) for row in snapshot.rows], snapshot.frozen_at)
            for kind, snapshot in _frozen(user, unit, first, now).items()
        }
    return {
        kind: (weights, rows, None)
        for kind, (weights, rows) in _compute(user, unit, first, active_scheme()).items()
    }
