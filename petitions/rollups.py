"""Rollups of petitions and whistles for the dashboards (DESIGN §10).

One row per (community, day logged, category, channel) counts the petitions logged there that
day *as they stand now* (``PetitionDay``), and one row per (department, community, day
whistled) counts the whistles (``DepartmentDay``). Each counter is declared once, as a ``Q``
on the petition's (or dispatch's) own columns:

* the transition hook (``on_transition`` of the workflow core) evaluates the counters on the
  row before and after the step, in Python (``matches``), and adds the difference to the key's
  row in the same transaction, so a figure is exactly as committed as the step;
* ``recompute`` counts the same ``Q`` in SQL from the source rows, compares, repairs and
  reports any drift (the nightly check, ``manage.py check_rollups``).

The counters are cohort counters: "closed" on the row of 2026-11-03 is the number of the
petitions logged that day that are closed now, so the figures of a period are those of the
petitions logged in it, like ``selectors.petition_figures``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from governance.database import add_counts
from governance.workflow import Transitioned, on_transition
from petitions.models import (
    OPEN_DISPATCH_STATUSES,
    OPEN_STATUSES,
    SATISFIED_LEVELS,
    DepartmentDay,
    Dispatch,
    DispatchStatus,
    Petition,
    PetitionDay,
    Status,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counter:
    """A counter: the rows that count (``when``), each counting 1, or the value of ``add``."""

    when: Q
    add: str = ""

    @cached_property
    def holds(self) -> Predicate:
        """``matches(self.when, …)``, compiled once (the sweep asks it of thousands of rows)."""
        return _compile(self.when)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The row's fields the counter reads: it cannot move unless one of them changed."""
        return tuple(sorted({*_fields_of(self.when), *([self.add] if self.add else [])}))


PETITION_COUNTERS: dict[str, Counter] = {
    "received": Counter(Q()),
    "responded": Counter(~Q(status=Status.SUBMITTED)),
    "rejected": Counter(Q(status=Status.REJECTED)),
    "accepted": Counter(Q(accepted_at__isnull=False)),
    "accepted_on_time": Counter(Q(accepted_at__isnull=False, late_accept=False)),
    "open": Counter(Q(status__in=OPEN_STATUSES)),
    "overdue": Counter(Q(status__in=OPEN_STATUSES, overdue_since__isnull=False)),
    "closed": Counter(Q(status=Status.CLOSED)),
    "closed_first_time": Counter(
        Q(status=Status.CLOSED, unsatisfied_count=0, reopen_count=0, escalation_level=0)
    ),
    "closed_on_time": Counter(Q(status=Status.CLOSED, late_accept=False, late_resolve=False)),
    "evaluated": Counter(~Q(satisfaction="")),
    "satisfied": Counter(Q(satisfaction__in=SATISFIED_LEVELS)),
    "escalated_1": Counter(Q(escalation_level=1)),
    "escalated_2": Counter(Q(escalation_level=2)),
    "escalated_3": Counter(Q(escalation_level__gte=3)),
    "repeat": Counter(Q(is_repeat=True)),
    "complex": Counter(~Q(complexity="")),
    "supervised": Counter(Q(is_supervised=True)),
}

DEPARTMENT_COUNTERS: dict[str, Counter] = {
    "dispatches": Counter(Q()),
    "open": Counter(Q(status__in=OPEN_DISPATCH_STATUSES)),
    "reported": Counter(Q(reported_at__isnull=False)),
    "reported_on_time": Counter(Q(reported_at__isnull=False, late_report=False)),
    "completed": Counter(Q(status=DispatchStatus.COMPLETED)),
    "completed_on_time": Counter(
        Q(status=DispatchStatus.COMPLETED, late_report=False, late_complete=False)
    ),
    "returned": Counter(Q(status=DispatchStatus.RETURNED)),
    "rated": Counter(Q(rating__isnull=False)),
    "rating_sum": Counter(Q(rating__isnull=False), add="rating"),
}


