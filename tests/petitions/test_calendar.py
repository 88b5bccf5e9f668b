"""The working-day calendar and deadline arithmetic: weekends, public holidays and 调休 make-up
days of the real 2026 calendar (seeded by the data migration from chinesecalendar), hours and
calendar days, years the calendar lacks, seeding, and the yellow and red lights."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import chinese_calendar
import pytest
import time_machine
from django.core.management import call_command

from governance.errors import NotAllowed
from governance.models import AuditEvent
from petitions import services
from petitions.calendar import (
    SeededYear,
    calendar_missing_years,
    calendar_seed_year,
    deadline_after,
    extend_deadline,
)
from petitions.models import CalendarDay, CalendarYear, Status, TimeUnit, Track, Urgency
from petitions.selectors import Light, deadline_light, dispatch_light, petition_light
from petitions.services.calendar import (
    calendar_day_delete,
    calendar_day_save,
    calendar_year_add,
)
from tests.petitions.conftest import at, bring_to, log_petition

pytestmark = pytest.mark.usefixtures("english")

WORKING = TimeUnit.WORKING_DAYS
SOURCE = f"chinesecalendar {chinese_calendar.__version__}"


def test_the_migration_seeded_2026_with_its_holidays_and_make_up_days(db) -> None:
    assert CalendarYear.objects.get(year=2026).source == SOURCE
    national_day = CalendarDay.objects.filter(
        date__gte=dt.date(2026, 9, 20), date__lte=dt.date(2026, 10, 10)
    )
    assert list(national_day.values_list("date", "is_working_day", "name")) == [
        (dt.date(2026, 9, 20), True, "National Day"),  # a Sunday worked
        (dt.date(2026, 9, 25), False, "Mid-autumn Festival"),
        (dt.date(2026, 10, 1), False, "National Day"),
        (dt.date(2026, 10, 2), False, "National Day"),
        (dt.date(2026, 10, 5), False, "National Day"),
        (dt.date(2026, 10, 6), False, "National Day"),
        (dt.date(2026, 10, 7), False, "National Day"),
        (dt.date(2026, 10, 10), True, "National Day"),  # a Saturday worked
    ]
    assert CalendarDay.objects.filter(date__year=2026).count() == 25  # 19 holidays, 6 make-up
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- Working days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        # Over a weekend: Friday with one working day is due Monday night.
        (at("2026-11-20", "15:00"), 1, "2026-11-23"),
        (at("2026-11-21", "09:00"), 1, "2026-11-23"),  # from a Saturday
        (at("2026-11-22", "23:00"), 1, "2026-11-23"),  # from a Sunday
        (at("2026-11-18", "00:00"), 1, "2026-11-19"),
        (at("2026-11-18", "10:00"), 0, "2026-11-18"),
        (at("2026-11-18", "10:00"), 7, "2026-11-27"),
        # National Day 2026-10-01..07: the next working day is Thursday 10-08.
        (at("2026-09-30", "16:00"), 1, "2026-10-08"),
        # ... then Friday 10-09, the make-up Saturday 10-10 (调休), Monday 10-12 ...
        (at("2026-09-30", "16:00"), 3, "2026-10-10"),
        (at("2026-09-30", "16:00"), 7, "2026-10-15"),
        (at("2026-10-09", "10:00"), 1, "2026-10-10"),
        # The make-up Sunday 2026-09-20 before it, the Mid-autumn Friday 09-25.
        (at("2026-09-19", "10:00"), 1, "2026-09-20"),
        (at("2026-09-24", "10:00"), 1, "2026-09-28"),
        # The Spring Festival: Saturday 02-14 is worked, then nine days off.
        (at("2026-02-13", "10:00"), 1, "2026-02-14"),
        (at("2026-02-14", "10:00"), 1, "2026-02-24"),
        (at("2026-02-14", "10:00"), 2, "2026-02-25"),
        # A year the calendar lacks (2027) falls back to Monday–Friday: New Year's Day 2027
        # counts as a working day until someone fills the year in.
        (at("2026-12-31", "10:00"), 1, "2027-01-01"),
        (at("2031-01-31", "10:00"), 1, "2031-02-03"),
        (at("2031-01-31", "10:00"), 5, "2031-02-07"),
    ],
)
def test_working_days(start, amount, due, db) -> None:
    assert deadline_after(start, amount, WORKING) == at(due, "23:59:59")


def test_a_day_recorded_by_hand_counts_in_a_year_the_package_lacks(db) -> None:
    CalendarDay.objects.create(date=dt.date(2031, 2, 3), is_working_day=False, name="春节")
    assert deadline_after(at("2031-01-31"), 1, WORKING) == at("2031-02-04", "23:59:59")


def test_deadlines_are_local_days_whatever_the_zone_of_the_start(db) -> None:
    # 2026-11-20 17:00 UTC is already Saturday 01:00 in Shanghai.
    start = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)
    assert deadline_after(start, 1, WORKING) == at("2026-11-23", "23:59:59")


def test_a_working_day_deadline_reads_the_calendar_in_two_queries(
    db, django_assert_num_queries
) -> None:
    with django_assert_num_queries(2):
        deadline_after(at("2026-09-30"), 7, WORKING)
    with django_assert_num_queries(0):
        deadline_after(at("2026-09-30"), 24, TimeUnit.HOURS)
        deadline_after(at("2026-09-30"), 15, TimeUnit.CALENDAR_DAYS)


# --- Hours and calendar days -----------------------------------------------------------------


def test_hours_are_clock_hours(db) -> None:
    friday_evening = at("2026-11-20", "17:00")
    assert deadline_after(friday_evening, 24, TimeUnit.HOURS) == at("2026-11-21", "17:00")
    assert deadline_after(friday_evening, 2, TimeUnit.HOURS) == at("2026-11-20", "19:00")


def test_calendar_days_run_through_holidays(db) -> None:
    assert deadline_after(at("2026-09-30"), 15, TimeUnit.CALENDAR_DAYS) == at(
        "2026-10-15", "23:59:59"
    )
    assert deadline_after(at("2026-09-30"), 60, TimeUnit.CALENDAR_DAYS) == at(
        "2026-11-29", "23:59:59"
    )


def test_an_unknown_unit_is_a_programming_error(db) -> None:
    with pytest.raises(ValueError, match="unknown time unit 'weeks'"):
        deadline_after(at("2026-09-30"), 1, "weeks")


def test_extensions_count_from_the_deadline(db) -> None:
    due = at("2026-09-30", "23:59:59")
    assert extend_deadline(due, 3, WORKING) == at("2026-10-10", "23:59:59")
    assert extend_deadline(due, 30, TimeUnit.CALENDAR_DAYS) == at("2026-10-30", "23:59:59")


# --- The clocks of a petition ----------------------------------------------------------------


def test_a_petition_logged_on_friday_is_accepted_by_monday_night(people, tree) -> None:
    petition = log_petition(people, tree, now=at("2026-11-20", "16:30"))
    assert petition.accept_due_at == at("2026-11-23", "23:59:59")


def test_a_petition_accepted_before_national_day(people, tree) -> None:
    petition = log_petition(people, tree, now=at("2026-09-29", "10:00"))
    assert petition.accept_due_at == at("2026-09-30", "23:59:59")
    accepted = services.petition_accept(
        actor=people.worker, petition=petition, now=at("2026-09-30", "16:00")
    )
    assert accepted.resolve_due_at == at("2026-10-15", "23:59:59")
    # The department's clocks: 24 hours to report, 7 calendar days to complete.
    services.petition_dispatch(
        actor=people.worker, petition=accepted, lead=tree.chengguan, now=at("2026-09-30", "17:00")
    )
    dispatch = accepted.dispatches.get()
    assert dispatch.report_due_at == at("2026-10-01", "17:00")
    reported = services.dispatch_report(
        actor=people.handler, dispatch=dispatch, now=at("2026-10-01", "09:00")
    )
    assert reported.complete_due_at == at("2026-10-08", "23:59:59")


def test_urgent_petitions_run_on_hours(people, tree) -> None:
    petition = log_petition(people, tree, urgency=Urgency.URGENT, now=at("2026-11-20", "17:00"))
    assert petition.accept_due_at == at("2026-11-20", "19:00")
    accepted = services.petition_accept(
        actor=people.worker, petition=petition, now=at("2026-11-20", "18:00")
    )
    assert accepted.resolve_due_at == at("2026-11-24", "23:59:59")  # 2 working days


def test_the_formal_track_runs_on_calendar_days(people, tree) -> None:
    petition = log_petition(people, tree, track=Track.FORMAL, now=at("2026-09-30", "10:00"))
    assert petition.policy.name == "信访事项（信访工作条例）"
    assert petition.accept_due_at == at("2026-10-15", "23:59:59")  # 15 days
    accepted = services.petition_accept(
        actor=people.worker, petition=petition, now=at("2026-10-14", "10:00")
    )
    assert accepted.resolve_due_at == at("2026-12-13", "23:59:59")  # 60 days
    assert accepted.policy.max_extension == 30


def test_a_petition_in_a_year_the_calendar_lacks(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree, now=at("2031-01-31", "10:00"))
    assert petition.number == "2031-000001"
    assert petition.resolve_due_at == at("2031-02-11", "23:59:59")  # Monday–Friday


# --- The calendar's years --------------------------------------------------------------------


def test_missing_years(db) -> None:
    assert calendar_missing_years([2025, 2026, 2027, 2031]) == [2027, 2031]
    assert calendar_missing_years(range(2020, 2027)) == []
    assert calendar_missing_years([]) == []


def test_seeding_a_year_is_idempotent(db) -> None:
    before = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "name"))
    assert calendar_seed_year(2026) == SeededYear(
        year=2026, holidays=19, make_up_days=6, covered=True
    )
    assert calendar_seed_year(2026) == SeededYear(
        year=2026, holidays=19, make_up_days=6, covered=True
    )
    after = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "name"))
    assert after == before


def test_seeding_leaves_days_edited_in_the_admin_alone(db) -> None:
    CalendarDay.objects.filter(date=dt.date(2026, 10, 10)).update(
        is_working_day=False, name="调休取消"
    )
    CalendarDay.objects.create(date=dt.date(2026, 11, 20), is_working_day=False, name="防汛")
    CalendarYear.objects.filter(year=2026).update(source="edited by hand")
    calendar_seed_year(2026)
    assert list(
        CalendarDay.objects.filter(
            date__in=[dt.date(2026, 10, 10), dt.date(2026, 11, 20)]
        ).values_list("date", "is_working_day", "name")
    ) == [
        (dt.date(2026, 10, 10), False, "调休取消"),
        (dt.date(2026, 11, 20), False, "防汛"),
    ]
    assert CalendarYear.objects.get(year=2026).source == "edited by hand"
    assert deadline_after(at("2026-11-19"), 1, WORKING) == at("2026-11-23", "23:59:59")


def test_seeding_fills_in_a_year_again(db) -> None:
    CalendarDay.objects.filter(date__year=2025).delete()
    CalendarYear.objects.filter(year=2025).delete()
    assert calendar_missing_years([2025]) == [2025]
    assert calendar_seed_year(2025) == SeededYear(
        year=2025, holidays=18, make_up_days=5, covered=True
    )
    assert CalendarDay.objects.filter(date__year=2025).count() == 23
    assert CalendarYear.objects.get(year=2025).source == SOURCE
    assert calendar_missing_years([2025]) == []


def test_seeding_a_year_the_package_does_not_know(db) -> None:
    assert calendar_seed_year(2031) == SeededYear(
        year=2031, holidays=0, make_up_days=0, covered=False
    )
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert not CalendarDay.objects.filter(date__year=2031).exists()


def test_the_seed_calendar_command(db) -> None:
    out = StringIO()
    call_command("seed_calendar", "2026", "2031", stdout=out, no_color=True)
    assert out.getvalue() == (
        "2026: 19 holidays, 6 make-up days\n"
        "2031: not in the chinesecalendar package; Monday–Friday until someone fills it in "
        "(admin: working-day calendar)\n"
    )
    assert CalendarDay.objects.filter(date__year=2026).count() == 25


def test_the_seed_calendar_command_defaults_to_the_years_around_today(db) -> None:
    out = StringIO()
    with time_machine.travel(at("2026-11-18"), tick=False):
        call_command("seed_calendar", stdout=out, no_color=True)
    assert out.getvalue().splitlines() == [
        "2025: 18 holidays, 5 make-up days",
        "2026: 19 holidays, 6 make-up days",
        "2027: not in the chinesecalendar package; Monday–Friday until someone fills it in "
        "(admin: working-day calendar)",
    ]


# --- Lights ----------------------------------------------------------------------------------


def test_a_clock_turns_yellow_at_its_threshold_and_red_when_due() -> None:
    started, due = at("2026-11-18", "08:00"), at("2026-11-18", "18:00")

    def light(now: dt.datetime, yellow_at: int = 80) -> str | None:
        return deadline_light(started_at=started, due_at=due, now=now, yellow_at=yellow_at)

    assert light(at("2026-11-18", "15:59")) == Light.GREEN
    assert light(at("2026-11-18", "16:00")) == Light.YELLOW  # 80 % of ten hours
    assert light(at("2026-11-18", "17:59")) == Light.YELLOW
    assert light(at("2026-11-18", "18:00")) == Light.RED
    assert light(at("2026-11-18", "12:59"), yellow_at=50) == Light.GREEN
    assert light(at("2026-11-18", "13:00"), yellow_at=50) == Light.YELLOW
    assert deadline_light(started_at=None, due_at=due, now=started) == Light.GREEN
    assert deadline_light(started_at=started, due_at=None, now=started) is None


def test_the_lights_of_a_petition_and_its_dispatch(people, tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)  # resolve by 2026-11-27 23:59:59
    assert petition_light(petition, now=at("2026-11-19")) == Light.GREEN
    assert petition_light(petition, now=at("2026-11-26")) == Light.YELLOW
    assert petition_light(petition, now=at("2026-11-28")) == Light.RED
    dispatch = petition.dispatches.select_related("petition__policy").get()
    assert dispatch_light(dispatch, now=at("2026-11-19", "05:00")) == Light.GREEN
    assert dispatch_light(dispatch, now=at("2026-11-19", "05:12")) == Light.YELLOW  # 19.2 of 24 h
    assert dispatch_light(dispatch, now=at("2026-11-19", "10:00")) == Light.RED
    replied = bring_to(Status.REPLIED, people, tree)
    assert petition_light(replied, now=at("2026-12-31")) is None  # no clock runs


# --- Calendar writes (the admin calls these services) -----------------------------------------


def test_only_an_administrator_keeps_the_calendar(people) -> None:
    day = dt.date(2031, 3, 3)
    for actor in (people.worker, people.official, people.handler):
        with pytest.raises(NotAllowed):
            calendar_day_save(actor=actor, day=None, date=day, is_working_day=False, name="假日")
        with pytest.raises(NotAllowed):
            calendar_year_add(actor=actor, year=2031, source="手工录入")
    assert not CalendarDay.objects.filter(date=day).exists()
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_a_calendar_day_is_added_changed_and_deleted_with_its_audit_rows(people) -> None:
    admin = people.street_admin
    day = calendar_day_save(
        actor=admin, day=None, date=dt.date(2031, 3, 3), is_working_day=False, name="假日"
    )
    # Saving it unchanged writes nothing.
    calendar_day_save(actor=admin, day=day, date=day.date, is_working_day=False, name="假日")
    calendar_day_save(actor=admin, day=day, date=day.date, is_working_day=False, name="植树节")
    calendar_day_delete(actor=admin, day=CalendarDay.objects.get(pk=day.pk))
    rows = AuditEvent.objects.filter(object_type="petitions.CalendarDay").order_by("id")
    assert [(row.action, row.changes) for row in rows] == [
        ("create", {"date": "2031-03-03", "is_working_day": False, "name": "假日"}),
        ("update", {"name": "植树节"}),
        ("delete", {"date": "2031-03-03", "is_working_day": False, "name": "植树节"}),
    ]
    assert not CalendarDay.objects.filter(date=dt.date(2031, 3, 3)).exists()
