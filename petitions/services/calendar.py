"""The working-day calendar (DESIGN §5): years filled in from the chinesecalendar package or
by hand, and the days that differ from Monday–Friday. Every write is audited. The calendar
belongs to no unit: administrators keep it (``calendar.change``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import NotAllowed
from governance.models import AuditEvent
from orgchart import policy
from orgchart.policy import AnyUser
from petitions.calendar import SeededYear, calendar_seed_year
from petitions.models import CalendarDay, CalendarYear


def _require_admin(actor: AnyUser) -> None:
    if not policy.role_may(actor, "calendar.change", None):
        raise NotAllowed(_("Only administrators keep the working-day calendar."))


@transaction.atomic
def calendar_year_add(*, actor: AnyUser, year: int, source: str = "") -> CalendarYear:
    """Add ``year`` to the calendar: with a ``source``, as entered by hand (its days are
    entered as calendar days); without, filled in from the chinesecalendar package."""
    _require_admin(actor)
    source = source.strip()
    if source:
        row = CalendarYear.objects.create(year=year, source=source)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=row,
            changes={"year": row.year, "source": source},
        )
        return row
    seeded = calendar_seed_year(year)
    row = CalendarYear.objects.get(year=year)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=row,
        changes={
            "year": row.year,
            "source": row.source,
            "holidays": seeded.holidays,
            "make_up_days": seeded.make_up_days,
        },
    )
    return row


@transaction.atomic
def calendar_year_fill(*, actor: AnyUser, year: int) -> SeededYear:
    """Fill ``year`` in from the chinesecalendar package; days already recorded (also those
    edited by hand) stay as they are. Idempotent. A year the package does not know yet is
    left as it is (``covered`` False) and nothing is audited."""
    _require_admin(actor)
    seeded = calendar_seed_year(year)
    if seeded.covered:
        row = CalendarYear.objects.get(year=year)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=row,
            changes={
                "filled_in_from": row.source,
                "holidays": seeded.holidays,
                "make_up_days": seeded.make_up_days,
            },
        )
    return seeded


@transaction.atomic
def calendar_day_save(
    *,
    actor: AnyUser,
    day: CalendarDay | None,
    date: dt.date,
    is_working_day: bool,
    name: str = "",
) -> CalendarDay:
    """Record a day that differs from Monday–Friday (a holiday on a weekday, a make-up
    working day on a weekend), or change one (``day``; its date stays). Deadlines already set
    keep their due times; new clocks count with the change. No change, no audit row."""
    _require_admin(actor)
    if day is None:
        day = CalendarDay.objects.create(date=date, is_working_day=is_working_day, name=name)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=day,
            changes={"date": day.date, "is_working_day": is_working_day, "name": name},
        )
        return day
    changes = {
        field: value
        for field, value in (("is_working_day", is_working_day), ("name", name))
        if getattr(day, field) != value
    }
    if changes:
        CalendarDay.objects.filter(pk=day.pk).update(**changes)
        day.refresh_from_db()
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=day, changes=changes)
    return day


@transaction.atomic
def calendar_day_delete(*, actor: AnyUser, day: CalendarDay) -> None:
    """Remove a wrongly entered day (the date falls back to Monday–Friday)."""
    _require_admin(actor)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=day,
        changes={"date": day.date, "is_working_day": day.is_working_day, "name": day.name},
    )
    day.delete()
