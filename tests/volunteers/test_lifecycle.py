"""Ends and series: a weekly volunteer day announced for several weeks, an activity called off
(nobody signs up or is checked in afterwards), a 双报到 registration ended, and a work order
given only to a partner unit paired with its community."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
from governance.models import AuditEvent
from orgchart.models import PartyMember
from tests.helpers import api_for_fresh_copy as api_for
from tests.helpers import frozen_at
from tests.volunteers.conftest import NOW, SATURDAY, announce, order_in
from tests.volunteers.test_registration import member_jia
from volunteers import services
from volunteers.models import (
    Activity,
    DualRegistration,
    PartnerUnit,
    PointEntry,
    Signup,
    WorkOrder,
    WorkOrderStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HOUR = dt.timedelta(hours=1)


frozen = frozen_at(NOW)


# --- A weekly series ---------------------------------------------------------------------------


def test_a_weekly_series_is_one_activity_per_saturday(vworld, people, tree) -> None:
    series = services.activity_create_weekly(
        weeks=4,
        actor=people.worker,
        unit=tree.guangming,
        title="周六志愿服务日",
        kind=Activity.Kind.VOLUNTEER_DAY,
        starts_at=SATURDAY,
        ends_at=SATURDAY + 3 * HOUR,
        capacity=10,
    )
    rows = list(Activity.objects.order_by("starts_at").values_list("starts_at", "ends_at"))
    assert [activity.pk for activity in series] == sorted(activity.pk for activity in series)
    assert rows == [
        (SATURDAY + dt.timedelta(weeks=n), SATURDAY + dt.timedelta(weeks=n) + 3 * HOUR)
        for n in range(4)
    ]
    assert {activity.starts_at.astimezone(SATURDAY.tzinfo).weekday() for activity in series} == {5}


@pytest.mark.parametrize("weeks", [0, 14, True, "3"])
def test_a_series_of_a_wrong_length_writes_nothing(vworld, people, tree, weeks) -> None:
    with pytest.raises(ValidationFailed) as error:
        services.activity_create_weekly(
            weeks=weeks,
            actor=people.worker,
            unit=tree.guangming,
            title="周六志愿服务日",
            kind=Activity.Kind.VOLUNTEER_DAY,
            starts_at=SATURDAY,
            ends_at=SATURDAY + 3 * HOUR,
            capacity=10,
        )
    assert error.value.fields == {"weeks": ["Repeat for 1 to 13 weeks."]}
    assert not Activity.objects.exists()


def test_a_series_with_a_bad_week_writes_none_of_it(vworld, people, tree) -> None:
    with pytest.raises(ValidationFailed) as error:
        services.activity_create_weekly(
            weeks=3,
            actor=people.worker,
            unit=tree.guangming,
            title="周六志愿服务日",
            kind=Activity.Kind.VOLUNTEER_DAY,
            starts_at=SATURDAY,
            ends_at=SATURDAY,
            capacity=10,
        )
    assert "ends_at" in error.value.fields
    assert not Activity.objects.exists()


# --- Calling an activity off -------------------------------------------------------------------


def test_an_organiser_calls_an_activity_off_and_it_closes(vworld, people, tree, cast) -> None:
    activity = announce(people, tree.guangming, actor=people.worker, hours=3)
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    called_off = services.activity_cancel(actor=people.worker, activity=activity, reason="暴雨")
    assert called_off.is_cancelled
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.is_cancelled, stored.cancel_reason) == (True, "暴雨")
    event = AuditEvent.objects.filter(object_type="volunteers.Activity", action="update").get()
    assert (event.actor, event.changes) == (people.worker, {"is_cancelled": True, "reason": "暴雨"})
    # Called off again: nothing more happens.
    services.activity_cancel(actor=people.worker, activity=activity, reason="暴雨")
    assert (
        AuditEvent.objects.filter(object_type="volunteers.Activity", action="update").count() == 1
    )
    # Nobody signs up, nobody is checked in, no points.
    with pytest.raises(InvalidTransition):
        services.activity_sign_up(actor=cast.member, activity=activity, now=NOW)
    with pytest.raises(InvalidTransition) as error:
        services.activity_check_in(actor=people.worker, signup=signup, now=SATURDAY)
    assert str(error.value.message) == "This activity was called off."
    assert Signup.objects.get(pk=signup.pk).checked_in_at is None
    assert not PointEntry.objects.exists()


def test_once_someone_is_checked_in_the_activity_is_not_called_off(vworld, people, tree) -> None:
    activity = announce(people, tree.guangming, actor=people.worker, hours=3)
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    # Check-in opens an hour before the start: the activity is taking place.
    early = SATURDAY - dt.timedelta(minutes=30)
    services.activity_check_in(actor=people.worker, signup=signup, now=early)
    with pytest.raises(InvalidTransition) as error:
        services.activity_cancel(actor=people.worker, activity=activity, reason="暴雨", now=early)
    assert str(error.value.message) == (
        "Volunteers have been checked in; the activity can no longer be called off."
    )
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.is_cancelled, stored.cancel_reason) == (False, "")
    assert PointEntry.objects.filter(volunteer=vworld.me).count() == 2


def test_calling_off_needs_a_reason_and_a_future_start(vworld, people, tree) -> None:
    activity = announce(people, tree.guangming, actor=people.worker, hours=3)
    with pytest.raises(ValidationFailed) as error:
        services.activity_cancel(actor=people.worker, activity=activity, reason="  ")
    assert list(error.value.fields) == ["reason"]
    with pytest.raises(InvalidTransition):
        services.activity_cancel(
            actor=people.worker, activity=activity, reason="迟了", now=SATURDAY + HOUR
        )
    assert not Activity.objects.get(pk=activity.pk).is_cancelled


def test_who_may_call_an_activity_off(vworld, people, tree) -> None:
    street_day = announce(people, tree.east, actor=people.official, hours=3)
    # A community worker sees the street's volunteer day but does not call it off.
    with pytest.raises(NotAllowed):
        services.activity_cancel(actor=people.worker, activity=street_day, reason="下雨")
    with pytest.raises(NotAllowed):
        services.activity_cancel(actor=people.volunteer, activity=street_day, reason="下雨")
    assert not Activity.objects.get(pk=street_day.pk).is_cancelled
    services.activity_cancel(actor=people.official, activity=street_day, reason="下雨")
    assert Activity.objects.get(pk=street_day.pk).is_cancelled


# --- Ending a 双报到 registration ---------------------------------------------------------------


def test_a_registration_ends_once_and_not_in_the_future(vworld, people, tree, cast) -> None:
    member = member_jia(tree)
    registration = services.dual_register(
        actor=people.worker,
        party_member=member,
        community=tree.guangming,
        post="patrol",
        registered_on=dt.date(2026, 3, 1),
    )
    with pytest.raises(ValidationFailed) as error:
        services.dual_registration_end(
            actor=people.worker, registration=registration, ended_on=dt.date(2026, 12, 1)
        )
    assert list(error.value.fields) == ["ended_on"]
    with pytest.raises(NotAllowed):
        services.dual_registration_end(actor=people.official, registration=registration)
    assert DualRegistration.objects.get(pk=registration.pk).ended_on is None
    ended = services.dual_registration_end(
        actor=people.worker, registration=registration, ended_on=dt.date(2026, 1, 1)
    )
    # Never before the registration itself.
    assert ended.ended_on == dt.date(2026, 3, 1)
    again = services.dual_registration_end(
        actor=people.worker, registration=registration, ended_on=dt.date(2026, 11, 18)
    )
    assert again.ended_on == dt.date(2026, 3, 1)
    assert (
        AuditEvent.objects.filter(
            object_type="volunteers.DualRegistration", action="update"
        ).count()
        == 1
    )
    # The member still lives where they registered; they may register again.
    assert PartyMember.objects.get(pk=member.pk).home_community == tree.guangming
    services.dual_register(
        actor=people.worker, party_member=member, community=tree.guangming, post="mediation"
    )
    assert DualRegistration.objects.filter(party_member=member, ended_on__isnull=True).count() == 1


# --- A partner unit serves the communities it is paired with -----------------------------------


def test_a_work_order_goes_only_to_a_partner_unit_paired_with_its_community(
    vworld, people, tree, cast
) -> None:
    order = order_in(WorkOrderStatus.ORDERED, vworld, people, tree)
    unpaired = services.partner_unit_create(
        actor=None, unit=tree.guangming, name="光明物业", kind=PartnerUnit.Kind.PRIVATE_ENTERPRISE
    )
    services.pairing_create(actor=None, partner=unpaired, community=tree.xinhua)
    elsewhere = services.partner_unit_create(
        actor=None, unit=tree.district, name="区图书馆", kind=PartnerUnit.Kind.PUBLIC_INSTITUTION
    )
    services.pairing_create(actor=None, partner=elsewhere, community=tree.xinhua)
    with pytest.raises(ValidationFailed) as error:
        services.work_order_dispatch(actor=None, work_order=order, partner=elsewhere)
    assert error.value.fields == {
        "partner": ["This partner unit is not paired with the work order's community."]
    }
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.ORDERED
    # Kept inside the community: it serves it without a pairing.
    kept_here = services.work_order_dispatch(actor=None, work_order=order, partner=unpaired)
    assert (kept_here.status, kept_here.partner) == (WorkOrderStatus.DISPATCHED, unpaired)


# --- Through the API ---------------------------------------------------------------------------


def test_the_api_announces_a_weekly_series_and_calls_one_off(vworld, people, tree) -> None:
    worker = api_for(people.worker)
    body = {
        "unit": tree.guangming.pk,
        "title": "周六志愿服务日",
        "kind": "volunteer_day",
        "starts_at": SATURDAY.isoformat(),
        "ends_at": (SATURDAY + 3 * HOUR).isoformat(),
        "capacity": 10,
    }
    refused = worker.post("/api/activities/weekly/", {**body, "weeks": 14}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) - {"detail"} == {"weeks"}
    assert not Activity.objects.exists()
    response = worker.post("/api/activities/weekly/", {**body, "weeks": 3}, format="json")
    assert response.status_code == 201
    series = response.json()
    assert [row["starts_at"][:10] for row in series] == ["2026-11-21", "2026-11-28", "2026-12-05"]
    second = series[1]["id"]
    assert (
        api_for(people.volunteer)
        .post(f"/api/activities/{second}/call-off/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    assert worker.post(f"/api/activities/{second}/call-off/", {}, format="json").status_code == 400
    called_off = worker.post(
        f"/api/activities/{second}/call-off/", {"reason": "暴雨"}, format="json"
    )
    assert called_off.status_code == 200
    assert (called_off.json()["is_cancelled"], called_off.json()["cancel_reason"]) == (True, "暴雨")
    assert list(Activity.objects.order_by("starts_at").values_list("is_cancelled", flat=True)) == [
        False,
        True,
        False,
    ]


def test_the_api_ends_a_registration(vworld, people, tree) -> None:
    registration = services.dual_register(
        actor=people.worker, party_member=member_jia(tree), community=tree.guangming
    )
    url = f"/api/dual-registrations/{registration.pk}/end/"
    assert api_for(people.official).post(url, {}, format="json").status_code == 403
    assert api_for(people.other_worker).post(url, {}, format="json").status_code == 404
    future = api_for(people.worker).post(url, {"ended_on": "2026-12-01"}, format="json")
    assert future.status_code == 400
    assert set(future.json()) - {"detail"} == {"ended_on"}
    assert DualRegistration.objects.get(pk=registration.pk).ended_on is None
    ended = api_for(people.worker).post(url, {}, format="json")
    assert ended.status_code == 200
    assert ended.json()["ended_on"] == "2026-11-18"
