"""The activity pages: the month calendar (bounds, scope, bad months, export, query count),
announcing an activity (valid, 400, 403), sign-up and cancel (full, closed, reruns), check-in
with hours and its points, the participants' export, 404 outside scope and pinned query
counts. The clock: Wednesday 2026-11-18 10:00 Asia/Shanghai; Saturday is 2026-11-21."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils.translation import override

from orgchart.models import OrgUnit, User
from tests.conftest import Personas, Tree, client_for, make_user
from tests.factories import ActivityFactory
from tests.helpers import frozen_at
from tests.volunteers.conftest import NOW, SHANGHAI, VolunteerWorld, volunteer_with_account
from volunteers import services
from volunteers.forms import parse_month
from volunteers.forms.activities import next_saturday, parse_day
from volunteers.models import Activity, PointEntry, PointRule, Signup, Volunteer
from volunteers.views import activities as activity_views

pytestmark = pytest.mark.django_db

SATURDAY = dt.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)
HOUR = dt.timedelta(hours=1)
CALENDAR = reverse("volunteers:activities")
NEW = reverse("volunteers:activity_new")
# Every page: the session, the user with its anchor, the idle-timeout session save (3 here: the
# test's transaction wraps the UPDATE in a savepoint); staff pages add the navbar's unread
# notification count.
BASE_QUERIES = 5


frozen = frozen_at(NOW)


def announce(
    unit: OrgUnit,
    *,
    title: str = "周六志愿服务日",
    starts_at: dt.datetime = SATURDAY,
    hours: float = 2,
    capacity: int = 10,
    created_by: User | None = None,
) -> Activity:
    """An activity of ``unit`` at 社区广场, announced by the system for ``created_by`` (default:
    the community worker)."""
    return ActivityFactory.create(
        unit=unit,
        title=title,
        starts_at=starts_at,
        hours=hours,
        capacity=capacity,
        place="社区广场",
        created_by=created_by or User.objects.get(username="worker"),
    )


def client_en(user: User) -> Any:
    """A client whose pages (and the services' messages) are in English."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_url(activity: Activity, name: str = "activity") -> str:
    return reverse(f"volunteers:{name}", args=[activity.pk])


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def xlsx_cells(response: Any) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    return [cell for row in book.active.iter_rows(values_only=True) for cell in row]


def calendar_ids(response: Any) -> list[int]:
    return [
        row.activity.pk for week in response.context["weeks"] for day in week for row in day.rows
    ]


# --- Helpers -----------------------------------------------------------------------------------


def test_months_and_saturdays_parse() -> None:
    assert parse_month("2026-11") == (2026, 11)
    assert parse_month(" 2026-1 ") == (2026, 1)
    for bad in ("", "2026-13", "2026-00", "1999-05", "2026-11-05", "abc", "2026/11"):
        assert parse_month(bad) is None
    assert parse_day("2026-11-21") == dt.date(2026, 11, 21)
    assert [parse_day(bad) for bad in ("", "2026-02-30", "x")] == [None, None, None]
    assert next_saturday(dt.date(2026, 11, 18)) == dt.date(2026, 11, 21)  # a Wednesday
    assert next_saturday(dt.date(2026, 11, 21)) == dt.date(2026, 11, 28)  # a Saturday
    assert next_saturday(dt.date(2026, 11, 22)) == dt.date(2026, 11, 28)  # a Sunday


# --- The calendar ------------------------------------------------------------------------------


def test_the_calendar_holds_the_month_monday_first_with_today(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    inside = [
        announce(
            tree.guangming, title="月初", starts_at=dt.datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)
        ),
        announce(tree.guangming, title="周六"),
        announce(
            tree.guangming,
            title="月末",
            starts_at=dt.datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI),
        ),
    ]
    announce(
        tree.guangming, title="十月", starts_at=dt.datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI)
    )
    announce(
        tree.guangming, title="十二月", starts_at=dt.datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
    )
    response = client_for(people.volunteer).get(CALENDAR, {"month": "2026-11"})
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert [day.day for day in weeks[0]] == [
        dt.date(2026, 10, 26) + dt.timedelta(days=offset) for offset in range(7)
    ]
    assert weeks[0][0].day.weekday() == 0  # Monday first
    assert weeks[-1][-1].day == dt.date(2026, 12, 6)
    assert [day.day for week in weeks for day in week if day.is_today] == [dt.date(2026, 11, 18)]
    assert calendar_ids(response) == [activity.pk for activity in inside]
    by_day = {day.day: [row.activity.title for row in day.rows] for day in response.context["days"]}
    assert by_day == {  # a phone's list: the days with activities, and today
        dt.date(2026, 11, 1): ["月初"],
        dt.date(2026, 11, 18): [],
        dt.date(2026, 11, 21): ["周六"],
        dt.date(2026, 11, 30): ["月末"],
    }
    html = response.content.decode()
    assert 'data-testid="month-grid"' in html
    assert 'data-testid="day-list"' in html
    assert 'data-testid="today-empty"' in html
    assert html.count('class="activity-day-cell is-today') == 1
    assert response.context["previous_link"] == "?month=2026-10"
    assert response.context["next_link"] == "?month=2026-12"
    december = client_for(people.volunteer).get(CALENDAR, {"month": "2026-12"})
    assert [row.activity.title for day in december.context["days"] for row in day.rows] == [
        "十二月"
    ]
    assert december.context["is_current_month"] is False


