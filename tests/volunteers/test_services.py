"""Every transition of DESIGN §5 for micro-wishes and 五单法 work orders: the allowed path with
its exact event rows, a forbidden source status, an idempotent rerun, a stale object and the
role checks (403 inside the actor's area, 404 outside it); then the work-order deadline sweep.

The cast (the ``cast`` fixture) and the helpers making wishes and work orders are in
tests/volunteers/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from governance.errors import (
    ConcurrentUpdate,
    InvalidTransition,
    NotAllowed,
    OutOfScope,
    ValidationFailed,
)
from notifications.models import Notification
from orgchart import services as org
from orgchart.models import User
from tests.conftest import Personas, make_user
from tests.factories import PersonFactory
from tests.petitions.conftest import log_petition
from tests.volunteers.conftest import (
    NOW,
    SATURDAY,
    Cast,
    VolunteerWorld,
    announce,
    order_in,
    order_work,
    post_wish,
    wish_in,
)
from volunteers import services
from volunteers.models import (
    Activity,
    PointEntry,
    Signup,
    Team,
    Volunteer,
    Wish,
    WishAction,
    WishEvent,
    WishStatus,
    WorkOrder,
    WorkOrderAction,
    WorkOrderEvent,
    WorkOrderStatus,
)
from volunteers.sweep import note_overdue_work_orders

HOUR = dt.timedelta(hours=1)
LATER = NOW + HOUR


pytestmark = pytest.mark.usefixtures("english")


# --- Micro-wishes: helpers -----------------------------------------------------------------


def wish_events(wish: Wish) -> list[tuple[Any, ...]]:
    return list(
        WishEvent.objects.filter(wish_id=wish.pk)
        .order_by("at", "id")
        .values_list("action", "from_status", "to_status", "actor_id", "at", "note")
    )


def wish_snapshot(wish: Wish) -> dict[str, Any]:
    """Everything a refused action must leave as it was."""
    return {
        "wish": Wish.objects.filter(pk=wish.pk).values().get(),
        "events": list(WishEvent.objects.filter(wish_id=wish.pk).values_list("pk", flat=True)),
        "points": list(PointEntry.objects.values_list("pk", flat=True)),
    }


WishCall = Callable[..., Wish]
WISH_CALLS: dict[str, WishCall] = {
    WishAction.CLAIM: lambda **kw: services.wish_claim(**kw),
    WishAction.RELEASE: lambda **kw: services.wish_release(reason="临时出差", **kw),
    WishAction.FULFIL: lambda **kw: services.wish_fulfil(note="药已送到", **kw),
    WishAction.CONFIRM: lambda **kw: services.wish_confirm(**kw),
    WishAction.WITHDRAW: lambda **kw: services.wish_withdraw(reason="居民已自行解决", **kw),
}
WISH_ALLOWED_FROM: dict[str, str] = {
    WishAction.CLAIM: WishStatus.POSTED,
    WishAction.RELEASE: WishStatus.CLAIMED,
    WishAction.FULFIL: WishStatus.CLAIMED,
    WishAction.CONFIRM: WishStatus.FULFILLED,
    WishAction.WITHDRAW: WishStatus.POSTED,
}


def wish_actor(action: str, people: Personas) -> User:
    volunteer_actions = (WishAction.CLAIM, WishAction.RELEASE, WishAction.FULFIL)
    return people.volunteer if action in volunteer_actions else people.worker


# --- Micro-wishes: the allowed path --------------------------------------------------------


def test_post_creates_a_posted_wish_with_its_event(vworld, people, tree) -> None:
    wish = services.wish_post(
        actor=people.grid,
        community=tree.guangming,
        title="  帮独居老人买药 ",
        description="每周一次",
        now=NOW,
    )
    row = Wish.objects.get(pk=wish.pk)
    assert (row.community, row.title, row.description, row.status, row.version) == (
        tree.guangming,
        "帮独居老人买药",
        "每周一次",
        WishStatus.POSTED,
        1,
    )
    assert (row.posted_by, row.posted_at, row.claimed_by) == (people.grid, NOW, None)
    assert wish_events(wish) == [("post", "", "posted", people.grid.pk, NOW, "")]


def test_claim_release_claim_fulfil_confirm(vworld, people, tree, cast) -> None:
    wish = post_wish(people, tree)
    wish = services.wish_claim(actor=people.volunteer, wish=wish, expected_version=1, now=NOW)
    assert (wish.status, wish.version, wish.claimed_by, wish.claimed_at) == (
        WishStatus.CLAIMED,
        2,
        vworld.me,
        NOW,
    )
    wish = services.wish_release(
        actor=people.volunteer, wish=wish, reason="临时出差", expected_version=2, now=LATER
    )
    assert (wish.status, wish.version, wish.claimed_by, wish.claimed_at) == (
        WishStatus.POSTED,
        3,
        None,
        None,
    )
    later = LATER + HOUR
    wish = services.wish_claim(actor=cast.member, wish=wish, expected_version=3, now=later)
    assert (wish.claimed_by, wish.claimed_at) == (vworld.other, later)
    wish = services.wish_fulfil(
        actor=cast.member, wish=wish, note=" 药已送到 ", expected_version=4, now=later
    )
    assert (wish.status, wish.version, wish.fulfilled_at, wish.fulfil_note) == (
        WishStatus.FULFILLED,
        5,
        later,
        "药已送到",
    )
    wish = services.wish_confirm(
        actor=people.worker, wish=wish, note="回访满意", expected_version=5, now=later
    )
    assert (wish.status, wish.version, wish.confirmed_at) == (WishStatus.CONFIRMED, 6, later)
    assert wish_events(wish) == [
        ("post", "", "posted", people.worker.pk, NOW, ""),
        ("claim", "posted", "claimed", people.volunteer.pk, NOW, ""),
        ("release", "claimed", "posted", people.volunteer.pk, LATER, "临时出差"),
        ("claim", "posted", "claimed", cast.member.pk, later, ""),
        ("fulfil", "claimed", "fulfilled", cast.member.pk, later, "药已送到"),
        ("confirm", "fulfilled", "confirmed", people.worker.pk, later, "回访满意"),
    ]
    # The points go to the volunteer who fulfilled it, not to the one who gave it up.
    assert list(PointEntry.objects.values_list("volunteer", "points", "source_id")) == [
        (vworld.other.pk, 20, wish.pk)
    ]


@pytest.mark.parametrize("status", [WishStatus.POSTED, WishStatus.CLAIMED])
def test_withdraw_from_posted_or_claimed(vworld, people, tree, status) -> None:
    wish = wish_in(status, people, tree)
    version = wish.version
    wish = services.wish_withdraw(
        actor=people.worker,
        wish=wish,
        reason="居民已自行解决",
        expected_version=version,
        now=LATER,
    )
    assert (wish.status, wish.version) == (WishStatus.WITHDRAWN, version + 1)
    assert wish_events(wish)[-1] == (
        "withdraw",
        status,
        "withdrawn",
        people.worker.pk,
        LATER,
        "居民已自行解决",
    )
    assert PointEntry.objects.count() == 0


def test_withdraw_needs_a_reason(vworld, people, tree) -> None:
    wish = post_wish(people, tree)
    before = wish_snapshot(wish)
    with pytest.raises(ValidationFailed) as caught:
        services.wish_withdraw(actor=people.worker, wish=wish, reason="  ", now=NOW)
    assert caught.value.fields == {"reason": ["This field is required."]}
    assert wish_snapshot(wish) == before


def test_fulfil_needs_a_note(vworld, people, tree) -> None:
    wish = wish_in(WishStatus.CLAIMED, people, tree)
    before = wish_snapshot(wish)
    with pytest.raises(ValidationFailed) as caught:
        services.wish_fulfil(actor=people.volunteer, wish=wish, note="", now=NOW)
    assert caught.value.fields == {"note": ["This field is required."]}
    assert wish_snapshot(wish) == before


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("照片.png", buffer.getvalue(), content_type="image/png")


def test_fulfil_with_a_photo_keeps_the_first_on_a_rerun(vworld, people, tree) -> None:
    wish = wish_in(WishStatus.CLAIMED, people, tree)
    wish = services.wish_fulfil(actor=people.volunteer, wish=wish, note="药已送到", photo=png())
    name = wish.photo.name
    assert name.startswith("wishes/")
    assert name.endswith(".png")
    assert "照片" not in name  # stored under a random name
    again = services.wish_fulfil(actor=people.volunteer, wish=wish, note="药已送到", photo=png())
    assert Wish.objects.get(pk=wish.pk).photo.name == name == again.photo.name


def test_fulfil_refuses_what_is_not_a_photo(vworld, people, tree) -> None:
    wish = wish_in(WishStatus.CLAIMED, people, tree)
    before = wish_snapshot(wish)
    not_a_photo = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ValidationFailed) as caught:
        services.wish_fulfil(actor=people.volunteer, wish=wish, note="药已送到", photo=not_a_photo)
    assert caught.value.fields == {"photo": ["Upload photos as JPEG, PNG or WebP images."]}
    assert wish_snapshot(wish) == before


# --- Micro-wishes: forbidden, rerun, stale -------------------------------------------------

# (action, status) pairs refused with 409 although the actor's role allows the action; a
# posted wish has no claimer to release or fulfil it (403, see the role tests).
WISH_FORBIDDEN = [
    (WishAction.CLAIM, WishStatus.FULFILLED),
    (WishAction.CLAIM, WishStatus.CONFIRMED),
    (WishAction.CLAIM, WishStatus.WITHDRAWN),
    (WishAction.RELEASE, WishStatus.FULFILLED),
    (WishAction.RELEASE, WishStatus.CONFIRMED),
    (WishAction.RELEASE, WishStatus.WITHDRAWN),
    (WishAction.FULFIL, WishStatus.CONFIRMED),
    (WishAction.FULFIL, WishStatus.WITHDRAWN),
    (WishAction.CONFIRM, WishStatus.POSTED),
    (WishAction.CONFIRM, WishStatus.CLAIMED),
    (WishAction.CONFIRM, WishStatus.WITHDRAWN),
    (WishAction.WITHDRAW, WishStatus.FULFILLED),
    (WishAction.WITHDRAW, WishStatus.CONFIRMED),
]


@pytest.mark.parametrize(("action", "status"), WISH_FORBIDDEN)
def test_wish_forbidden_source_is_409_and_changes_nothing(
    vworld, people, tree, action, status
) -> None:
    wish = wish_in(status, people, tree)
    before = wish_snapshot(wish)
    with pytest.raises(InvalidTransition) as caught:
        WISH_CALLS[action](
            actor=wish_actor(action, people), wish=wish, expected_version=wish.version, now=LATER
        )
    assert caught.value.status_code == 409
    assert wish_snapshot(wish) == before


def test_every_wish_transition_is_covered() -> None:
    from volunteers.models import WISH_TRANSITIONS

    assert set(WISH_CALLS) == set(WISH_TRANSITIONS)
    for action, (sources, _target) in WISH_TRANSITIONS.items():
        assert WISH_ALLOWED_FROM[action] in sources


def test_claiming_a_wish_someone_else_claimed_is_409(vworld, people, tree, cast) -> None:
    wish = wish_in(WishStatus.CLAIMED, people, tree)
    before = wish_snapshot(wish)
    with pytest.raises(InvalidTransition):
        services.wish_claim(actor=cast.member, wish=wish, expected_version=1, now=LATER)
    with pytest.raises(InvalidTransition):
        services.wish_claim(actor=cast.member, wish=wish, now=LATER)
    assert wish_snapshot(wish) == before
    assert Wish.objects.get(pk=wish.pk).claimed_by == vworld.me


@pytest.mark.parametrize("action", list(WISH_CALLS))
def test_wish_rerun_is_a_noop(vworld, people, tree, action) -> None:
    """A retried request (same actor, the version it was first sent with) gets the same
    answer: one event, the same version, no second award."""
    wish = wish_in(WISH_ALLOWED_FROM[action], people, tree)
    version = wish.version
    actor = wish_actor(action, people)
    first = WISH_CALLS[action](actor=actor, wish=wish, expected_version=version, now=LATER)
    after_first = wish_snapshot(wish)
    again = WISH_CALLS[action](actor=actor, wish=wish, expected_version=version, now=LATER + HOUR)
    assert (again.pk, again.status, again.version) == (first.pk, first.status, version + 1)
    assert wish_snapshot(wish) == after_first
    assert [event[0] for event in wish_events(wish)].count(action) == 1


@pytest.mark.parametrize("action", list(WISH_CALLS))
def test_wish_stale_version_is_409_and_changes_nothing(vworld, people, tree, action) -> None:
    wish = wish_in(WISH_ALLOWED_FROM[action], people, tree)
    before = wish_snapshot(wish)
    with pytest.raises(ConcurrentUpdate) as caught:
        WISH_CALLS[action](
            actor=wish_actor(action, people),
            wish=wish,
            expected_version=wish.version - 1,
            now=LATER,
        )
    assert caught.value.status_code == 409
    assert wish_snapshot(wish) == before


def test_withdraw_with_the_version_read_before_a_claim_is_stale(vworld, people, tree) -> None:
    read_by_worker = post_wish(people, tree)
    services.wish_claim(actor=people.volunteer, wish=read_by_worker, now=NOW)
    before = wish_snapshot(read_by_worker)
    with pytest.raises(ConcurrentUpdate):
        services.wish_withdraw(
            actor=people.worker,
            wish=read_by_worker,
            reason="居民已自行解决",
            expected_version=read_by_worker.version,
            now=LATER,
        )
    assert wish_snapshot(read_by_worker) == before


# --- Micro-wishes: who may act -------------------------------------------------------------

WISH_ROLE_CASES = [
    # (action, status the wish is in, actor, error)
    (WishAction.CLAIM, WishStatus.POSTED, "worker", NotAllowed),
    (WishAction.CLAIM, WishStatus.POSTED, "grid", NotAllowed),
    (WishAction.CLAIM, WishStatus.POSTED, "bare_volunteer", NotAllowed),
    (WishAction.CLAIM, WishStatus.POSTED, "xinhua_volunteer", OutOfScope),
    (WishAction.CLAIM, WishStatus.POSTED, "other_worker", OutOfScope),
    (WishAction.CLAIM, WishStatus.POSTED, "handler", OutOfScope),
    (WishAction.RELEASE, WishStatus.POSTED, "volunteer", NotAllowed),
    (WishAction.RELEASE, WishStatus.CLAIMED, "member", NotAllowed),
    (WishAction.RELEASE, WishStatus.CLAIMED, "worker", NotAllowed),
    (WishAction.RELEASE, WishStatus.CLAIMED, "xinhua_volunteer", OutOfScope),
    (WishAction.FULFIL, WishStatus.POSTED, "volunteer", NotAllowed),
    (WishAction.FULFIL, WishStatus.CLAIMED, "member", NotAllowed),
    (WishAction.FULFIL, WishStatus.CLAIMED, "worker", NotAllowed),
    (WishAction.FULFIL, WishStatus.CLAIMED, "xinhua_volunteer", OutOfScope),
    (WishAction.CONFIRM, WishStatus.FULFILLED, "grid", NotAllowed),
    (WishAction.CONFIRM, WishStatus.FULFILLED, "official", NotAllowed),
    (WishAction.CONFIRM, WishStatus.FULFILLED, "volunteer", NotAllowed),
    (WishAction.CONFIRM, WishStatus.FULFILLED, "other_worker", OutOfScope),
    (WishAction.CONFIRM, WishStatus.FULFILLED, "heping_worker", OutOfScope),
    (WishAction.WITHDRAW, WishStatus.POSTED, "volunteer", NotAllowed),
    (WishAction.WITHDRAW, WishStatus.POSTED, "grid", NotAllowed),
    (WishAction.WITHDRAW, WishStatus.POSTED, "other_worker", OutOfScope),
    (WishAction.WITHDRAW, WishStatus.POSTED, "handler", OutOfScope),
]


def account(name: str, people: Personas, cast: Cast) -> User:
    return getattr(people, name, None) or getattr(cast, name)


@pytest.mark.parametrize(("action", "status", "actor", "error"), WISH_ROLE_CASES)
def test_wish_role_checks(vworld, people, tree, cast, action, status, actor, error) -> None:
    wish = wish_in(status, people, tree)
    before = wish_snapshot(wish)
    with pytest.raises(error) as caught:
        WISH_CALLS[action](actor=account(actor, people, cast), wish=wish, now=LATER)
    assert caught.value.status_code == (403 if error is NotAllowed else 404)
    assert wish_snapshot(wish) == before


@pytest.mark.parametrize(
    ("actor", "community", "error"),
    [
        ("volunteer", "guangming", NotAllowed),
        ("official", "guangming", NotAllowed),
        ("other_worker", "guangming", OutOfScope),
        ("handler", "guangming", NotAllowed),
        ("worker", "heping", OutOfScope),
    ],
)
def test_who_may_post_a_wish(vworld, people, tree, cast, actor, community, error) -> None:
    with pytest.raises(error):
        services.wish_post(
            actor=account(actor, people, cast),
            community=getattr(tree, community),
            title="帮独居老人买药",
            now=NOW,
        )
    assert Wish.objects.count() == 0
    assert WishEvent.objects.count() == 0


def test_a_wish_is_posted_by_a_community(vworld, people, tree) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.wish_post(actor=None, community=tree.east, title="x", posted_by=people.worker)
    assert caught.value.fields == {"community": ["A micro-wish is posted by a community."]}
    assert Wish.objects.count() == 0


def test_the_beneficiary_must_be_in_the_posters_area(vworld, people, tree) -> None:
    stranger = PersonFactory.create(unit=tree.xinhua, name="孙强", first17="11010119500101011")
    with pytest.raises(OutOfScope):
        services.wish_post(
            actor=people.worker,
            community=tree.guangming,
            title="帮独居老人买药",
            beneficiary=stranger,
            now=NOW,
        )
    assert Wish.objects.count() == 0


def test_an_inactive_volunteer_cannot_claim(vworld, people, tree) -> None:
    wish = post_wish(people, tree)
    Volunteer.objects.filter(pk=vworld.me.pk).update(is_active=False)
    before = wish_snapshot(wish)
    with pytest.raises(NotAllowed):
        services.wish_claim(actor=people.volunteer, wish=wish, now=NOW)
    assert wish_snapshot(wish) == before


# --- Work orders: helpers ------------------------------------------------------------------


def order_events(order: WorkOrder) -> list[tuple[Any, ...]]:
    return list(
        WorkOrderEvent.objects.filter(work_order_id=order.pk)
        .order_by("at", "id")
        .values_list("action", "from_status", "to_status", "actor_id", "at", "note")
    )


def order_snapshot(order: WorkOrder) -> dict[str, Any]:
    return {
        "order": WorkOrder.objects.filter(pk=order.pk).values().get(),
        "events": list(
            WorkOrderEvent.objects.filter(work_order_id=order.pk).values_list("pk", flat=True)
        ),
        "points": list(PointEntry.objects.values_list("pk", flat=True)),
        "notifications": list(Notification.objects.values_list("pk", flat=True)),
    }


OrderCall = Callable[..., WorkOrder]


def order_calls(vworld: VolunteerWorld) -> dict[str, OrderCall]:
    return {
        WorkOrderAction.DISPATCH: lambda **kw: services.work_order_dispatch(team=vworld.team, **kw),
        WorkOrderAction.ACCEPT: lambda **kw: services.work_order_accept(**kw),
        WorkOrderAction.COMPLETE: lambda **kw: services.work_order_complete(
            note="已粉刷完毕", **kw
        ),
        WorkOrderAction.VERIFY: lambda **kw: services.work_order_verify(**kw),
        WorkOrderAction.RETURN: lambda **kw: services.work_order_return(reason="墙面有漏刷", **kw),
        WorkOrderAction.CANCEL: lambda **kw: services.work_order_cancel(
            reason="居民已自行解决", **kw
        ),
        WorkOrderAction.SUPERVISE: lambda **kw: services.work_order_supervise(
            note="请本周内完成", **kw
        ),
    }


ORDER_ALLOWED_FROM: dict[str, str] = {
    WorkOrderAction.DISPATCH: WorkOrderStatus.ORDERED,
    WorkOrderAction.ACCEPT: WorkOrderStatus.DISPATCHED,
    WorkOrderAction.COMPLETE: WorkOrderStatus.ACCEPTED,
    WorkOrderAction.VERIFY: WorkOrderStatus.COMPLETED,
    WorkOrderAction.RETURN: WorkOrderStatus.COMPLETED,
    WorkOrderAction.CANCEL: WorkOrderStatus.DISPATCHED,
    WorkOrderAction.SUPERVISE: WorkOrderStatus.ACCEPTED,
}


def order_actor(action: str, people: Personas) -> User:
    if action in (WorkOrderAction.DISPATCH, WorkOrderAction.CANCEL):
        return people.worker
    if action in (WorkOrderAction.ACCEPT, WorkOrderAction.COMPLETE):
        return people.volunteer
    return people.official


# --- Work orders: the allowed path ---------------------------------------------------------


def test_order_creates_an_ordered_work_order(vworld, people, tree) -> None:
    order = services.work_order_create(
        actor=people.grid,
        community=tree.guangming,
        title="楼道粉刷",
        content="粉刷1号楼楼道",
        source=WorkOrder.Source.COMMUNITY,
        funds="1200.5",
        funds_source="社区为民服务经费",
        due_at=NOW + dt.timedelta(days=7),
        now=NOW,
    )
    second = order_work(people, tree)
    row = WorkOrder.objects.filter(pk=order.pk).values().get()
    assert {key: row[key] for key in ("number", "status", "version", "source", "due_at")} == {
        "number": "GD2026-000001",
        "status": "ordered",
        "version": 1,
        "source": "community",
        "due_at": NOW + dt.timedelta(days=7),
    }
    assert (str(row["funds"]), row["funds_source"], row["ordered_by_id"], row["ordered_at"]) == (
        "1200.50",
        "社区为民服务经费",
        people.grid.pk,
        NOW,
    )
    assert second.number == "GD2026-000002"
    assert order_events(order) == [("order", "", "ordered", people.grid.pk, NOW, "")]


def test_five_steps_with_a_return(vworld, people, tree) -> None:
    due = NOW + dt.timedelta(days=5)
    order = order_work(people, tree)
    order = services.work_order_dispatch(
        actor=people.worker,
        work_order=order,
        team=vworld.team,
        due_at=due,
        expected_version=1,
        now=NOW,
    )
    assert (order.status, order.version, order.team, order.partner) == (
        WorkOrderStatus.DISPATCHED,
        2,
        vworld.team,
        None,
    )
    assert (order.dispatched_at, order.due_at) == (NOW, due)
    t1, t2, t3, t4, t5 = (NOW + HOUR * n for n in range(1, 6))
    order = services.work_order_accept(
        actor=people.volunteer, work_order=order, expected_version=2, now=t1
    )
    assert (order.status, order.version, order.accepted_at, order.accepted_by) == (
        WorkOrderStatus.ACCEPTED,
        3,
        t1,
        people.volunteer,
    )
    order = services.work_order_complete(
        actor=people.volunteer, work_order=order, note="已粉刷完毕", expected_version=3, now=t2
    )
    assert (order.status, order.completed_at, order.completion_note) == (
        WorkOrderStatus.COMPLETED,
        t2,
        "已粉刷完毕",
    )
    order = services.work_order_return(
        actor=people.official, work_order=order, reason="墙面有漏刷", expected_version=4, now=t3
    )
    assert (order.status, order.version, order.completed_at) == (
        WorkOrderStatus.ACCEPTED,
        5,
        None,
    )
    order = services.work_order_complete(
        actor=people.volunteer, work_order=order, note="已补刷", expected_version=5, now=t4
    )
    order = services.work_order_verify(
        actor=people.official, work_order=order, note="验收合格", expected_version=6, now=t5
    )
    assert (order.status, order.version, order.verified_at) == (WorkOrderStatus.VERIFIED, 7, t5)
    assert order_events(order) == [
        ("order", "", "ordered", people.worker.pk, NOW, ""),
        ("dispatch", "ordered", "dispatched", people.worker.pk, NOW, "光明先锋队"),
        ("accept", "dispatched", "accepted", people.volunteer.pk, t1, ""),
        ("complete", "accepted", "completed", people.volunteer.pk, t2, "已粉刷完毕"),
        ("return", "completed", "accepted", people.official.pk, t3, "墙面有漏刷"),
        ("complete", "accepted", "completed", people.volunteer.pk, t4, "已补刷"),
        ("verify", "completed", "verified", people.official.pk, t5, "验收合格"),
    ]


def test_dispatch_to_a_partner_unit_accepted_by_its_contact(vworld, people, tree, cast) -> None:
    order = order_work(people, tree)
    order = services.work_order_dispatch(
        actor=people.worker, work_order=order, partner=cast.partner, now=NOW
    )
    assert (order.team, order.partner) == (None, cast.partner)
    with pytest.raises(OutOfScope):  # the team's lead is not offered this order
        services.work_order_accept(actor=people.volunteer, work_order=order, now=NOW)
    order = services.work_order_accept(actor=cast.partner_contact, work_order=order, now=LATER)
    assert (order.status, order.accepted_by) == (WorkOrderStatus.ACCEPTED, cast.partner_contact)
    order = services.work_order_complete(
        actor=cast.partner_contact, work_order=order, note="线路已更换", now=LATER
    )
    order = services.work_order_verify(actor=people.official, work_order=order, now=LATER)
    assert order.status == WorkOrderStatus.VERIFIED
    assert [event[:4] for event in order_events(order)] == [
        ("order", "", "ordered", people.worker.pk),
        ("dispatch", "ordered", "dispatched", people.worker.pk),
        ("accept", "dispatched", "accepted", cast.partner_contact.pk),
        ("complete", "accepted", "completed", cast.partner_contact.pk),
        ("verify", "completed", "verified", people.official.pk),
    ]
    assert order_events(order)[1][5] == "云阳供电公司"
    # The contact has no volunteer record: nobody earns points for it.
    assert PointEntry.objects.count() == 0


@pytest.mark.parametrize("status", [WorkOrderStatus.ORDERED, WorkOrderStatus.DISPATCHED])
def test_cancel_before_acceptance(vworld, people, tree, status) -> None:
    order = order_in(status, vworld, people, tree)
    version = order.version
    order = services.work_order_cancel(
        actor=people.worker,
        work_order=order,
        reason="居民已自行解决",
        expected_version=version,
        now=LATER,
    )
    assert (order.status, order.version) == (WorkOrderStatus.CANCELLED, version + 1)
    assert order_events(order)[-1] == (
        "cancel",
        status,
        "cancelled",
        people.worker.pk,
        LATER,
        "居民已自行解决",
    )


@pytest.mark.parametrize(
    "status",
    [
        WorkOrderStatus.ORDERED,
        WorkOrderStatus.DISPATCHED,
        WorkOrderStatus.ACCEPTED,
        WorkOrderStatus.COMPLETED,
    ],
)
def test_an_official_supervises_any_open_order(vworld, people, tree, status) -> None:
    order = order_in(status, vworld, people, tree)
    version = order.version
    result = services.work_order_supervise(
        actor=people.official, work_order=order, note="请本周内完成", now=LATER
    )
    # No status change; the version moves as with every step (a page opened before is stale).
    assert (result.status, result.version) == (status, version + 1)
    assert order_events(order)[-1] == (
        "supervise",
        status,
        status,
        people.official.pk,
        LATER,
        "请本周内完成",
    )


def test_a_district_official_supervises_too(vworld, people, tree, cast) -> None:
    order = order_in(WorkOrderStatus.DISPATCHED, vworld, people, tree)
    services.work_order_supervise(
        actor=cast.district_official, work_order=order, note="请加快", now=LATER
    )
    assert order_events(order)[-1][:4] == (
        "supervise",
        "dispatched",
        "dispatched",
        cast.district_official.pk,
    )


def test_a_holder_of_the_supervisor_post_supervises(vworld, people, tree, cast) -> None:
    """督单 by a supervisory committee member: a volunteer account whose person holds a
    current ``supervisor`` post of the order's community, whatever team they are in."""
    order = order_in(WorkOrderStatus.ACCEPTED, vworld, people, tree)
    services.work_order_supervise(
        actor=cast.supervisor, work_order=order, note="进度偏慢", now=LATER
    )
    assert order_events(order)[-1] == (
        "supervise",
        "accepted",
        "accepted",
        cast.supervisor.pk,
        LATER,
        "进度偏慢",
    )