# --- Evaluating a counter on one row -----------------------------------------------------------


Predicate = Callable[[Any], bool]


def _lookup(lookup: str, expected: Any) -> Predicate:
    name, _, operator = lookup.partition("__")

    def value(obj: Any) -> Any:
        found = getattr(obj, name)
        return found.pk if isinstance(found, models.Model) else found  # a related object: keys

    if operator in ("", "exact"):
        return lambda obj: bool(value(obj) == expected)
    if operator == "in":
        return lambda obj: value(obj) in expected
    if operator == "isnull":
        wanted = bool(expected)
        return lambda obj: (value(obj) is None) is wanted
    if operator == "gte":

        def at_least(obj: Any) -> bool:
            found = value(obj)
            return found is not None and found >= expected

        return at_least
    raise ValueError(f"unsupported lookup in a counter: {lookup}")


def _fields_of(condition: Q) -> set[str]:
    return {
        name
        for child in condition.children
        for name in (
            _fields_of(child)
            if isinstance(child, Q)
            else {cast(tuple[str, Any], child)[0].partition("__")[0]}
        )
    }


def _compile(condition: Q) -> Predicate:
    """``condition`` as a Python function of a row (plain calls, no generators: the sweep
    evaluates it on thousands of rows)."""
    parts = tuple(
        _compile(child) if isinstance(child, Q) else _lookup(*cast(tuple[str, Any], child))
        for child in condition.children
    )
    combined: Predicate
    if len(parts) == 1:
        combined = parts[0]
    elif condition.connector == Q.OR:

        def any_part(obj: Any) -> bool:
            for part in parts:  # noqa: SIM110 - a plain loop: no generator for each row
                if part(obj):
                    return True
            return False

        combined = any_part
    else:

        def every_part(obj: Any) -> bool:
            for part in parts:  # noqa: SIM110 - a plain loop: no generator for each row
                if not part(obj):
                    return False
            return True

        combined = every_part
    if condition.negated:
        return lambda obj: not combined(obj)
    return combined


def matches(condition: Q, obj: Any) -> bool:
    """Whether ``obj`` satisfies ``condition`` (the lookups counters use: exact, in, isnull,
    gte; AND, OR, NOT), in Python, with the same meaning as in SQL for non-null columns."""
    return _compile(condition)(obj)


def contribution(counters: Mapping[str, Counter], obj: Any) -> dict[str, int]:
    """What one row adds to each counter (nothing for ``None``: before a creation)."""
    if obj is None:
        return dict.fromkeys(counters, 0)
    return {
        name: (int(getattr(obj, counter.add) or 0) if counter.add else 1)
        if counter.holds(obj)
        else 0
        for name, counter in counters.items()
    }


# --- Keeping the rows --------------------------------------------------------------------------


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def petition_key(petition: Petition) -> dict[str, Any]:
    return {
        "community_id": petition.community_id,
        "day": local_day(petition.created_at),
        "category": petition.category,
        "channel": petition.channel,
    }


def dispatch_key(dispatch: Dispatch, community_id: int) -> dict[str, Any]:
    return {
        "department_id": dispatch.department_id,
        "community_id": community_id,
        "day": local_day(dispatch.dispatched_at),
    }


def _add(model: type[models.Model], key: dict[str, Any], delta: dict[str, int]) -> None:
    changes = {name: F(name) + amount for name, amount in delta.items() if amount}
    if not changes:
        return
    manager = model._default_manager
    if manager.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            manager.create(**key, **delta)
    except IntegrityError:  # created meanwhile by a concurrent step: add to it
        manager.filter(**key).update(**changes)


_READ: dict[int, tuple[Mapping[str, Counter], frozenset[str]]] = {}


