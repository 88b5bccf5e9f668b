"""The working-day calendar: public holidays and 调休 make-up days, and deadline arithmetic.

The database keeps only the days that differ from Monday–Friday (``CalendarDay``) and the
years that are filled in (``CalendarYear``). A year that is not filled in falls back to
Monday–Friday: a deadline is never an error, and the admin shows a warning until the year is
filled in (``calendar_missing_years``). Years are seeded from the chinesecalendar package by
``calendar_seed_year`` (``manage.py seed_calendar``), then editable in the admin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from petitions.models import CalendarDay, CalendarYear, TimeUnit

# Working days are counted from the day after the clock starts; the deadline is the end of
# the last one (a petition accepted on Friday with one working day is due Monday 23:59:59).
END_OF_DAY = dt.time(23, 59, 59)


@dataclass(frozen=True)
class WorkingCalendar:
    """The calendar for a span of dates, read in two queries."""

    overrides: dict[dt.date, bool]
    covered_years: frozenset[int]

    @classmethod
    def load(cls, start: dt.date, end: dt.date) -> WorkingCalendar:
        overrides = dict(
            CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list(
                "date", "is_working_day"
            )
        )
        years = frozenset(
            CalendarYear.objects.filter(year__gte=start.year, year__lte=end.year).values_list(
                "year", flat=True
            )
        )
        return cls(overrides=overrides, covered_years=years)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself when count is 0)."""
        current = day
        remaining = count
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current


def _span_for(amount: int) -> int:
    # Long enough for any run of holidays (the Spring Festival: 8–9 days off in a row).
    return amount * 2 + 21


def calendar_for_clocks(start: dt.datetime, longest: int) -> WorkingCalendar:
    """The calendar every clock started at ``start`` of at most ``longest`` working days
    reads: one load for a batch of clocks that start together (the sweep's)."""
    day = timezone.localtime(start).date()
    return WorkingCalendar.load(day, day + dt.timedelta(days=_span_for(longest)))


def deadline_after(
    start: dt.datetime, amount: int, unit: str, *, calendar: WorkingCalendar | None = None
) -> dt.datetime:
    """When a clock of ``amount`` ``unit`` started at ``start`` runs out (aware datetimes).
    ``calendar``, when given, is ``calendar_for_clocks(start, n)`` with n ≥ ``amount``;
    otherwise the calendar is read for this clock."""
    if unit == TimeUnit.HOURS:
        return start + dt.timedelta(hours=amount)
    local = timezone.localtime(start)
    if unit == TimeUnit.CALENDAR_DAYS:
        day = local.date() + dt.timedelta(days=amount)
    elif unit == TimeUnit.WORKING_DAYS:
        if calendar is None:
            calendar = calendar_for_clocks(start, amount)
        day = calendar.add_working_days(local.date(), amount)
    else:
        raise ValueError(f"unknown time unit {unit!r}")
    return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY), local.tzinfo)


def extend_deadline(due: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """A deadline moved later by an approved extension."""
    return deadline_after(due, amount, unit)


def calendar_missing_years(years: Iterable[int]) -> list[int]:
    """Which of ``years`` fall back to Monday–Friday (no holidays recorded)."""
    wanted = set(years)
    covered = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - covered)


@dataclass(frozen=True)
class SeededYear:
    year: int
    holidays: int
    make_up_days: int
    covered: bool


@transaction.atomic
def calendar_seed_year(year: int) -> SeededYear:
    """Record ``year``'s holidays and 调休 days from the chinesecalendar package.

    Idempotent: days already recorded (also those edited in the admin) are left as they are.
    A year the package does not know is left uncovered (Monday–Friday fallback).
    """
    import chinese_calendar  # the package's import name

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        chinese_calendar.is_workday(start)
        chinese_calendar.is_workday(end)
    except NotImplementedError:
        return SeededYear(year=year, holidays=0, make_up_days=0, covered=False)
    known = set(
        CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    )
    new_days = []
    holidays = make_up = 0
    day = start
    while day <= end:
        working = chinese_calendar.is_workday(day)
        if working != (day.weekday() < 5):
            _, name = chinese_calendar.get_holiday_detail(day)
            if day not in known:
                new_days.append(CalendarDay(date=day, is_working_day=working, name=name or ""))
            if working:
                make_up += 1
            else:
                holidays += 1
        day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(new_days, ignore_conflicts=True)
    version = getattr(chinese_calendar, "__version__", "")
    CalendarYear.objects.get_or_create(
        year=year, defaults={"source": f"chinesecalendar {version}".strip()}
    )
    return SeededYear(year=year, holidays=holidays, make_up_days=make_up, covered=True)