def test_a_supervisor_whose_term_ended_may_not(vworld, people, tree, cast) -> None:
    org.post_end(actor=None, post=cast.supervisor_post, ended_on=dt.date(2026, 11, 1))
    order = order_in(WorkOrderStatus.ACCEPTED, vworld, people, tree)
    before = order_snapshot(order)
    with pytest.raises(OutOfScope):
        services.work_order_supervise(
            actor=cast.supervisor, work_order=order, note="进度偏慢", now=LATER
        )
    assert order_snapshot(order) == before


def test_supervise_needs_a_note(vworld, people, tree) -> None:
    order = order_in(WorkOrderStatus.ACCEPTED, vworld, people, tree)
    before = order_snapshot(order)
    with pytest.raises(ValidationFailed) as caught:
        services.work_order_supervise(actor=people.official, work_order=order, note=" ")
    assert caught.value.fields == {"note": ["This field is required."]}
    assert order_snapshot(order) == before


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (WorkOrderAction.COMPLETE, "note"),
        (WorkOrderAction.RETURN, "reason"),
        (WorkOrderAction.CANCEL, "reason"),
    ],
)
def test_notes_and_reasons_are_required(vworld, people, tree, action, field) -> None:
    order = order_in(ORDER_ALLOWED_FROM[action], vworld, people, tree)
    before = order_snapshot(order)
    calls: dict[str, OrderCall] = {
        WorkOrderAction.COMPLETE: services.work_order_complete,
        WorkOrderAction.RETURN: services.work_order_return,
        WorkOrderAction.CANCEL: services.work_order_cancel,
    }
    with pytest.raises(ValidationFailed) as caught:
        calls[action](actor=order_actor(action, people), work_order=order, **{field: ""})
    assert caught.value.fields == {field: ["This field is required."]}
    assert order_snapshot(order) == before


