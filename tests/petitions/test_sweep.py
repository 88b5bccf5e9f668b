"""The escalation sweep: each deadline kind, the automatic close after a reply, idempotency,
moved deadlines, the root of the tree, its query cost, the task and the management command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.health import SWEEP_HEARTBEAT
from governance.models import Heartbeat
from notifications.models import Notification
from orgchart.models import User
from petitions import services
from petitions.models import (
    Dispatch,
    Escalation,
    Petition,
    Status,
)
from petitions.sweep import SweepResult, escalate_overdue
from petitions.tasks import escalate_overdue_task
from tests.conftest import Personas, Tree, make_user
from tests.petitions.conftest import NOW, at, bring_to, events_of, log_petition, snapshot

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


def test_with_nothing_due_the_sweep_costs_one_query_per_deadline(
    people, tree, django_assert_num_queries
) -> None:
    bring_to(Status.SUBMITTED, people, tree)
    bring_to(Status.DISPATCHED, people, tree)
    bring_to(Status.REPLIED, people, tree)
    # One SELECT per due index, each inside its own (savepoint) transaction.
    with django_assert_num_queries(15) as captured:
        result = escalate_overdue(now=NOW)
    assert result.total == 0
    selects = [query["sql"] for query in captured.captured_queries if "SELECT" in query["sql"]]
    assert len(selects) == 5


def sweep_cost(people: Personas, tree: Tree, due: int) -> int:
    for _ in range(due):
        log_petition(people, tree)
    with CaptureQueriesContext(connection) as captured:
        assert escalate_overdue(now=at("2026-11-20", "09:00")).escalated == swept(accept=due)
    return len(captured.captured_queries)


def test_the_sweep_costs_in_proportion_to_the_due_rows(people, tree) -> None:
    # Each round logs fresh petitions; those escalated before are no longer due.
    costs = [sweep_cost(people, tree, due) for due in (1, 2, 4)]
    per_row = costs[1] - costs[0]
    assert costs[2] - costs[1] == 2 * per_row
    assert costs[0] - per_row == 15  # the constant: the empty sweep


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
