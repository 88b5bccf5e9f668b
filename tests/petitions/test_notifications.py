"""What petitions tell people (who, the kinds, the petition as subject and its page as link;
the inbox and the outbox themselves are tested in tests/notifications/) and the headline
figures the dashboard reads (响应率, 解决率, 满意率, 一次性化解率, on-time rates, escalations by
level, departments)."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Notification, OutboxEmail
from notifications.services import notify
from orgchart.models import User
from petitions import services
from petitions.models import Dispatch, Satisfaction, Status
from petitions.selectors import (
    DepartmentFigures,
    notification_list,
    petition_figures,
    petition_list_visible,
)
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree, make_user
from tests.petitions.conftest import NOW, at, bring_to, log_petition, log_petition_as

pytestmark = pytest.mark.usefixtures("english")

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def second_worker(tree: Tree) -> User:
    return make_user(
        "second_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, email="w2@example.cn"
    )


def inbox_rows() -> list[tuple[str, str, str]]:
    return sorted(
        Notification.objects.values_list("recipient__username", "kind", "title").order_by()
    )


# --- Who is told -----------------------------------------------------------------------------


def test_a_new_petition_tells_the_communitys_staff_but_not_who_logged_it(
    people, tree, second_worker
) -> None:
    log_petition(people, tree)
    assert inbox_rows() == [
        ("second_worker", "petition.create", "New petition: Petition 2026-000001: 楼道堆放杂物")
    ]
    log_petition_as(people.grid, tree)
    assert inbox_rows() == [
        ("second_worker", "petition.create", "New petition: Petition 2026-000001: 楼道堆放杂物"),
        ("second_worker", "petition.create", "New petition: Petition 2026-000002: 楼道堆放杂物"),
        ("worker", "petition.create", "New petition: Petition 2026-000002: 楼道堆放杂物"),
    ]


def test_every_step_tells_the_other_side(people, tree, police_handler) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, assists=[tree.police], now=NOW
    )
    lead = Dispatch.objects.get(department=tree.chengguan)
    assist = Dispatch.objects.get(department=tree.police)
    services.dispatch_report(actor=people.handler, dispatch=lead, now=NOW)
    services.dispatch_complete(actor=people.handler, dispatch=lead, note="已清理", now=NOW)
    services.dispatch_return(actor=police_handler, dispatch=assist, reason="非本部门", now=NOW)
    services.petition_supervise(
        actor=people.official, petition=petition, note="请尽快答复", now=NOW
    )
    title = "Petition 2026-000001: 楼道堆放杂物"
    assert inbox_rows() == [
        ("handler", "petition.dispatch", f"Whistle: {title}"),
        ("police_handler", "petition.dispatch", f"Whistle: {title}"),
        ("worker", "petition.complete", f"城管局 completed: {title}"),
        ("worker", "petition.report", f"城管局 reported: {title}"),
        ("worker", "petition.return", f"东城派出所 returned: {title}"),
        ("worker", "petition.supervise", f"Supervised: {title}"),
    ]
    assert Notification.objects.get(kind="petition.return").body == "非本部门"
    assert Notification.objects.get(kind="petition.complete").body == "已清理"
    assert set(Notification.objects.values_list("created_at", flat=True)) == {NOW}
    assert set(Notification.objects.values_list("subject_id", flat=True)) == {petition.pk}


def test_a_petitions_messages_have_it_as_their_subject_and_link_to_its_page(
    people, tree, second_worker, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        petition = log_petition_as(people.grid, tree)
    rows = Notification.objects.order_by("recipient__username")
    assert [(row.recipient.username, row.kind, row.subject, row.link) for row in rows] == [
        ("second_worker", "petition.create", petition, f"/petitions/{petition.pk}/"),
        ("worker", "petition.create", petition, f"/petitions/{petition.pk}/"),
    ]
    assert list(Notification.objects.filter(petition=petition).order_by("pk")) == list(
        petition.notifications.order_by("pk")
    )
    # The e-mail of the one with an address, sent once the intake commits.
    assert len(callbacks) == 1
    assert list(OutboxEmail.objects.values_list("to_address", "subject", "body")) == [
        (
            "w2@example.cn",
            f"New petition: Petition {petition.number}: 楼道堆放杂物",
            f"New petition: Petition {petition.number}: 楼道堆放杂物",  # no body: the title
        )
    ]


def test_the_inbox_annotates_the_petition_of_each_message(people, tree) -> None:
    petition = log_petition_as(people.grid, tree)
    notify(recipients=[people.worker], kind="work_order.overdue", title="服务项目已超期", now=NOW)
    rows = [vars(row) for row in notification_list(user=people.worker)]
    assert [(row["kind"], row["petition_ref"], row["petition_number"]) for row in rows] == [
        ("work_order.overdue", None, ""),
        ("petition.create", petition.pk, petition.number),
    ]


# --- Figures ---------------------------------------------------------------------------------


def crafted_set(
    people: Personas, tree: Tree, heping_worker: User, police_handler: User, district_official: User
) -> dict[str, object]:
    """Nine petitions under 东城街道 and one elsewhere, with known outcomes:

    P1 closed, satisfied, first time      P6 closed, satisfied, the report missed (level 1)
    P2 closed after an unsatisfied round  P7 (和平社区) accepted, overdue
    P3 rejected                           P9 unsatisfied, accepted again, overdue
    P4 acceptance missed twice (levels 1 and 2), accepted by the district
    P5 closed without evaluation          P10 logged later, waiting
    P8 (新华社区, another street): outside the official's view
    """
    worker, official = people.worker, people.official
    minute = dt.timedelta(minutes=1)

    def step(petition, *names: str, at_time=NOW):
        for name in names:
            if name == "accept":
                petition = services.petition_accept(actor=worker, petition=petition, now=at_time)
            elif name == "start":
                petition = services.petition_start(actor=worker, petition=petition, now=at_time)
            elif name == "reply":
                petition = services.petition_reply(
                    actor=worker, petition=petition, reply="已处理", now=at_time
                )
            at_time += minute
        return petition

    p1 = step(log_petition(people, tree), "accept", "start", "reply")
    services.petition_evaluate(
        actor=worker, petition=p1, satisfaction=Satisfaction.SATISFIED, now=NOW + HOUR
    )

    p2 = step(log_petition(people, tree), "accept")
    services.petition_dispatch(
        actor=worker, petition=p2, lead=tree.chengguan, assists=[tree.police], now=NOW
    )
    lead = Dispatch.objects.get(petition=p2, department=tree.chengguan)
    assist = Dispatch.objects.get(petition=p2, department=tree.police)
    services.dispatch_report(actor=people.handler, dispatch=lead, now=NOW + HOUR)
    services.dispatch_complete(
        actor=people.handler, dispatch=lead, note="已清理", now=NOW + 2 * HOUR
    )
    services.dispatch_return(
        actor=police_handler, dispatch=assist, reason="非本部门", now=NOW + 2 * HOUR
    )
    services.petition_reply(actor=worker, petition=p2, reply="已处理", now=NOW + 3 * HOUR)
    services.petition_evaluate(
        actor=worker, petition=p2, satisfaction="unsatisfied", now=NOW + 4 * HOUR
    )
    step(p2, "start", "reply", at_time=NOW + 5 * HOUR)
    services.petition_evaluate(
        actor=worker, petition=p2, satisfaction="basically_satisfied", now=NOW + 6 * HOUR
    )
    services.dispatch_rate(actor=worker, dispatch=lead, rating=4, now=NOW + 7 * HOUR)
    services.dispatch_rate(actor=worker, dispatch=assist, rating=2, now=NOW + 7 * HOUR)

    p3 = log_petition(people, tree)
    services.petition_reject(actor=worker, petition=p3, reason="属于诉讼程序", now=NOW + HOUR)

    p4 = log_petition(people, tree)

    p5 = step(log_petition(people, tree), "accept", "start", "reply")
    services.petition_close(actor=worker, petition=p5, reason="联系不上", now=NOW + HOUR)

    p6 = step(log_petition(people, tree), "accept")
    services.petition_dispatch(actor=worker, petition=p6, lead=tree.chengguan, now=NOW)

    p7 = log_petition_as(heping_worker, tree, location=tree.heping)
    services.petition_accept(actor=heping_worker, petition=p7, now=NOW)

    p8 = log_petition_as(people.other_worker, tree, location=tree.xinhua)
    services.petition_accept(actor=people.other_worker, petition=p8, now=NOW)
    services.petition_dispatch(actor=people.other_worker, petition=p8, lead=tree.chengguan, now=NOW)

    p9 = step(log_petition(people, tree), "accept", "start", "reply")
    services.petition_evaluate(
        actor=worker, petition=p9, satisfaction="unsatisfied", now=NOW + HOUR
    )

    # Friday 09:00: P4's acceptance (due Thursday night) and P6's and P8's reports (due
    # Thursday 10:00) were missed.
    friday = at("2026-11-20", "09:00")
    assert escalate_overdue(now=friday).escalated == {
        "accept": 1,
        "resolve": 0,
        "report": 2,
        "complete": 0,
    }
    services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=p8), now=friday + HOUR
    )
    p6_dispatch = Dispatch.objects.get(petition=p6)
    services.dispatch_report(actor=people.handler, dispatch=p6_dispatch, now=friday + HOUR)
    services.dispatch_complete(
        actor=people.handler, dispatch=p6_dispatch, note="已处理", now=friday + 2 * HOUR
    )
    services.petition_reply(actor=official, petition=p6, reply="已处理", now=friday + 3 * HOUR)
    services.petition_evaluate(
        actor=official, petition=p6, satisfaction="satisfied", now=friday + 4 * HOUR
    )
    services.dispatch_rate(actor=official, dispatch=p6_dispatch, rating=3, now=friday + 5 * HOUR)
    # Tuesday 09:00: P4 missed the street's acceptance deadline too; the district accepts it.
    tuesday = at("2026-11-24", "09:00")
    assert escalate_overdue(now=tuesday).escalated == {
        "accept": 1,
        "resolve": 0,
        "report": 0,
        "complete": 0,
    }
    services.petition_accept(actor=district_official, petition=p4, now=tuesday + HOUR)

    p10 = log_petition(people, tree, now=at("2026-11-27", "10:00"))
    return {"p4": p4, "p7": p7, "p8": p8, "p9": p9, "p10": p10}


@pytest.fixture
def figures_world(people, tree, heping_worker, police_handler, district_official):
    return crafted_set(people, tree, heping_worker, police_handler, district_official)


SATURDAY = at("2026-11-28", "10:00")


def test_figures_of_the_street(figures_world, people, tree) -> None:
    figures = petition_figures(user=people.official, now=SATURDAY)
    assert (figures.logged, figures.responded, figures.rejected, figures.accepted) == (9, 8, 1, 7)
    assert (figures.closed, figures.closed_first_time) == (4, 2)
    assert (figures.evaluated, figures.satisfied) == (4, 3)
    assert (figures.accepted_on_time, figures.closed_on_time) == (6, 3)
    # Overdue: P4 missed its acceptance deadline twice (the escalations gave it fresh clocks and
    # the district accepted it, but the miss stays on the record until it closes); the resolve
    # clocks of P7 and P9 ran out; P10 is on time (P8 lies in 西城街道).
    assert (figures.open, figures.overdue) == (4, 3)
    overdue = petition_list_visible(user=people.official, overdue=True, now=SATURDAY)
    assert sorted(overdue.values_list("pk", flat=True)) == sorted(
        figures_world[name].pk for name in ("p4", "p7", "p9")
    )
    assert figures.response_rate == 0.8889  # 8 / 9
    assert figures.resolution_rate == 0.5714  # 4 / 7
    assert figures.satisfaction_rate == 0.75  # 3 / 4
    assert figures.first_time_resolution_rate == 0.5  # 2 / 4
    assert figures.on_time_acceptance_rate == 0.8571  # 6 / 7
    assert figures.on_time_resolution_rate == 0.75  # 3 / 4
    assert figures.escalations_by_level == {1: 2, 2: 1}
    assert sorted(figures.departments, key=lambda row: row.department_id) == [
        DepartmentFigures(
            department_id=tree.chengguan.pk,
            name="城管局",
            dispatches=2,
            reported_on_time=1,
            completed=2,
            returned=0,
            average_rating=3.5,
        ),
        DepartmentFigures(
            department_id=tree.police.pk,
            name="东城派出所",
            dispatches=1,
            reported_on_time=0,
            completed=0,
            returned=1,
            average_rating=2.0,
        ),
    ]
    assert [
        row.on_time_report_rate
        for row in sorted(figures.departments, key=lambda row: row.department_id)
    ] == [0.5, 0.0]


def test_figures_of_a_community_and_a_period(figures_world, people, tree) -> None:
    heping = petition_figures(user=people.official, within=tree.heping, now=SATURDAY)
    assert (heping.logged, heping.accepted, heping.open, heping.overdue) == (1, 1, 1, 1)
    assert (heping.closed, heping.first_time_resolution_rate, heping.resolution_rate) == (
        0,
        None,
        0.0,
    )
    assert heping.departments == []
    later = petition_figures(
        user=people.official, date_from=at("2026-11-27", "00:00"), now=SATURDAY
    )
    assert (later.logged, later.responded, later.response_rate) == (1, 0, 0.0)
    earlier = petition_figures(
        user=people.official, date_to=at("2026-11-27", "00:00"), now=SATURDAY
    )
    assert earlier.logged == 8


def test_figures_follow_the_users_scope(figures_world, people, tree) -> None:
    west = petition_figures(user=people.other_worker, now=SATURDAY)
    assert (west.logged, west.accepted, west.escalations_by_level) == (1, 1, {1: 1})
    assert [(row.name, row.dispatches) for row in west.departments] == [("城管局", 1)]
    # 光明社区's worker does not see 和平社区's petition; the superuser sees all ten.
    assert petition_figures(user=people.worker, now=SATURDAY).logged == 8
    assert petition_figures(user=people.superuser, now=SATURDAY).logged == 10
    assert petition_figures(user=people.volunteer, now=SATURDAY).logged == 0


def test_figures_with_nothing_logged(people) -> None:
    figures = petition_figures(user=people.official, now=NOW)
    assert figures.logged == 0
    assert (
        figures.response_rate,
        figures.resolution_rate,
        figures.satisfaction_rate,
        figures.first_time_resolution_rate,
        figures.on_time_acceptance_rate,
        figures.on_time_resolution_rate,
    ) == (None, None, None, None, None, None)
    assert (figures.escalations_by_level, figures.departments) == ({}, [])


def test_figures_cost_three_queries(figures_world, people, django_assert_num_queries) -> None:
    user = User.objects.get(pk=people.official.pk)
    with django_assert_num_queries(4):  # the user's anchor, then the three of the docstring
        petition_figures(user=user, now=SATURDAY)