# --- Work orders: dispatch validation -------------------------------------------------------


def test_dispatch_names_exactly_one_provider(vworld, people, tree, cast) -> None:
    order = order_work(people, tree)
    before = order_snapshot(order)
    for providers in ({}, {"team": vworld.team, "partner": cast.partner}):
        with pytest.raises(ValidationFailed) as caught:
            services.work_order_dispatch(
                actor=people.worker, work_order=order, now=NOW, **providers
            )
        assert caught.value.fields == {"team": ["Choose one team or one partner unit."]}
    assert order_snapshot(order) == before


def test_dispatch_refuses_an_inactive_team_and_a_past_deadline(vworld, people, tree) -> None:
    order = order_work(people, tree)
    before = order_snapshot(order)
    with pytest.raises(ValidationFailed) as caught:
        services.work_order_dispatch(
            actor=people.worker, work_order=order, team=vworld.team, due_at=NOW, now=NOW
        )
    assert caught.value.fields == {"due_at": ["The deadline must be in the future."]}
    Team.objects.filter(pk=vworld.team.pk).update(is_active=False)
    vworld.team.refresh_from_db()
    with pytest.raises(ValidationFailed) as caught:
        services.work_order_dispatch(
            actor=people.worker, work_order=order, team=vworld.team, now=NOW
        )
    assert caught.value.fields == {"team": ["This provider is no longer active."]}
    assert order_snapshot(order) == before


