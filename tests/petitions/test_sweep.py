"""The escalation sweep: each deadline kind, the automatic close after a reply, idempotency,
moved deadlines, the root of the tree, its query cost, the task and the management command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from governance.health import SWEEP_HEARTBEAT
from governance.models import Heartbeat
from notifications.models import Notification, OutboxEmail
from orgchart.models import User
from petitions import rollups, services, sweep
from petitions.models import (
    DepartmentDay,
    Dispatch,
    Escalation,
    Petition,
    PetitionDay,
    PetitionEvent,
    Satisfaction,
    Status,
)
from petitions.sweep import COLUMNS, SweepResult, escalate_overdue
from petitions.tasks import escalate_overdue_task
from tests.conftest import Personas, Tree, make_user
from tests.petitions.conftest import (
    NOW,
    at,
    bring_to,
    events_of,
    log_petition,
    log_petition_as,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("english")

NOTHING = {"accept": 0, "resolve": 0, "report": 0, "complete": 0}


def swept(**counts: int) -> dict[str, int]:
    return {**NOTHING, **counts}


def escalations(petition: Petition) -> list[tuple[object, ...]]:
    return list(
        Escalation.objects.filter(petition=petition)
        .order_by("level")
        .values_list("deadline", "dispatch", "due_at", "level", "from_unit", "to_unit", "at")
    )


def inbox(petition: Petition, kind: str = "escalate") -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(petition=petition, kind=f"petition.{kind}").values_list(
            "recipient__username", "title"
        )
    )


# --- Each deadline ---------------------------------------------------------------------------


def test_a_missed_acceptance_escalates_once(petition, people, tree) -> None:
    late = at("2026-11-20", "09:00")  # due Thursday 23:59:59
    first = escalate_overdue(now=late)
    after_first = snapshot(petition)
    second = escalate_overdue(now=late)
    assert (first.escalated, first.closed) == (swept(accept=1), 0)
    assert (second.escalated, second.closed, second.total) == (NOTHING, 0, 0)
    assert snapshot(petition) == after_first
    assert escalations(petition) == [
        ("accept", None, at("2026-11-19", "23:59:59"), 1, tree.guangming.pk, tree.east.pk, late)
    ]
    petition = Petition.objects.get(pk=petition.pk)
    assert (petition.status, petition.handling_unit, petition.escalation_level) == (
        Status.SUBMITTED,
        tree.east,
        1,
    )
    assert petition.accept_due_at == at("2026-11-23", "23:59:59")  # a new clock at the street
    assert petition.clock_started_at == late
    assert petition.version == 2
    assert events_of(petition)[-1] == {
        "action": "escalate",
        "from": "submitted",
        "to": "submitted",
        "actor": None,
        "unit": tree.east.pk,
        "dispatch": None,
        "at": late,
        "note": "",
        "data": {
            "deadline": "accept",
            "due_at": "2026-11-19T15:59:59+00:00",  # in UTC, as read from the row
            "level": 1,
            "from_unit": tree.guangming.pk,
            "to_unit": tree.east.pk,
        },
    }
    # The street's staff are told (its admin is not unit staff).
    assert inbox(petition) == [
        ("official", "Escalated (level 1): Petition 2026-000001: 楼道堆放杂物")
    ]


def test_the_next_missed_deadline_escalates_again(
    petition, people, tree, district_official
) -> None:
    escalate_overdue(now=at("2026-11-20", "09:00"))
    result = escalate_overdue(now=at("2026-11-24", "09:00"))
    assert result.escalated == swept(accept=1)
    petition = Petition.objects.get(pk=petition.pk)
    assert (petition.handling_unit, petition.escalation_level) == (tree.district, 2)
    assert escalations(petition)[1] == (
        "accept",
        None,
        at("2026-11-23", "23:59:59"),
        2,
        tree.east.pk,
        tree.district.pk,
        at("2026-11-24", "09:00"),
    )
    assert inbox(petition) == [
        ("district_official", "Escalated (level 2): Petition 2026-000001: 楼道堆放杂物"),
        ("official", "Escalated (level 1): Petition 2026-000001: 楼道堆放杂物"),
    ]


def test_a_missed_resolution_escalates(people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)  # resolve by 2026-11-27 23:59:59
    assert escalate_overdue(now=at("2026-11-27", "23:59:58")).total == 0
    late = at("2026-11-28", "09:00")  # a Saturday
    assert escalate_overdue(now=late).escalated == swept(resolve=1)
    assert escalate_overdue(now=late).total == 0
    assert escalations(petition) == [
        ("resolve", None, at("2026-11-27", "23:59:59"), 1, tree.guangming.pk, tree.east.pk, late)
    ]
    petition = Petition.objects.get(pk=petition.pk)
    assert (petition.status, petition.handling_unit, petition.escalation_level) == (
        Status.IN_PROGRESS,
        tree.east,
        1,
    )
    assert petition.resolve_due_at == at("2026-12-08", "23:59:59")  # 7 working days
    assert petition.clock_started_at == late
    assert events_of(petition)[-1]["data"]["deadline"] == "resolve"


def test_a_missed_report_escalates_and_tells_the_department(people, tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = Dispatch.objects.get(petition=petition)
    assert dispatch.report_due_at == NOW + dt.timedelta(hours=24)
    due = at("2026-11-19", "10:00")
    assert escalate_overdue(now=due - dt.timedelta(seconds=1)).total == 0
    assert escalate_overdue(now=due).escalated == swept(report=1)  # due means due
    assert escalate_overdue(now=due).total == 0
    assert escalations(petition) == [
        ("report", dispatch.pk, due, 1, tree.guangming.pk, tree.east.pk, due)
    ]
    dispatch = Dispatch.objects.get(pk=dispatch.pk)
    assert (dispatch.status, dispatch.version) == ("pending", 2)
    assert dispatch.report_due_at == due + dt.timedelta(hours=24)
    petition = Petition.objects.get(pk=petition.pk)
    assert (petition.status, petition.handling_unit, petition.escalation_level) == (
        Status.DISPATCHED,
        tree.east,
        1,
    )
    assert petition.resolve_due_at == at("2026-11-27", "23:59:59")  # its own clock runs on
    event = events_of(petition)[-1]
    assert (event["action"], event["dispatch"], event["data"]["deadline"]) == (
        "escalate",
        dispatch.pk,
        "report",
    )
    title = "Escalated (level 1): Petition 2026-000001: 楼道堆放杂物"
    assert inbox(petition) == [("handler", title), ("official", title)]


def test_a_missed_completion_escalates(people, tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=petition), now=NOW
    )
    assert dispatch.complete_due_at == at("2026-11-25", "23:59:59")
    late = at("2026-11-26", "09:00")
    assert escalate_overdue(now=late).escalated == swept(complete=1)
    assert escalate_overdue(now=late).total == 0
    assert escalations(petition) == [
        (
            "complete",
            dispatch.pk,
            at("2026-11-25", "23:59:59"),
            1,
            tree.guangming.pk,
            tree.east.pk,
            late,
        )
    ]
    dispatch = Dispatch.objects.get(pk=dispatch.pk)
    assert (dispatch.status, dispatch.complete_due_at) == ("reported", at("2026-12-03", "23:59:59"))
    assert sorted(name for name, _title in inbox(petition)) == ["handler", "official"]


def test_a_reply_nobody_evaluates_closes_after_seven_days(people, tree) -> None:
    petition = bring_to(Status.REPLIED, people, tree)
    assert petition.close_due_at == NOW + dt.timedelta(days=7)
    assert escalate_overdue(now=at("2026-11-25", "09:59")).total == 0
    first = escalate_overdue(now=at("2026-11-25", "10:00"))
    second = escalate_overdue(now=at("2026-11-25", "10:00"))
    assert (first.escalated, first.closed) == (NOTHING, 1)
    assert second.total == 0
    petition = Petition.objects.get(pk=petition.pk)
    assert (petition.status, petition.closed_at, petition.close_due_at) == (
        Status.CLOSED,
        at("2026-11-25", "10:00"),
        None,
    )
    assert (petition.satisfaction, petition.escalation_level) == ("", 0)
    assert events_of(petition)[-1] == {
        "action": "close",
        "from": "replied",
        "to": "closed",
        "actor": None,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": at("2026-11-25", "10:00"),
        "note": "",
        "data": {},
    }
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("status", [Status.REJECTED, Status.CLOSED])
def test_finished_petitions_are_left_alone(status, people, tree) -> None:
    petition = bring_to(status, people, tree)
    before = snapshot(petition)
    assert escalate_overdue(now=at("2027-06-01")).total == 0
    assert snapshot(petition) == before


# --- Deadlines that moved --------------------------------------------------------------------


def test_a_petition_accepted_just_before_the_sweep_is_not_escalated(petition, people) -> None:
    services.petition_accept(actor=people.worker, petition=petition, now=at("2026-11-19", "23:59"))
    assert escalate_overdue(now=at("2026-11-20", "09:00")).total == 0
    assert not Escalation.objects.exists()


def test_the_service_ignores_a_deadline_that_moved(petition, people) -> None:
    due = petition.accept_due_at
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    before = snapshot(petition)
    late = at("2026-11-20", "09:00")
    assert (
        services.petition_escalate(petition_id=petition.pk, deadline="accept", due_at=due, now=late)
        is None
    )
    # A resolve deadline it was not due at, or one not due yet.
    resolve_due = Petition.objects.get(pk=petition.pk).resolve_due_at
    assert due is not None
    assert resolve_due is not None
    assert (
        services.petition_escalate(
            petition_id=petition.pk, deadline="resolve", due_at=due, now=late
        )
        is None
    )
    assert (
        services.petition_escalate(
            petition_id=petition.pk, deadline="resolve", due_at=resolve_due, now=late
        )
        is None
    )
    assert snapshot(petition) == before


def test_a_report_that_came_in_is_not_escalated(people, tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = Dispatch.objects.get(petition=petition)
    services.dispatch_report(actor=people.handler, dispatch=dispatch, now=at("2026-11-19", "09:59"))
    assert dispatch.report_due_at is not None
    assert escalate_overdue(now=at("2026-11-19", "10:00")).total == 0
    assert (
        services.petition_escalate(
            petition_id=petition.pk,
            deadline="report",
            due_at=dispatch.report_due_at,
            dispatch_id=dispatch.pk,
            now=at("2026-11-19", "10:00"),
        )
        is None
    )
    assert not Escalation.objects.exists()


def test_an_extension_moves_the_resolve_deadline_past_the_sweep(people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    services.petition_request_extension(
        actor=people.worker, petition=petition, amount=3, reason="需协调", now=NOW
    )
    services.petition_decide_extension(
        actor=people.official, petition=petition, approve=True, now=NOW
    )
    assert escalate_overdue(now=at("2026-11-28", "09:00")).total == 0
    assert escalate_overdue(now=at("2026-12-03", "00:00")).escalated == swept(resolve=1)


# --- The root of the tree --------------------------------------------------------------------


def test_at_the_root_the_case_stays_and_the_level_still_rises(petition, people, tree) -> None:
    city_official = make_user("city_official", User.Role.OFFICIAL, unit=tree.city)
    for day in ("2026-11-20", "2026-11-24", "2026-11-26", "2026-11-28"):
        assert escalate_overdue(now=at(day, "09:00")).escalated == swept(accept=1)
    assert [row[3:6] for row in escalations(petition)] == [
        (1, tree.guangming.pk, tree.east.pk),
        (2, tree.east.pk, tree.district.pk),
        (3, tree.district.pk, tree.city.pk),
        (4, tree.city.pk, tree.city.pk),
    ]
    petition = Petition.objects.get(pk=petition.pk)
    assert (petition.handling_unit, petition.escalation_level) == (tree.city, 4)
    assert petition.accept_due_at == at("2026-11-30", "23:59:59")
    assert [name for name, _title in inbox(petition)] == [
        "city_official",  # level 3, when the case reached the city
        "city_official",  # level 4, the city keeps it
        "official",  # level 1, at the street
    ]
    assert (
        services.petition_accept(
            actor=city_official, petition=petition, now=at("2026-11-28", "10:00")
        ).status
        == Status.ACCEPTED
    )


# --- Batches and cost ------------------------------------------------------------------------


def test_batches_cover_every_due_row(people, tree) -> None:
    petitions = [log_petition(people, tree) for _ in range(5)]
    result = escalate_overdue(now=at("2026-11-20", "09:00"), batch_size=2)
    assert result.escalated == swept(accept=5)
    assert set(
        Petition.objects.filter(pk__in=[item.pk for item in petitions]).values_list(
            "escalation_level", flat=True
        )
    ) == {1}


def test_with_nothing_due_the_sweep_costs_one_query(
    people, tree, django_assert_num_queries
) -> None:
    bring_to(Status.SUBMITTED, people, tree)
    bring_to(Status.DISPATCHED, people, tree)
    bring_to(Status.REPLIED, people, tree)
    # One EXISTS per due index, all in one SELECT, and no transaction.
    with django_assert_num_queries(1) as captured:
        result = escalate_overdue(now=NOW)
    assert result.total == 0
    assert captured.captured_queries[0]["sql"].count("EXISTS") == 5


def sweep_queries(people: Personas, tree: Tree, due: int, *, batch_size: int = 500) -> int:
    for _ in range(due):
        log_petition(people, tree)
    with CaptureQueriesContext(connection) as captured:
        result = escalate_overdue(now=at("2026-11-20", "09:00"), batch_size=batch_size)
    assert result.escalated == swept(accept=due)
    return len(captured.captured_queries)


# What one batch of missed accept deadlines costs, whatever its size: the locked SELECT; the
# parent units, the escalations already recorded at this time, the calendar (two), the
# escalations' INSERT, the petitions' UPDATE, the events' INSERT, the rollups' upsert, the
# street's staff, the notifications' INSERT; and four savepoints (the batch's transaction, the
# batch undone if it fails, the round taken again without rows that moved, the
# compare-and-swap), two queries each.
ACCEPT_BATCH = 19
# Which deadlines have anything due: one query.
WHAT_IS_DUE = 1


def test_a_batch_costs_the_same_queries_whatever_its_size(people, tree) -> None:
    # Each round logs fresh petitions; those escalated before are no longer due.
    costs = [sweep_queries(people, tree, due) for due in (1, 2, 7)]
    assert costs == [WHAT_IS_DUE + ACCEPT_BATCH] * 3
    # Five due rows in batches of two: three batches, each at the same cost.
    assert sweep_queries(people, tree, 5, batch_size=2) == WHAT_IS_DUE + 3 * ACCEPT_BATCH


def test_batches_of_each_deadline_cost_the_same_queries_whatever_their_size(people, tree) -> None:
    """A batch of each deadline kind, of one row and of three: the cost does not move with the
    count."""

    def backlog(count: int) -> None:
        for _ in range(count):
            bring_to(Status.IN_PROGRESS, people, tree, now=NOW - dt.timedelta(days=10))
            bring_to(Status.REPLIED, people, tree, logged_by=people.grid)
            bring_to(Status.DISPATCHED, people, tree)
            reported = bring_to(Status.DISPATCHED, people, tree)
            services.dispatch_report(
                actor=people.handler, dispatch=Dispatch.objects.get(petition=reported), now=NOW
            )

    costs = []
    for count in (1, 3):
        backlog(count)
        with CaptureQueriesContext(connection) as captured:
            result = escalate_overdue(now=at("2026-11-26", "09:00"))
        assert result.escalated == swept(resolve=count, report=count, complete=count)
        assert result.closed == count
        costs.append(len(captured.captured_queries))
    assert costs[0] == costs[1]


# --- A batch, and the same rows row by row -----------------------------------------------------


def due(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    return moment


def test_a_batch_leaves_the_rows_a_user_moved_in_between_alone(people, tree) -> None:
    """The batch acts on the rows as it read them: those a user changed since (accepted,
    supervised, reported, evaluated) are left alone by the compare-and-swap, the rest of the
    batch goes on, and nothing of what it would have written for them remains."""
    late = at("2026-11-26", "09:00")
    submitted = [log_petition(people, tree) for _ in range(4)]
    whistled = [bring_to(Status.DISPATCHED, people, tree) for _ in range(2)]
    replied = [bring_to(Status.REPLIED, people, tree) for _ in range(2)]
    # What the sweep reads (and, on PostgreSQL, locks) first.
    stale_petitions = {row.pk: row for row in Petition.objects.select_related("policy")}
    stale_dispatches = list(
        Dispatch.objects.select_related("petition", "petition__policy").order_by("pk")
    )
    # Meanwhile: the worker accepts one, an official supervises another, the department
    # reports one of the whistles and the worker evaluates one of the replies.
    services.petition_accept(actor=people.worker, petition=submitted[0], now=late)
    services.petition_supervise(actor=people.official, petition=submitted[1], note="抓紧", now=late)
    services.dispatch_report(actor=people.handler, dispatch=stale_dispatches[0], now=late)
    services.petition_evaluate(
        actor=people.worker, petition=replied[0], satisfaction=Satisfaction.SATISFIED, now=late
    )
    moved = [submitted[0], submitted[1], whistled[0], replied[0]]
    before = {petition.pk: snapshot(petition) for petition in moved}

    escalated = services.petitions_escalate(
        dues=[
            services.Due(stale_petitions[petition.pk], "accept", due(petition.accept_due_at))
            for petition in submitted
        ],
        now=late,
    )
    assert [escalation.petition_id for escalation in escalated] == [
        submitted[2].pk,
        submitted[3].pk,
    ]
    reported = services.petitions_escalate(
        dues=[
            services.Due(dispatch.petition, "report", due(dispatch.report_due_at), dispatch)
            for dispatch in stale_dispatches
        ],
        now=late,
    )
    assert [escalation.dispatch_id for escalation in reported] == [stale_dispatches[1].pk]
    closed = services.petitions_auto_close(
        replies=[(stale_petitions[row.pk], due(row.close_due_at)) for row in replied], now=late
    )
    assert closed == 1

    for petition in moved:
        assert snapshot(petition) == before[petition.pk]
        assert not Escalation.objects.filter(petition=petition).exists()
        assert inbox(petition) == []
    assert set(
        Petition.objects.filter(
            pk__in=[submitted[2].pk, submitted[3].pk, whistled[1].pk]
        ).values_list("escalation_level", "handling_unit", "version")
    ) == {(1, tree.east.pk, 2), (1, tree.east.pk, 4)}
    assert Petition.objects.get(pk=replied[1].pk).status == Status.CLOSED
    # Everyone's rollups as a direct count has them.
    assert rollups.recompute() == []


def test_rows_that_move_during_a_sweep_are_taken_by_the_next_one(people, tree) -> None:
    """A left-alone row that is still due is escalated by the next sweep, from where the user
    left it."""
    late = at("2026-11-26", "09:00")
    petition = log_petition(people, tree)
    stale = Petition.objects.select_related("policy").get(pk=petition.pk)
    services.petition_supervise(actor=people.official, petition=petition, note="抓紧", now=late)
    assert (
        services.petitions_escalate(
            dues=[services.Due(stale, "accept", due(stale.accept_due_at))], now=late
        )
        == []
    )
    assert escalate_overdue(now=late).escalated == swept(accept=1)
    assert [event["action"] for event in events_of(petition)] == ["create", "supervise", "escalate"]


def written() -> dict[str, object]:
    """Every row the sweep writes, without the keys the database hands out."""

    def rows(queryset, *, drop=("id",)) -> list[dict[str, object]]:
        return [
            {name: value for name, value in row.items() if name not in drop}
            for row in queryset.values()
        ]

    def ordered(items: list[dict[str, object]]) -> list[dict[str, object]]:
        return sorted(items, key=repr)

    return {
        "petitions": rows(Petition.objects.order_by("pk"), drop=()),
        "dispatches": rows(Dispatch.objects.order_by("pk"), drop=()),
        # Each petition's timeline in its order.
        "events": rows(PetitionEvent.objects.order_by("petition_id", "at", "id")),
        "escalations": ordered(rows(Escalation.objects.all())),
        "notifications": ordered(rows(Notification.objects.all())),
        "outbox": ordered(rows(OutboxEmail.objects.all(), drop=("id", "notification_id"))),
        "petition_days": ordered(rows(PetitionDay.objects.all())),
        "department_days": ordered(rows(DepartmentDay.objects.all())),
    }


def row_by_row(now: dt.datetime) -> int:
    """The sweep as it was before batches: each due row through the service that reads and
    locks it again (what a failed batch falls back to)."""
    acted = 0
    for column in COLUMNS:
        for row in column.rows(now, 1000):
            acted += column.act_one(row, getattr(row, column.due_field), now)
    return acted


class _Undo(Exception):
    pass


def test_the_batch_and_the_row_by_row_paths_write_the_same_rows(
    people, tree, district_official
) -> None:
    """Every deadline kind due at once, with the cases that make the batch work in rounds: a
    petition whose lead and assist both missed their report (two escalations of one petition
    in one batch, the second at the level the first reached), a petition that missed its
    resolve deadline and whose department missed its report (two columns), a case escalated a
    second time (to the district), replies closed automatically with a grid worker told."""
    User.objects.filter(pk=people.official.pk).update(email="official@example.org")
    earlier = NOW - dt.timedelta(days=10)
    second_time = log_petition(people, tree)
    escalate_overdue(now=at("2026-11-20", "09:00"))
    submitted = [log_petition(people, tree), log_petition_as(people.grid, tree)]
    resolve = bring_to(Status.IN_PROGRESS, people, tree, now=earlier)
    resolve_and_report = services.petition_dispatch(
        actor=people.worker,
        petition=bring_to(Status.ACCEPTED, people, tree, now=earlier),
        lead=tree.chengguan,
        now=earlier,
    )
    two_late = services.petition_dispatch(
        actor=people.worker,
        petition=bring_to(Status.ACCEPTED, people, tree),
        lead=tree.chengguan,
        assists=[tree.police],
        now=NOW,
    )
    completing = bring_to(Status.DISPATCHED, people, tree)
    services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=completing), now=NOW
    )
    replied = [
        bring_to(Status.REPLIED, people, tree, logged_by=people.grid),
        bring_to(Status.REPLIED, people, tree),
    ]
    late = at("2026-11-26", "09:00")

    try:
        with transaction.atomic():
            assert row_by_row(late) == 11
            one_by_one = written()
            raise _Undo
    except _Undo:
        pass
    result = escalate_overdue(now=late)
    assert (result.escalated, result.closed) == (
        swept(accept=3, resolve=2, report=3, complete=1),
        2,
    )
    in_batches = written()

    assert in_batches == one_by_one
    # The cases are what the docstring says they are.
    assert [row[3] for row in escalations(second_time)] == [1, 2]
    assert [row[0:4:3] for row in escalations(resolve_and_report)] == [
        ("resolve", 1),
        ("report", 1),
    ]
    assert [row[3] for row in escalations(two_late)] == [1, 1]
    assert Petition.objects.get(pk=two_late.pk).version == two_late.version + 2
    assert [row[0] for row in escalations(completing)] == ["complete"]
    assert Notification.objects.filter(
        recipient=people.grid, kind="petition.close", petition=replied[0]
    ).exists()
    # The street's official hears of the eight escalations to the street by e-mail too (and
    # of the first one of ``second_time``, before the sweeps compared here).
    assert OutboxEmail.objects.filter(to_address="official@example.org").count() == 9
    assert {petition.pk for petition in [*submitted, resolve]} <= set(
        Escalation.objects.values_list("petition_id", flat=True)
    )


def test_a_batch_that_fails_is_taken_again_row_by_row(people, tree, monkeypatch, caplog) -> None:
    petitions = [log_petition(people, tree) for _ in range(3)]

    def broken(**kwargs: object) -> list[Escalation]:
        raise RuntimeError("a batch that cannot be written")

    monkeypatch.setattr(sweep, "petitions_escalate", broken)
    result = escalate_overdue(now=at("2026-11-20", "09:00"))
    assert result.escalated == swept(accept=3)
    assert set(
        Petition.objects.filter(pk__in=[item.pk for item in petitions]).values_list(
            "escalation_level", "handling_unit"
        )
    ) == {(1, tree.east.pk)}
    assert Escalation.objects.count() == 3
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == [
        "escalation sweep: a accept batch of 3 rows failed; taking them one by one"
    ]


# --- The task and the command ----------------------------------------------------------------


def test_the_beat_task_runs_the_sweep_and_records_its_heartbeat(petition) -> None:
    with time_machine.travel(at("2026-11-20", "09:00"), tick=False):
        assert escalate_overdue_task() == {"escalated": swept(accept=1), "closed": 0}
        assert Heartbeat.objects.get(name=SWEEP_HEARTBEAT).beat_at == at("2026-11-20", "09:00")
    with time_machine.travel(at("2026-11-20", "09:01"), tick=False):
        assert escalate_overdue_task() == {"escalated": NOTHING, "closed": 0}
    # One row, moved forward by each sweep (what /readyz/ reports the age of).
    assert list(Heartbeat.objects.values_list("name", "beat_at")) == [
        (SWEEP_HEARTBEAT, at("2026-11-20", "09:01"))
    ]


def test_the_escalate_overdue_command(petition, people, tree) -> None:
    replied = bring_to(Status.REPLIED, people, tree)
    out = StringIO()
    with time_machine.travel(at("2026-11-25", "10:00"), tick=False):
        call_command("escalate_overdue", stdout=out)
        call_command("escalate_overdue", stdout=out)
    assert out.getvalue() == (
        "accept: 1 escalated\nresolve: 0 escalated\nreport: 0 escalated\n"
        "complete: 0 escalated\nclosed after reply: 1\n"
        "accept: 0 escalated\nresolve: 0 escalated\nreport: 0 escalated\n"
        "complete: 0 escalated\nclosed after reply: 0\n"
    )
    assert Petition.objects.get(pk=replied.pk).status == Status.CLOSED
    assert Petition.objects.get(pk=petition.pk).escalation_level == 1


def test_sweep_result_total() -> None:
    assert SweepResult(escalated={"accept": 2, "report": 1}, closed=3).total == 6