def _read_by(counters: Mapping[str, Counter]) -> frozenset[str]:
    """Every field some counter of ``counters`` reads (kept per table of counters)."""
    known = _READ.get(id(counters))
    if known is None or known[0] is not counters:
        fields = frozenset(field for counter in counters.values() for field in counter.fields)
        known = _READ[id(counters)] = (counters, fields)
    return known[1]


def _moved(counters: Mapping[str, Counter], before: Any, after: Any) -> dict[str, int]:
    if before is None:
        return contribution(counters, after)
    # Only the counters that read a field the step changed can move.
    different = {
        field for field in _read_by(counters) if getattr(before, field) != getattr(after, field)
    }
    changed = {
        name: counter
        for name, counter in counters.items()
        if not different.isdisjoint(counter.fields)
    }
    old, new = contribution(changed, before), contribution(changed, after)
    return {name: new[name] - old[name] if name in changed else 0 for name in counters}


def petition_changed(before: Petition | None, after: Petition) -> None:
    """Move the counters of ``after``'s key by what the step changed (the key never changes:
    community, day, category and channel are fixed at intake)."""
    _add(PetitionDay, petition_key(after), _moved(PETITION_COUNTERS, before, after))


def dispatch_changed(before: Dispatch | None, after: Dispatch, *, community_id: int) -> None:
    _add(
        DepartmentDay,
        dispatch_key(after, community_id),
        _moved(DEPARTMENT_COUNTERS, before, after),
    )


PETITION_KEY = ("community_id", "day", "category", "channel")
DEPARTMENT_KEY = ("department_id", "community_id", "day")


@dataclass
class Changes:
    """The counters a batch of steps moves, summed per rollup row, written by ``apply`` in
    one statement per table (``governance.database.add_counts``)."""

    petitions: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)
    departments: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)

    @staticmethod
    def _sum(
        into: dict[tuple[Any, ...], dict[str, int]], key: tuple[Any, ...], delta: dict[str, int]
    ) -> None:
        row = into.setdefault(key, {})
        for name, amount in delta.items():
            if amount:
                row[name] = row.get(name, 0) + amount

    def petition(self, before: Petition | None, after: Petition) -> None:
        key = petition_key(after)
        self._sum(
            self.petitions,
            tuple(key[name] for name in PETITION_KEY),
            _moved(PETITION_COUNTERS, before, after),
        )

    def dispatch(self, before: Dispatch | None, after: Dispatch, *, community_id: int) -> None:
        key = dispatch_key(after, community_id)
        self._sum(
            self.departments,
            tuple(key[name] for name in DEPARTMENT_KEY),
            _moved(DEPARTMENT_COUNTERS, before, after),
        )

    def apply(self) -> None:
        add_counts(PetitionDay, PETITION_KEY, self.petitions)
        add_counts(DepartmentDay, DEPARTMENT_KEY, self.departments)


def on_step(record: Transitioned) -> None:
    """The workflow core's hook: petitions and dispatches keep their rollups."""
    after = record.after
    if isinstance(after, Petition):
        petition_changed(record.before, after)
    elif isinstance(after, Dispatch):
        dispatch_changed(record.before, after, community_id=after.petition.community_id)


def on_steps(records: Sequence[Transitioned]) -> None:
    """``on_step`` for a batch of steps (``governance.workflow.transition_many``): the same
    differences, summed per rollup row and added in one statement per table."""
    changes = Changes()
    for record in records:
        after = record.after
        if isinstance(after, Petition):
            changes.petition(record.before, after)
        elif isinstance(after, Dispatch):
            changes.dispatch(record.before, after, community_id=after.petition.community_id)
    changes.apply()


def install() -> None:
    on_transition(on_step, batch=on_steps)


# --- The nightly check -------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A rollup row that did not match its source rows (now repaired)."""

    table: str
    key: tuple[Any, ...]
    stored: dict[str, int]
    counted: dict[str, int]


