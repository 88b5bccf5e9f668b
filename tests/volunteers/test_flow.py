"""A wish from posting to confirmation earns points; a work order through the 五单法."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.errors import InvalidTransition, NotAllowed
from tests.volunteers.conftest import NOW
from volunteers import services
from volunteers.models import PointEntry, WishStatus, WorkOrderStatus


def test_wish_journey_awards_points_once(vworld, people, tree) -> None:
    wish = services.wish_post(
        actor=people.worker, community=tree.guangming, title="修水龙头", now=NOW
    )
    wish = services.wish_claim(actor=people.volunteer, wish=wish, now=NOW)
    assert wish.claimed_by == vworld.me
    wish = services.wish_fulfil(actor=people.volunteer, wish=wish, note="已修好", now=NOW)
    wish = services.wish_confirm(actor=people.worker, wish=wish, now=NOW)
    assert wish.status == WishStatus.CONFIRMED
    services.wish_confirm(actor=people.worker, wish=wish, now=NOW)  # rerun: no-op
    assert services.points_balance(vworld.me) == 20
    assert PointEntry.objects.filter(volunteer=vworld.me).count() == 1


def test_only_the_claimer_fulfils(vworld, people, tree) -> None:
    wish = services.wish_post(actor=people.worker, community=tree.guangming, title="买药", now=NOW)
    with pytest.raises(NotAllowed):
        services.wish_fulfil(actor=people.volunteer, wish=wish, note="x", now=NOW)


def test_work_order_five_steps(vworld, people, tree) -> None:
    order = services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="楼道粉刷",
        content="粉刷1号楼楼道",
        funds="1200.50",
        funds_source="社区为民服务经费",
        now=NOW,
    )
    assert order.number == "GD2026-000001"
    order = services.work_order_dispatch(
        actor=people.worker, work_order=order, team=vworld.team, now=NOW
    )
    order = services.work_order_accept(actor=people.volunteer, work_order=order, now=NOW)
    order = services.work_order_complete(
        actor=people.volunteer, work_order=order, note="完成", now=NOW
    )
    order = services.work_order_verify(actor=people.official, work_order=order, now=NOW)
    assert order.status == WorkOrderStatus.VERIFIED
    assert services.points_balance(vworld.me) == 30


def test_redemption_never_overdraws(vworld, people) -> None:
    services.points_award(
        volunteer=vworld.me, rule_code="wish_fulfilled", source=vworld.team, now=NOW
    )
    services.points_award(
        volunteer=vworld.me, rule_code="work_order_verified", source=vworld.team, now=NOW
    )
    services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
    )
    assert services.points_balance(vworld.me) == 0
    with pytest.raises(InvalidTransition):
        services.redemption_create(
            actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
        )
    vworld.reward.refresh_from_db()
    assert vworld.reward.stock == 2


def test_activity_capacity_and_hours(vworld, people, tree) -> None:
    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="周六志愿服务日",
        kind="volunteer_day",
        starts_at=NOW + dt.timedelta(days=3),
        ends_at=NOW + dt.timedelta(days=3, hours=2),
        capacity=1,
    )
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    assert services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW) == signup
    signup = services.activity_check_in(
        actor=people.worker, signup=signup, now=NOW + dt.timedelta(days=3)
    )
    assert str(signup.hours) == "2.0"
    assert services.points_balance(vworld.me) == 5 + 20


def test_overdue_work_order_is_noted_once(vworld, people, tree) -> None:
    from volunteers.models import WorkOrderEvent
    from volunteers.sweep import note_overdue_work_orders

    order = services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="修路灯",
        content="2号楼路灯不亮",
        due_at=NOW + dt.timedelta(days=1),
        now=NOW,
    )
    later = NOW + dt.timedelta(days=2)
    assert note_overdue_work_orders(now=later) == 1
    assert note_overdue_work_orders(now=later) == 0
    assert WorkOrderEvent.objects.filter(work_order=order, action="overdue").count() == 1