def test_dispatch_to_a_team_of_another_community_is_404(vworld, people, tree, cast) -> None:
    xinhua_team = services.team_create(
        actor=None, unit=tree.xinhua, name="新华先锋队", kind=Team.Kind.VANGUARD
    )
    order = order_work(people, tree)
    before = order_snapshot(order)
    with pytest.raises(OutOfScope):
        services.work_order_dispatch(
            actor=people.worker, work_order=order, team=xinhua_team, now=NOW
        )
    assert order_snapshot(order) == before


# --- Work orders: forbidden, rerun, stale --------------------------------------------------

ORDER_FORBIDDEN = [
    (WorkOrderAction.DISPATCH, WorkOrderStatus.ACCEPTED),
    (WorkOrderAction.DISPATCH, WorkOrderStatus.COMPLETED),
    (WorkOrderAction.DISPATCH, WorkOrderStatus.VERIFIED),
    (WorkOrderAction.DISPATCH, WorkOrderStatus.CANCELLED),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.COMPLETED),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.VERIFIED),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.CANCELLED),
    (WorkOrderAction.COMPLETE, WorkOrderStatus.DISPATCHED),
    (WorkOrderAction.COMPLETE, WorkOrderStatus.VERIFIED),
    (WorkOrderAction.COMPLETE, WorkOrderStatus.CANCELLED),
    (WorkOrderAction.VERIFY, WorkOrderStatus.ORDERED),
    (WorkOrderAction.VERIFY, WorkOrderStatus.DISPATCHED),
    (WorkOrderAction.VERIFY, WorkOrderStatus.ACCEPTED),
    (WorkOrderAction.VERIFY, WorkOrderStatus.CANCELLED),
    (WorkOrderAction.RETURN, WorkOrderStatus.ORDERED),
    (WorkOrderAction.RETURN, WorkOrderStatus.DISPATCHED),
    (WorkOrderAction.RETURN, WorkOrderStatus.ACCEPTED),
    (WorkOrderAction.RETURN, WorkOrderStatus.VERIFIED),
    (WorkOrderAction.RETURN, WorkOrderStatus.CANCELLED),
    (WorkOrderAction.CANCEL, WorkOrderStatus.ACCEPTED),
    (WorkOrderAction.CANCEL, WorkOrderStatus.COMPLETED),
    (WorkOrderAction.CANCEL, WorkOrderStatus.VERIFIED),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.VERIFIED),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.CANCELLED),
]