def test_a_volunteer_sees_their_community_and_the_units_above_with_their_sign_ups(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    own = announce(tree.guangming, title="光明社区服务日")
    street = announce(tree.east, title="东城街道主题日", starts_at=SATURDAY + HOUR)
    district = announce(tree.district, title="云阳区志愿日", starts_at=SATURDAY + 2 * HOUR)
    announce(tree.heping, title="和平社区服务日")
    announce(tree.xinhua, title="新华社区服务日", created_by=people.other_worker)
    services.activity_sign_up(actor=people.volunteer, activity=street)

    response = client_for(people.volunteer).get(CALENDAR)
    assert calendar_ids(response) == [own.pk, street.pk, district.pk]
    rows = {row.activity.pk: row for day in response.context["days"] for row in day.rows}
    assert [rows[pk].mine for pk in (own.pk, street.pk, district.pk)] == [False, True, False]
    assert (rows[street.pk].taken, rows[street.pk].activity.capacity) == (1, 10)
    html = response.content.decode()
    assert "和平社区服务日" not in html
    assert "新华社区服务日" not in html
    assert html.count('data-testid="signed-up"') == 1
    assert 'data-testid="new-activity"' not in html  # a volunteer announces nothing

    # The street's official sees both of its communities' activities and the district's.
    official = client_for(people.official).get(CALENDAR)
    assert len(calendar_ids(official)) == 4
    assert 'data-testid="new-activity"' in official.content.decode()
    # Narrowed to one community: its own activities only.
    heping = client_for(people.official).get(CALENDAR, {"unit": tree.heping.pk})
    assert [row.activity.title for day in heping.context["days"] for row in day.rows] == [
        "和平社区服务日"
    ]
    assert heping.context["next_link"] == f"?month=2026-12&unit={tree.heping.pk}"
    # A unit outside the official's area is a 404, as on the register pages.
    outside = client_for(people.official).get(CALENDAR, {"unit": tree.xinhua.pk})
    assert outside.status_code == 404


def test_an_outsider_sees_none_of_the_activities(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming)
    other = client_for(people.other_worker)
    response = other.get(CALENDAR)
    assert response.status_code == 200
    assert calendar_ids(response) == []
    assert 'data-testid="activities-empty"' in response.content.decode()
    assert other.get(page_url(activity)).status_code == 404
    # Handlers have no volunteer pages at all.
    assert client_for(people.handler).get(CALENDAR).status_code == 403
    assert client_for(people.handler).get(page_url(activity)).status_code == 403


def test_a_bad_month_falls_back_to_the_current_one(
    people: Personas, vworld: VolunteerWorld
) -> None:
    client = client_for(people.volunteer)
    for value in ("", "2026-13", "abc", "1999-01", "2026-11-05", "99999-1"):
        response = client.get(CALENDAR, {"month": value})
        assert response.status_code == 200
        assert response.context["month_start"] == dt.date(2026, 11, 1)
        assert response.context["is_current_month"] is True
    january = client.get(CALENDAR, {"month": "2027-01"})
    assert january.context["month_start"] == dt.date(2027, 1, 1)
    assert january.context["previous_link"] == "?month=2026-12"
    assert january.context["current_link"] == "?month=2026-11"


def test_the_calendar_exports_the_month(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    announce(tree.guangming, title="十一月服务日")
    announce(tree.east, title="街道主题日", starts_at=SATURDAY + 7 * 24 * HOUR)
    announce(tree.guangming, title="十二月服务日", starts_at=SATURDAY + 14 * 24 * HOUR)
    worker = client_for(people.worker)
    response = worker.get(CALENDAR, {"month": "2026-11", "format": "xlsx"})
    assert response.status_code == 200
    cells = xlsx_cells(response)
    assert "十一月服务日" in cells
    assert "街道主题日" in cells
    assert "十二月服务日" not in cells
    december = worker.get(CALENDAR, {"month": "2026-12", "format": "csv"})
    assert december.status_code == 200
    text = december.getvalue().decode("utf-8-sig")
    assert "十二月服务日" in text
    assert "十一月服务日" not in text
    assert worker.get(CALENDAR, {"format": "pdf"}).status_code == 404


@pytest.mark.parametrize(
    ("user_name", "own", "shown"),
    [
        ("volunteer", 1, 7),  # the month's activities
        ("worker", 2, 7),  # unread notifications, the month's activities
        ("official", 3, 9),  # unread notifications, the unit filter's choices, the activities
    ],
)
def test_the_calendar_costs_the_same_for_one_activity_and_many(
    tree: Tree,
    people: Personas,
    vworld: VolunteerWorld,
    django_assert_num_queries: Any,
    user_name: str,
    own: int,
    shown: int,
) -> None:
    client = client_for(getattr(people, user_name))
    first = announce(tree.guangming)
    services.activity_sign_up(actor=people.volunteer, activity=first)
    with django_assert_num_queries(BASE_QUERIES + own):
        assert client.get(CALENDAR).status_code == 200
    for number in range(8):
        unit = (tree.guangming, tree.east, tree.heping)[number % 3]
        activity = announce(unit, title=f"活动{number}", starts_at=SATURDAY + number * 24 * HOUR)
        if unit != tree.heping:
            services.activity_sign_up(actor=people.volunteer, activity=activity)
    with django_assert_num_queries(BASE_QUERIES + own):
        response = client.get(CALENDAR)
    assert len(calendar_ids(response)) == shown  # 和平社区's are the official's only


def test_a_crowded_month_shows_the_first_activities_and_says_so(
    tree: Tree, people: Personas, vworld: VolunteerWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activity_views, "CALENDAR_LIMIT", 2)
    first, second, _third = (
        announce(tree.guangming, title=f"活动{number}", starts_at=SATURDAY + number * HOUR)
        for number in range(3)
    )
    worker = client_for(people.worker)
    response = worker.get(CALENDAR)
    assert calendar_ids(response) == [first.pk, second.pk]
    assert response.context["truncated"] is True
    assert 'data-testid="calendar-truncated"' in response.content.decode()
    # The export holds the whole month.
    cells = xlsx_cells(worker.get(CALENDAR, {"format": "xlsx"}))
    assert {"活动0", "活动1", "活动2"} <= set(cells)


# --- Announcing an activity --------------------------------------------------------------------


def form_data(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "垃圾分类宣传",
        "kind": Activity.Kind.THEME_DAY,
        "theme": "垃圾分类",
        "day": "2026-11-21",
        "starts_at": "09:00",
        "ends_at": "11:30",
        "place": "光明社区党群服务中心",
        "capacity": "15",
    }
    data.update(changes)
    return data


def test_the_worker_announces_an_activity_of_their_community(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    worker = client_for(people.worker)
    page = worker.get(NEW)
    assert page.status_code == 200
    assert "unit" not in page.context["form"].fields  # fixed to the community
    assert page.context["fixed_unit"] == tree.guangming
    assert page.context["form"].initial["day"] == dt.date(2026, 11, 21)  # the coming Saturday
    assert worker.get(NEW, {"day": "2026-11-25"}).context["form"].initial["day"] == dt.date(
        2026, 11, 25
    )

    response = worker.post(NEW, form_data())
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(activity)
    assert (
        activity.unit,
        activity.title,
        activity.kind,
        activity.theme,
        activity.place,
        activity.starts_at,
        activity.ends_at,
        activity.capacity,
        activity.created_by,
        activity.is_cancelled,
    ) == (
        tree.guangming,
        "垃圾分类宣传",
        Activity.Kind.THEME_DAY,
        "垃圾分类",
        "光明社区党群服务中心",
        SATURDAY,
        SATURDAY + dt.timedelta(hours=2, minutes=30),
        15,
        people.worker,
        False,
    )
    detail = worker.get(page_url(activity))
    assert detail.status_code == 200
    assert "垃圾分类宣传" in detail.content.decode()


def test_the_official_chooses_among_the_units_of_the_street(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    official = client_for(people.official)
    page = official.get(NEW)
    choices = list(page.context["form"].fields["unit"].queryset)
    assert choices == [tree.east, tree.guangming, tree.heping]
    outside = official.post(NEW, form_data(unit=tree.xinhua.pk))
    assert outside.status_code == 400
    assert outside.context["form"].errors["unit"]
    assert official.post(NEW, form_data(unit=tree.heping.pk)).status_code == 302
    activity = Activity.objects.get()
    assert (activity.unit, activity.created_by) == (tree.heping, people.official)


def test_bad_input_is_a_400_with_field_messages_and_nothing_written(
    people: Personas, vworld: VolunteerWorld
) -> None:
    worker = client_for(people.worker)
    cases = {
        "title": form_data(title="  "),
        "ends_at": form_data(starts_at="11:00", ends_at="10:00"),
        "starts_at": form_data(day="2026-11-18", starts_at="09:00", ends_at="12:00"),
        "capacity": form_data(capacity="0"),
        "day": form_data(day="2026-02-30"),
        "kind": form_data(kind="party"),
    }
    for field, data in cases.items():
        response = worker.post(NEW, data)
        assert response.status_code == 400, field
        assert list(response.context["form"].errors) == [field], field
    response = client_en(people.worker).post(NEW, form_data(starts_at="11:00", ends_at="11:00"))
    assert "An activity ends after it starts." in response.content.decode()
    with override("en"):
        assert response.context["form"].errors["ends_at"] == ["An activity ends after it starts."]
    assert 'data-testid="form-errors"' in response.content.decode()
    assert Activity.objects.count() == 0


def test_roles_that_do_not_organise_get_403(people: Personas, vworld: VolunteerWorld) -> None:
    for user in (people.grid, people.volunteer):
        client = client_for(user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, form_data()).status_code == 403
    assert client_for(people.handler).get(NEW).status_code == 403  # no volunteer pages
    assert Activity.objects.count() == 0
    grid_calendar = client_for(people.grid).get(CALENDAR).content.decode()
    assert 'data-testid="new-activity"' not in grid_calendar


# --- Sign-up and cancel ------------------------------------------------------------------------


def current_signups(activity: Activity) -> list[tuple[int, Any]]:
    return list(
        Signup.objects.filter(activity=activity, cancelled_at__isnull=True)
        .order_by("id")
        .values_list("volunteer_id", "signed_up_at")
    )


def test_the_volunteer_signs_up_reruns_and_cancels(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.east)
    volunteer = client_en(people.volunteer)
    page = volunteer.get(page_url(activity))
    assert page.context["sign_up_open"] is True
    assert 'data-testid="sign-up"' in page.content.decode()

    response = volunteer.post(page_url(activity, "activity_sign_up"), follow=True)
    assert messages_of(response) == ["You are signed up. See you there!"]
    assert current_signups(activity) == [(vworld.me.pk, NOW)]
    html = response.content.decode()
    assert 'data-testid="signed-up"' in html
    assert 'data-testid="cancel-sign-up"' in html
    assert response.context["row"].taken == 1

    again = volunteer.post(page_url(activity, "activity_sign_up"), follow=True)
    assert messages_of(again) == ["You were already signed up."]
    assert current_signups(activity) == [(vworld.me.pk, NOW)]

    cancelled = volunteer.post(page_url(activity, "activity_cancel"), follow=True)
    assert messages_of(cancelled) == ["Your sign-up is cancelled; the place is free again."]
    rerun = volunteer.post(page_url(activity, "activity_cancel"), follow=True)
    assert messages_of(rerun) == ["Your sign-up was already cancelled."]
    assert current_signups(activity) == []
    assert list(Signup.objects.values_list("cancelled_at", flat=True)) == [NOW]
    assert 'data-testid="sign-up"' in rerun.content.decode()


def test_a_full_activity_refuses_with_a_message_and_writes_nothing(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming, capacity=1)
    first, _volunteer = volunteer_with_account("volunteer1", tree.guangming, "志愿者1号")
    services.activity_sign_up(actor=first, activity=activity)
    volunteer = client_en(people.volunteer)
    page = volunteer.get(page_url(activity))
    assert page.context["sign_up_open"] is False
    assert 'data-testid="sign-up-closed"' in page.content.decode()
    response = volunteer.post(page_url(activity, "activity_sign_up"))
    assert response.status_code == 409
    assert messages_of(response) == ["This activity is full."]
    assert 'data-testid="sign-up-closed"' in response.content.decode()
    assert [volunteer_id for volunteer_id, _at in current_signups(activity)] == [_volunteer.pk]


def test_sign_up_and_cancel_close_at_the_start(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming)
    signed = announce(tree.guangming, title="已报名")
    services.activity_sign_up(actor=people.volunteer, activity=signed)
    with time_machine.travel(SATURDAY + dt.timedelta(minutes=5), tick=False):
        volunteer = client_en(people.volunteer)  # a new session: days have passed
        late = volunteer.post(page_url(activity, "activity_sign_up"))
        assert late.status_code == 409
        assert messages_of(late) == ["Sign-up for this activity is closed."]
        withdraw = volunteer.post(page_url(signed, "activity_cancel"))
        assert withdraw.status_code == 409
        assert messages_of(withdraw) == ["The activity has started; ask the organiser."]
        never = volunteer.post(page_url(activity, "activity_cancel"))
        assert never.status_code == 409
        assert messages_of(never) == ["You have not signed up for this activity."]
    assert current_signups(activity) == []
    assert current_signups(signed) == [(vworld.me.pk, NOW)]


def test_staff_may_not_sign_up_and_outsiders_get_404(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming)
    heping = announce(tree.heping, title="和平")
    assert client_for(people.worker).post(page_url(activity, "activity_sign_up")).status_code == 403
    assert client_for(people.worker).post(page_url(activity, "activity_cancel")).status_code == 403
    volunteer = client_for(people.volunteer)
    assert volunteer.get(page_url(heping)).status_code == 404
    assert volunteer.post(page_url(heping, "activity_sign_up")).status_code == 404
    assert volunteer.get(reverse("volunteers:activity", args=[999_999])).status_code == 404
    assert volunteer.get(page_url(activity, "activity_sign_up")).status_code == 405
    assert Signup.objects.count() == 0


# --- Check-in ----------------------------------------------------------------------------------


def check_in(client: Any, activity: Activity, signup: Signup | int, hours: Any) -> Any:
    return client.post(
        page_url(activity, "activity_check_in"),
        {"signup": signup if isinstance(signup, int) else signup.pk, "hours": hours},
    )


def ledger(volunteer: Volunteer) -> list[tuple[str, int]]:
    return list(
        PointEntry.objects.filter(volunteer=volunteer)
        .order_by("id")
        .values_list("rule__code", "points")
    )


def test_check_in_with_hours_awards_the_points_once(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming)
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
    worker = client_for(people.worker)
    before = worker.get(page_url(activity))
    assert before.context["check_in_open"] is False
    assert 'data-testid="check-in-later"' in before.content.decode()
    assert [p.name for p in before.context["participants"]] == ["志愿者甲"]

    with time_machine.travel(SATURDAY + dt.timedelta(minutes=30), tick=False):
        worker = client_en(people.worker)  # a new session: days have passed
        page = worker.get(page_url(activity))
        assert page.context["check_in_open"] is True
        participant = page.context["participants"][0]
        assert participant.form["hours"].value() == Decimal("2")  # the activity's length
        response = check_in(worker, activity, signup, "2.5")
        assert response.status_code == 302
        assert response["Location"] == page_url(activity) + "#participants"
        assert messages_of(worker.get(page_url(activity))) == ["志愿者甲 checked in: 2.5 h."]
        signup.refresh_from_db()
        assert (signup.checked_in_at, signup.hours) == (
            SATURDAY + dt.timedelta(minutes=30),
            Decimal("2.5"),
        )
        assert ledger(vworld.me) == [
            (PointRule.Code.ACTIVITY_ATTENDED, 5),
            (PointRule.Code.SERVICE_HOUR, 20),
        ]

        # A second check-in corrects the hours and awards nothing more.
        again = check_in(worker, activity, signup, "3")
        assert again.status_code == 302
        assert messages_of(worker.get(page_url(activity))) == [
            "志愿者甲: hours corrected to 3.0 h."
        ]
        signup.refresh_from_db()
        assert (signup.checked_in_at, signup.hours) == (
            SATURDAY + dt.timedelta(minutes=30),
            Decimal("3.0"),
        )
        assert len(ledger(vworld.me)) == 2
        assert services.points_balance(vworld.me) == 25

        volunteer = client_for(people.volunteer)
        mine = volunteer.get(page_url(activity))
        assert 'data-testid="my-check-in"' in mine.content.decode()
        assert 'id="participants"' not in mine.content.decode()  # organisers only
        points = volunteer.get(reverse("volunteers:points"))
        assert points.context["balance"] == 25


def test_check_in_before_it_opens_is_a_409_and_bad_hours_a_400(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming)
    other = announce(tree.guangming, title="另一个")
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
    gone = services.activity_cancel_sign_up(
        actor=people.volunteer,
        signup=services.activity_sign_up(actor=people.volunteer, activity=other),
    )
    early = check_in(client_en(people.worker), activity, signup, "2")
    assert early.status_code == 409
    assert messages_of(early) == ["Check-in opens an hour before the start."]
    with time_machine.travel(SATURDAY, tick=False):
        worker = client_for(people.worker)
        for hours in ("0", "25", "x", "", "1.25"):
            response = check_in(worker, activity, signup, hours)
            assert response.status_code == 400, hours
            [participant] = response.context["participants"]
            assert participant.form.errors["hours"], hours
            assert 'data-testid="hours-error"' in response.content.decode()
        missing = worker.post(page_url(activity, "activity_check_in"), {"hours": "2"})
        assert missing.status_code == 404
        # A sign-up no longer listed (cancelled): the form's errors go above the list.
        response = check_in(worker, other, gone, "x")
        assert response.status_code == 400
        assert response.context["participants"] == []
        assert response.context["unmatched_form"].errors["hours"]
        assert 'data-testid="form-errors"' in response.content.decode()
        cancelled = check_in(worker, other, gone, "2")
        assert cancelled.status_code == 409
    signup.refresh_from_db()
    assert (signup.checked_in_at, signup.hours) == (None, Decimal("0"))
    assert PointEntry.objects.count() == 0


def test_who_may_check_in(tree: Tree, people: Personas, vworld: VolunteerWorld) -> None:
    activity = announce(tree.guangming)
    other = announce(tree.guangming, title="另一个")
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
    with time_machine.travel(SATURDAY, tick=False):
        # A volunteer, even with their own sign-up: 403; a grid worker sees but may not act.
        assert check_in(client_for(people.volunteer), activity, signup, "2").status_code == 403
        grid = client_for(people.grid)
        page = grid.get(page_url(activity))
        assert page.context["may_check_in"] is False
        assert 'data-testid="check-in-form"' not in page.content.decode()
        assert check_in(grid, activity, signup, "2").status_code == 403
        assert check_in(grid, activity, signup, "x").status_code == 403  # before the form
        # Outside the scope, another activity's page, an unknown sign-up: 404.
        assert check_in(client_for(people.other_worker), activity, signup, "2").status_code == 404
        assert check_in(client_for(people.worker), other, signup, "2").status_code == 404
        assert check_in(client_for(people.worker), activity, 999_999, "2").status_code == 404
        # The street's official checks in the volunteers of its communities.
        assert check_in(client_for(people.official), activity, signup, "1").status_code == 302
    signup.refresh_from_db()
    assert signup.hours == Decimal("1.0")
    assert ledger(vworld.me) == [
        (PointRule.Code.ACTIVITY_ATTENDED, 5),
        (PointRule.Code.SERVICE_HOUR, 10),
    ]


# --- Participants, their export and the page's cost --------------------------------------------


def test_participants_are_named_as_the_viewer_may_see_them_and_exported(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.east)
    services.activity_sign_up(actor=people.volunteer, activity=activity)
    account, _second = volunteer_with_account("volunteer2", tree.heping, "志愿者2号")
    services.activity_sign_up(actor=account, activity=activity)

    worker = client_for(people.worker)
    page = worker.get(page_url(activity))
    # 光明社区's worker sees the volunteer of their community; 和平社区's is counted only.
    assert [p.name for p in page.context["participants"]] == ["志愿者甲"]
    assert page.context["others"] == 1
    assert 'data-testid="watermark"' in page.content.decode()
    mine = client_for(people.volunteer).get(page_url(activity)).content.decode()
    assert 'data-testid="watermark"' not in mine
    official = client_for(people.official).get(page_url(activity))
    masked = [vworld.me.person.masked_name, _second.person.masked_name]
    assert masked == ["志***", "志****"]
    # Officials see the names of their area in full (DESIGN §6).
    assert [p.name for p in official.context["participants"]] == ["志愿者甲", "志愿者2号"]

    export = worker.get(page_url(activity), {"format": "xlsx"})
    assert export.status_code == 200
    cells = xlsx_cells(export)
    assert "志愿者甲" in cells
    assert "志愿者2号" not in cells
    official_export = client_for(people.official).get(page_url(activity), {"format": "xlsx"})
    official_cells = xlsx_cells(official_export)
    assert {"志愿者甲", "志愿者2号"} <= set(official_cells)
    assert not set(masked) & set(official_cells)
    assert (
        client_for(people.volunteer).get(page_url(activity), {"format": "xlsx"}).status_code == 403
    )


@pytest.mark.parametrize(
    ("user_name", "own"),
    [
        ("volunteer", 2),  # the activity, my sign-up
        # unread notifications, the activity, the sign-ups, the check-in permission (the
        # sign-up's visibility)
        ("worker", 4),
    ],
)
def test_the_activity_page_costs_the_same_for_one_participant_and_many(
    tree: Tree,
    people: Personas,
    vworld: VolunteerWorld,
    django_assert_num_queries: Any,
    user_name: str,
    own: int,
) -> None:
    activity = announce(tree.guangming, capacity=20)
    services.activity_sign_up(actor=people.volunteer, activity=activity)
    client = client_for(getattr(people, user_name))
    with django_assert_num_queries(BASE_QUERIES + own):
        assert client.get(page_url(activity)).status_code == 200
    for number in range(1, 7):
        account, _volunteer = volunteer_with_account(
            f"volunteer{number}", tree.guangming, f"志愿者{number}号"
        )
        services.activity_sign_up(actor=account, activity=activity)
    with django_assert_num_queries(BASE_QUERIES + own):
        response = client.get(page_url(activity))
    assert response.context["row"].taken == 7


# --- A weekly series and calling an activity off -----------------------------------------------


def test_the_worker_announces_four_saturdays_at_once(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    worker = client_en(people.worker)
    response = worker.post(NEW, form_data(weeks="4"))
    assert response.status_code == 302
    assert response["Location"] == f"{CALENDAR}?month=2026-11"
    days = [
        timezone_day(activity.starts_at)
        for activity in Activity.objects.filter(unit=tree.guangming).order_by("starts_at")
    ]
    assert days == [dt.date(2026, 11, 21), dt.date(2026, 11, 28), dt.date(2026, 12, 5),
                    dt.date(2026, 12, 12)]  # fmt: skip
    assert messages_of(worker.get(response["Location"])) == [
        "4 weekly activities are on the calendar."
    ]


def timezone_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def test_a_series_longer_than_a_quarter_is_a_400(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    response = client_en(people.worker).post(NEW, form_data(weeks="14"))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["weeks"]
    assert not Activity.objects.exists()


def test_the_organiser_calls_an_activity_off(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming)
    services.activity_sign_up(actor=people.volunteer, activity=activity)
    worker = client_en(people.worker)
    page = worker.get(page_url(activity))
    assert page.context["may_call_off"] is True
    # No reason: 400, the form stays open, nothing changes.
    empty = worker.post(page_url(activity, "activity_call_off"), {"reason": " "})
    assert empty.status_code == 400
    assert empty.context["call_off_open"] is True
    assert list(empty.context["call_off_form"].errors) == ["reason"]
    assert not Activity.objects.get(pk=activity.pk).is_cancelled
    done = worker.post(page_url(activity, "activity_call_off"), {"reason": "暴雨预警"})
    assert done.status_code == 302
    assert Activity.objects.get(pk=activity.pk).is_cancelled
    after = worker.get(page_url(activity))
    assert after.context["may_call_off"] is False
    assert messages_of(after) == ["The activity is called off."]
    # The volunteer sees it called off, with the reason, and cannot sign up again.
    mine = client_en(people.volunteer).get(page_url(activity))
    assert mine.context["sign_up_open"] is False
    html = mine.content.decode()
    assert 'data-testid="called-off"' in html
    assert "暴雨预警" in html
    assert 'data-testid="signed-up-called-off"' in html
    assert 'data-testid="cancel-sign-up"' not in html


def test_calling_off_a_street_activity_is_for_the_street(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    street_day = announce(tree.east, created_by=people.official)
    worker = client_en(people.worker)
    assert worker.get(page_url(street_day)).context["may_call_off"] is False
    response = worker.post(page_url(street_day, "activity_call_off"), {"reason": "下雨"})
    assert response.status_code == 403
    volunteer = client_en(people.volunteer)
    assert (
        volunteer.post(page_url(street_day, "activity_call_off"), {"reason": "x"}).status_code
        == 403
    )
    outsider = client_en(make_user("west_worker", User.Role.COMMUNITY_WORKER, unit=tree.xinhua))
    assert (
        outsider.post(page_url(street_day, "activity_call_off"), {"reason": "x"}).status_code == 404
    )
    assert not Activity.objects.get(pk=street_day.pk).is_cancelled


def test_calling_off_after_the_start_is_a_409(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = announce(tree.guangming)
    with time_machine.travel(SATURDAY + HOUR, tick=False):
        response = client_en(people.worker).post(
            page_url(activity, "activity_call_off"), {"reason": "迟了"}
        )
    assert response.status_code == 409
    assert not Activity.objects.get(pk=activity.pk).is_cancelled


def test_a_unit_filter_outside_the_area_is_a_404(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    official = client_en(people.official)
    assert official.get(CALENDAR, {"unit": tree.guangming.pk}).status_code == 200
    assert official.get(CALENDAR, {"unit": tree.xinhua.pk}).status_code == 404
    assert official.get(CALENDAR, {"unit": "abc"}).status_code == 404


def test_an_ended_activity_says_so_instead_of_its_places(
    people: Personas, vworld: VolunteerWorld
) -> None:
    upcoming = announce(vworld.me.community)
    past = announce(vworld.me.community, title="上周的服务日", starts_at=NOW - dt.timedelta(days=3))
    client = client_for(people.volunteer)
    coming = client.get(page_url(upcoming)).content.decode()
    ended = client.get(page_url(past)).content.decode()
    assert 'data-testid="places-left">剩余 10 个名额<' in coming
    assert 'data-testid="places-left">已结束<' in ended