def aggregates(counters: Mapping[str, Counter]) -> dict[str, Any]:
    return {
        name: Sum(counter.add, filter=counter.when)
        if counter.add
        else Count("pk", filter=counter.when)
        for name, counter in counters.items()
    }


def _compare(
    table: str,
    model: type[models.Model],
    key_fields: tuple[str, ...],
    counters: Mapping[str, Counter],
    counted_rows: Iterable[dict[str, Any]],
    stored_rows: Iterable[Any],
) -> list[Drift]:
    counted = {
        tuple(row[name] for name in key_fields): {name: int(row[name] or 0) for name in counters}
        for row in counted_rows
    }
    stored = {tuple(getattr(row, name) for name in key_fields): row for row in stored_rows}
    drifts: list[Drift] = []
    zero = dict.fromkeys(counters, 0)
    for key in sorted(set(counted) | set(stored), key=repr):
        want = counted.get(key, zero)
        row = stored.get(key)
        have = {name: getattr(row, name) for name in counters} if row is not None else zero
        if want == have:
            continue
        drifts.append(Drift(table, key, have, want))
        if row is None:
            model._default_manager.create(**dict(zip(key_fields, key, strict=True)), **want)
        elif want == zero:
            row.delete()
        else:
            model._default_manager.filter(pk=row.pk).update(**want)
    return drifts


@transaction.atomic
def recompute(*, days: Iterable[dt.date] | None = None) -> list[Drift]:
    """Count the rollups of ``days`` (every day when None) again from the petitions and
    dispatches, repair the rows that differ and return what differed."""
    chosen = sorted(set(days)) if days is not None else None
    petitions = Petition.objects.annotate(day=TruncDate("created_at"))
    stored_petition_days = PetitionDay.objects.all()
    dispatches = Dispatch.objects.annotate(
        day=TruncDate("dispatched_at"), community_id=F("petition__community_id")
    )
    stored_department_days = DepartmentDay.objects.all()
    if chosen is not None:
        petitions = petitions.filter(day__in=chosen)
        stored_petition_days = stored_petition_days.filter(day__in=chosen)
        dispatches = dispatches.filter(day__in=chosen)
        stored_department_days = stored_department_days.filter(day__in=chosen)
    petition_key_fields = PETITION_KEY
    department_key_fields = DEPARTMENT_KEY
    drifts = _compare(
        "petition",
        PetitionDay,
        petition_key_fields,
        PETITION_COUNTERS,
        petitions.values(*petition_key_fields).annotate(**aggregates(PETITION_COUNTERS)).order_by(),
        stored_petition_days.select_for_update(),
    )
    drifts += _compare(
        "department",
        DepartmentDay,
        department_key_fields,
        DEPARTMENT_COUNTERS,
        dispatches.values(*department_key_fields)
        .annotate(**aggregates(DEPARTMENT_COUNTERS))
        .order_by(),
        stored_department_days.select_for_update(),
    )
    for drift in drifts:
        logger.warning(
            "rollup drift in %s %s: stored %s, counted %s",
            drift.table,
            drift.key,
            drift.stored,
            drift.counted,
        )
    return drifts


def days_touched(*, since: dt.datetime, until: dt.datetime) -> set[dt.date]:
    """The days (logged or whistled) of the petitions and dispatches that changed in
    [since, until): what the nightly check recomputes."""
    touched = Petition.objects.filter(updated_at__gte=since, updated_at__lt=until)
    days = set(touched.annotate(day=TruncDate("created_at")).values_list("day", flat=True))
    days |= set(
        Dispatch.objects.filter(petition__in=touched.values("pk"))
        .annotate(day=TruncDate("dispatched_at"))
        .values_list("day", flat=True)
    )
    return days


def check_yesterday(*, now: dt.datetime | None = None) -> list[Drift]:
    """The nightly check: recompute the days of what changed yesterday (local time)."""
    today = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return recompute(days=days_touched(since=today - dt.timedelta(days=1), until=today))