@pytest.mark.parametrize(("action", "status"), ORDER_FORBIDDEN)
def test_order_forbidden_source_is_409_and_changes_nothing(
    vworld, people, tree, action, status
) -> None:
    order = order_in(status, vworld, people, tree)
    before = order_snapshot(order)
    with pytest.raises(InvalidTransition) as caught:
        order_calls(vworld)[action](
            actor=order_actor(action, people),
            work_order=order,
            expected_version=order.version,
            now=LATER,
        )
    assert caught.value.status_code == 409
    assert order_snapshot(order) == before


def test_every_work_order_transition_is_covered() -> None:
    from volunteers.models import WORK_ORDER_TRANSITIONS

    assert set(ORDER_ALLOWED_FROM) == {*WORK_ORDER_TRANSITIONS, WorkOrderAction.SUPERVISE}
    for action, (sources, _target) in WORK_ORDER_TRANSITIONS.items():
        assert ORDER_ALLOWED_FROM[action] in sources


@pytest.mark.parametrize("action", list(ORDER_ALLOWED_FROM))
def test_order_rerun_is_a_noop(vworld, people, tree, action) -> None:
    order = order_in(ORDER_ALLOWED_FROM[action], vworld, people, tree)
    version = order.version
    call = order_calls(vworld)[action]
    actor = order_actor(action, people)
    first = call(actor=actor, work_order=order, expected_version=version, now=LATER)
    after_first = order_snapshot(order)
    again = call(actor=actor, work_order=order, expected_version=version, now=LATER + HOUR)
    assert (again.pk, again.status, again.version) == (first.pk, first.status, first.version)
    assert order_snapshot(order) == after_first
    assert [event[0] for event in order_events(order)].count(action) == 1


def test_dispatching_again_to_another_provider_is_409(vworld, people, tree, cast) -> None:
    order = order_in(WorkOrderStatus.DISPATCHED, vworld, people, tree)
    before = order_snapshot(order)
    for provider in ({"team": cast.helper_team}, {"partner": cast.partner}):
        with pytest.raises(InvalidTransition):
            services.work_order_dispatch(
                actor=people.worker, work_order=order, now=LATER, **provider
            )
    assert order_snapshot(order) == before


def test_a_second_supervision_with_another_note_is_recorded(vworld, people, tree, cast) -> None:
    order = order_in(WorkOrderStatus.ACCEPTED, vworld, people, tree)
    services.work_order_supervise(actor=people.official, work_order=order, note="请加快", now=NOW)
    services.work_order_supervise(
        actor=people.official, work_order=order, note="请今日完成", now=LATER
    )
    services.work_order_supervise(actor=cast.supervisor, work_order=order, note="请加快", now=LATER)
    assert [event[3:] for event in order_events(order) if event[0] == "supervise"] == [
        (people.official.pk, NOW, "请加快"),
        (people.official.pk, LATER, "请今日完成"),
        (cast.supervisor.pk, LATER, "请加快"),
    ]


@pytest.mark.parametrize("action", list(ORDER_ALLOWED_FROM))
def test_order_stale_version_is_409_and_changes_nothing(vworld, people, tree, action) -> None:
    order = order_in(ORDER_ALLOWED_FROM[action], vworld, people, tree)
    before = order_snapshot(order)
    with pytest.raises(ConcurrentUpdate) as caught:
        order_calls(vworld)[action](
            actor=order_actor(action, people),
            work_order=order,
            expected_version=order.version - 1,
            now=LATER,
        )
    assert caught.value.status_code == 409
    assert order_snapshot(order) == before


def test_accepting_someone_elses_accepted_order_is_not_a_rerun(vworld, people, tree) -> None:
    """The lead changes after acceptance: the new lead's accept is refused, not a no-op."""
    order = order_in(WorkOrderStatus.ACCEPTED, vworld, people, tree)
    new_lead = make_user("new_lead", User.Role.VOLUNTEER, unit=tree.guangming)
    services.volunteer_register(
        actor=None, person=vworld.other.person, community=tree.guangming, account=new_lead
    )
    services.team_update_members(actor=None, team=vworld.team, lead=vworld.other)
    before = order_snapshot(order)
    with pytest.raises(InvalidTransition):
        services.work_order_accept(actor=new_lead, work_order=order, now=LATER)
    assert order_snapshot(order) == before


# --- Work orders: who may act --------------------------------------------------------------

ORDER_ROLE_CASES = [
    # (action, status, actor, error)
    (WorkOrderAction.DISPATCH, WorkOrderStatus.ORDERED, "grid", NotAllowed),
    (WorkOrderAction.DISPATCH, WorkOrderStatus.ORDERED, "official", NotAllowed),
    (WorkOrderAction.DISPATCH, WorkOrderStatus.ORDERED, "other_worker", OutOfScope),
    (WorkOrderAction.DISPATCH, WorkOrderStatus.ORDERED, "heping_worker", OutOfScope),
    (WorkOrderAction.DISPATCH, WorkOrderStatus.ORDERED, "volunteer", OutOfScope),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.DISPATCHED, "worker", NotAllowed),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.DISPATCHED, "official", NotAllowed),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.DISPATCHED, "member", NotAllowed),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.DISPATCHED, "helper_lead", OutOfScope),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.DISPATCHED, "partner_contact", OutOfScope),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.DISPATCHED, "other_worker", OutOfScope),
    (WorkOrderAction.ACCEPT, WorkOrderStatus.ORDERED, "volunteer", OutOfScope),
    (WorkOrderAction.COMPLETE, WorkOrderStatus.ACCEPTED, "worker", NotAllowed),
    (WorkOrderAction.COMPLETE, WorkOrderStatus.ACCEPTED, "member", NotAllowed),
    (WorkOrderAction.COMPLETE, WorkOrderStatus.ACCEPTED, "helper_lead", OutOfScope),
    (WorkOrderAction.VERIFY, WorkOrderStatus.COMPLETED, "grid", NotAllowed),
    (WorkOrderAction.VERIFY, WorkOrderStatus.COMPLETED, "worker", NotAllowed),
    (WorkOrderAction.VERIFY, WorkOrderStatus.COMPLETED, "volunteer", NotAllowed),
    (WorkOrderAction.VERIFY, WorkOrderStatus.COMPLETED, "district_official", NotAllowed),
    (WorkOrderAction.VERIFY, WorkOrderStatus.COMPLETED, "west_official", OutOfScope),
    (WorkOrderAction.VERIFY, WorkOrderStatus.COMPLETED, "other_worker", OutOfScope),
    (WorkOrderAction.RETURN, WorkOrderStatus.COMPLETED, "worker", NotAllowed),
    (WorkOrderAction.RETURN, WorkOrderStatus.COMPLETED, "district_official", NotAllowed),
    (WorkOrderAction.CANCEL, WorkOrderStatus.ORDERED, "grid", NotAllowed),
    (WorkOrderAction.CANCEL, WorkOrderStatus.DISPATCHED, "official", NotAllowed),
    (WorkOrderAction.CANCEL, WorkOrderStatus.DISPATCHED, "volunteer", NotAllowed),
    (WorkOrderAction.CANCEL, WorkOrderStatus.ORDERED, "other_worker", OutOfScope),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.ACCEPTED, "worker", NotAllowed),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.ACCEPTED, "grid", NotAllowed),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.ACCEPTED, "volunteer", NotAllowed),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.ACCEPTED, "member", NotAllowed),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.ACCEPTED, "west_official", OutOfScope),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.ACCEPTED, "helper_lead", OutOfScope),
    (WorkOrderAction.SUPERVISE, WorkOrderStatus.ACCEPTED, "handler", OutOfScope),
]


@pytest.mark.parametrize(("action", "status", "actor", "error"), ORDER_ROLE_CASES)
def test_order_role_checks(vworld, people, tree, cast, action, status, actor, error) -> None:
    order = order_in(status, vworld, people, tree)
    before = order_snapshot(order)
    with pytest.raises(error) as caught:
        order_calls(vworld)[action](actor=account(actor, people, cast), work_order=order, now=LATER)
    assert caught.value.status_code == (403 if error is NotAllowed else 404)
    assert order_snapshot(order) == before


def test_a_supervisor_of_another_community_may_not(vworld, people, tree, cast) -> None:
    """The supervisor post is of 光明社区: a 和平社区 order is not theirs to supervise."""
    heping_order = services.work_order_create(
        actor=None,
        community=tree.heping,
        title="修路灯",
        content="3号楼路灯不亮",
        ordered_by=people.worker,
        now=NOW,
    )
    before = order_snapshot(heping_order)
    with pytest.raises(OutOfScope):
        services.work_order_supervise(
            actor=cast.supervisor, work_order=heping_order, note="进度偏慢", now=LATER
        )
    assert order_snapshot(heping_order) == before


@pytest.mark.parametrize(
    ("actor", "community", "error"),
    [
        ("volunteer", "guangming", NotAllowed),
        ("official", "guangming", NotAllowed),
        ("other_worker", "guangming", OutOfScope),
        ("handler", "guangming", NotAllowed),
    ],
)
def test_who_may_order_work(vworld, people, tree, cast, actor, community, error) -> None:
    with pytest.raises(error):
        services.work_order_create(
            actor=account(actor, people, cast),
            community=getattr(tree, community),
            title="楼道粉刷",
            content="粉刷1号楼楼道",
            now=NOW,
        )
    assert WorkOrder.objects.count() == 0
    assert WorkOrderEvent.objects.count() == 0


def test_order_validation(vworld, people, tree) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.work_order_create(
            actor=people.worker,
            community=tree.guangming,
            title="楼道粉刷",
            content="粉刷1号楼楼道",
            source=WorkOrder.Source.PETITION,
            due_at=NOW - HOUR,
            now=NOW,
        )
    assert caught.value.fields == {
        "petition": ["Choose the petition."],
        "due_at": ["The deadline must be in the future."],
    }
    with pytest.raises(ValidationFailed) as caught:
        order_work(people, tree, funds="-1")
    assert caught.value.fields == {"funds": ["Enter an amount between 0 and 99,999,999 yuan."]}
    with pytest.raises(ValidationFailed) as caught:
        order_work(people, tree, funds="十元")
    assert caught.value.fields == {"funds": ["Enter an amount in yuan."]}
    for not_a_number in ("NaN", "Infinity"):
        with pytest.raises(ValidationFailed) as caught:
            order_work(people, tree, funds=not_a_number)
        assert set(caught.value.fields) == {"funds"}
    assert WorkOrder.objects.count() == 0


def test_a_petition_becomes_one_work_order(vworld, people, tree) -> None:
    petition = log_petition(people, tree)
    order = services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="楼道清理",
        content="清理1号楼楼道杂物",
        source=WorkOrder.Source.RESIDENT,
        petition=petition,
        now=NOW,
    )
    assert (order.source, order.petition) == (WorkOrder.Source.PETITION, petition)
    with pytest.raises(ValidationFailed) as caught:
        services.work_order_create(
            actor=people.worker,
            community=tree.guangming,
            title="楼道清理",
            content="再来一次",
            petition=petition,
            now=NOW,
        )
    assert caught.value.fields == {"petition": ["This petition is already a work order."]}
    with pytest.raises(ValidationFailed) as caught:
        services.work_order_create(
            actor=None,
            community=tree.heping,
            title="楼道清理",
            content="别的社区",
            petition=log_petition(people, tree),
            ordered_by=people.worker,
            now=NOW,
        )
    assert caught.value.fields == {"petition": ["The petition belongs to another community."]}
    assert WorkOrder.objects.count() == 1


def test_a_petition_outside_the_area_is_404(vworld, people, tree) -> None:
    petition = log_petition(people, tree)
    with pytest.raises(OutOfScope):
        services.work_order_create(
            actor=people.other_worker,
            community=tree.xinhua,
            title="楼道清理",
            content="清理",
            petition=petition,
            now=NOW,
        )
    assert WorkOrder.objects.count() == 0


# --- The work-order deadline sweep ---------------------------------------------------------


def overdue_events() -> list[tuple[Any, ...]]:
    return list(
        WorkOrderEvent.objects.filter(action=WorkOrderAction.OVERDUE)
        .order_by("at", "id")
        .values_list("work_order_id", "from_status", "to_status", "actor_id", "at")
    )


def inbox() -> list[tuple[Any, ...]]:
    return list(
        Notification.objects.order_by("id").values_list(
            "recipient_id",
            "kind",
            "subject_type__model",
            "subject_id",
            "link",
            "title",
            "created_at",
        )
    )


def test_an_overdue_order_is_noted_once_and_its_community_told(vworld, people, tree) -> None:
    due = NOW + dt.timedelta(days=1)
    order = order_work(people, tree, title="修路灯", due_at=due)
    order_work(people, tree, title="不限期")  # no deadline: never due
    later_due = order_work(people, tree, title="下周再修", due_at=NOW + dt.timedelta(days=9))
    assert note_overdue_work_orders(now=due - dt.timedelta(seconds=1)) == 0
    late = NOW + dt.timedelta(days=2)
    assert note_overdue_work_orders(now=late) == 1
    assert note_overdue_work_orders(now=late + HOUR) == 0
    order.refresh_from_db()
    assert (order.overdue_noted_at, order.status, order.version) == (late, "ordered", 1)
    assert overdue_events() == [(order.pk, "ordered", "ordered", None, late)]
    # The staff of 光明社区 only (not its grid worker, not the street, not other communities).
    # The work order is the subject (no petition); the message links to its page.
    assert inbox() == [
        (
            people.worker.pk,
            "work_order.overdue",
            "workorder",
            order.pk,
            f"/volunteers/work-orders/{order.pk}/",
            "Work order overdue: GD2026-000001 修路灯",
            late,
        )
    ]
    assert list(order.notifications.all()) == list(Notification.objects.all())
    assert not Notification.objects.filter(petition__isnull=False).exists()
    later_due.refresh_from_db()
    assert later_due.overdue_noted_at is None


def test_a_moved_deadline_rearms_the_sweep(vworld, people, tree) -> None:
    order = order_work(people, tree, title="修路灯", due_at=NOW + dt.timedelta(days=1))
    first_late = NOW + dt.timedelta(days=2)
    assert note_overdue_work_orders(now=first_late) == 1
    new_due = NOW + dt.timedelta(days=5)
    order = services.work_order_dispatch(
        actor=people.worker, work_order=order, team=vworld.team, due_at=new_due, now=first_late
    )
    assert (order.due_at, order.overdue_noted_at) == (new_due, None)
    assert note_overdue_work_orders(now=new_due - HOUR) == 0
    second_late = new_due + HOUR
    assert note_overdue_work_orders(now=second_late) == 1
    assert note_overdue_work_orders(now=second_late + HOUR) == 0
    assert overdue_events() == [
        (order.pk, "ordered", "ordered", None, first_late),
        (order.pk, "dispatched", "dispatched", None, second_late),
    ]
    assert [row[-1] for row in inbox()] == [first_late, second_late]


def test_dispatch_without_a_new_deadline_keeps_the_note(vworld, people, tree) -> None:
    order = order_work(people, tree, due_at=NOW + dt.timedelta(days=1))
    late = NOW + dt.timedelta(days=2)
    note_overdue_work_orders(now=late)
    order = services.work_order_dispatch(
        actor=people.worker, work_order=order, team=vworld.team, now=late
    )
    assert order.overdue_noted_at == late
    assert note_overdue_work_orders(now=late + HOUR) == 0
    assert len(overdue_events()) == 1


@pytest.mark.parametrize(
    "status",
    [WorkOrderStatus.COMPLETED, WorkOrderStatus.VERIFIED, WorkOrderStatus.CANCELLED],
)
def test_finished_orders_are_never_overdue(vworld, people, tree, status) -> None:
    order = order_in(status, vworld, people, tree)
    WorkOrder.objects.filter(pk=order.pk).update(due_at=NOW + HOUR)
    assert note_overdue_work_orders(now=NOW + dt.timedelta(days=3)) == 0
    assert overdue_events() == []
    assert inbox() == []


def test_an_accepted_order_past_its_deadline_is_noted(vworld, people, tree) -> None:
    order = order_work(people, tree, due_at=NOW + HOUR)
    order = services.work_order_dispatch(
        actor=people.worker, work_order=order, team=vworld.team, now=NOW
    )
    order = services.work_order_accept(actor=people.volunteer, work_order=order, now=NOW)
    late = NOW + dt.timedelta(days=1)
    assert note_overdue_work_orders(now=late) == 1
    assert overdue_events() == [(order.pk, "accepted", "accepted", None, late)]
    # The overdue note is not an action: rerunning accept is still a no-op.
    again = services.work_order_accept(actor=people.volunteer, work_order=order, now=late)
    assert again.version == order.version


def test_the_note_compares_the_deadline_it_read(vworld, people, tree) -> None:
    """A sweep that read the old deadline does not note an order whose deadline moved."""
    order = order_work(people, tree, due_at=NOW + HOUR)
    old_due = order.due_at
    assert old_due is not None
    services.work_order_dispatch(
        actor=people.worker,
        work_order=order,
        team=vworld.team,
        due_at=NOW + dt.timedelta(days=3),
        now=NOW,
    )
    late = NOW + dt.timedelta(days=1)
    assert not services.work_order_note_overdue(work_order_id=order.pk, due_at=old_due, now=late)
    assert overdue_events() == []
    assert inbox() == []


def test_the_sweep_works_through_every_batch(vworld, people, tree) -> None:
    orders = [order_work(people, tree, due_at=NOW + HOUR * n) for n in range(1, 6)]
    late = NOW + dt.timedelta(days=1)
    assert note_overdue_work_orders(now=late, batch_size=2) == 5
    assert [row[0] for row in overdue_events()] == [order.pk for order in orders]
    assert len(inbox()) == 5


# --- Activities: sign-up within the places ---------------------------------------------------


def signups() -> list[tuple[Any, ...]]:
    return list(
        Signup.objects.order_by("id").values_list(
            "activity_id", "volunteer_id", "signed_up_at", "cancelled_at", "checked_in_at"
        )
    )


def test_sign_up_once_within_the_places(vworld, people, tree, cast) -> None:
    activity = announce(people, tree.guangming, capacity=1)
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    again = services.activity_sign_up(actor=people.volunteer, activity=activity, now=LATER)
    assert again.pk == signup.pk
    with pytest.raises(InvalidTransition) as caught:
        services.activity_sign_up(actor=cast.member, activity=activity, now=NOW)
    assert str(caught.value.message) == "This activity is full."
    assert signups() == [(activity.pk, vworld.me.pk, NOW, None, None)]


def test_a_street_activity_is_open_to_its_communities(vworld, people, tree, cast) -> None:
    activity = announce(people, tree.east)
    services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    with pytest.raises(OutOfScope):
        services.activity_sign_up(actor=cast.xinhua_volunteer, activity=activity, now=NOW)
    assert signups() == [(activity.pk, vworld.me.pk, NOW, None, None)]


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        ("worker", NotAllowed),
        ("bare_volunteer", NotAllowed),
        ("xinhua_volunteer", OutOfScope),
        ("handler", OutOfScope),
    ],
)
def test_who_may_sign_up(vworld, people, tree, cast, actor, error) -> None:
    activity = announce(people, tree.guangming)
    with pytest.raises(error):
        services.activity_sign_up(actor=account(actor, people, cast), activity=activity, now=NOW)
    assert signups() == []


def test_sign_up_closes_at_the_start_and_on_cancellation(vworld, people, tree) -> None:
    activity = announce(people, tree.guangming)
    with pytest.raises(InvalidTransition):
        services.activity_sign_up(actor=people.volunteer, activity=activity, now=SATURDAY)
    Activity.objects.filter(pk=activity.pk).update(is_cancelled=True)
    with pytest.raises(InvalidTransition):
        services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    assert signups() == []


def test_withdraw_a_sign_up_before_the_start(vworld, people, tree, cast) -> None:
    activity = announce(people, tree.guangming, capacity=1)
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    with pytest.raises(OutOfScope):
        services.activity_cancel_sign_up(actor=cast.member, signup=signup, now=NOW)
    with pytest.raises(InvalidTransition):
        services.activity_cancel_sign_up(actor=people.volunteer, signup=signup, now=SATURDAY)
    cancelled = services.activity_cancel_sign_up(actor=people.volunteer, signup=signup, now=NOW)
    again = services.activity_cancel_sign_up(actor=people.volunteer, signup=signup, now=LATER)
    assert (cancelled.cancelled_at, again.cancelled_at) == (NOW, NOW)
    # The place is free again: another volunteer takes it.
    services.activity_sign_up(actor=cast.member, activity=activity, now=LATER)
    assert signups() == [
        (activity.pk, vworld.me.pk, NOW, NOW, None),
        (activity.pk, vworld.other.pk, LATER, None, None),
    ]
