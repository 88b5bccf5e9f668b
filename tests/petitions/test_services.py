"""Every transition of DESIGN §5, petitions and dispatches: the allowed path with its exact
event rows, a forbidden source status, an idempotent rerun, a stale object and the role checks;
then intake (numbers, validation, repeats, complexity, visits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import F

from governance.errors import (
    ConcurrentUpdate,
    InvalidTransition,
    NotAllowed,
    OutOfScope,
    ValidationFailed,
)
from governance.models import NumberSequence
from grids import services as grid_services
from grids.models import Visit
from notifications.models import Notification
from orgchart.models import Department, User
from petitions import services
from petitions.models import (
    PETITION_TRANSITIONS,
    Action,
    Category,
    Channel,
    Complexity,
    Dispatch,
    DispatchRole,
    DispatchStatus,
    ExtensionState,
    Petition,
    PetitionEvent,
    Satisfaction,
    Status,
    Track,
    Urgency,
)
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree
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

HOUR = dt.timedelta(hours=1)
LATER = NOW + HOUR


def chengguan() -> Department:
    return Department.objects.get(name="城管局")


# Each petition action with valid arguments; ``actor`` defaults per action (see ACTORS).
PetitionCall = Callable[..., Petition]
CALLS: dict[str, PetitionCall] = {
    Action.ACCEPT: lambda **kw: services.petition_accept(note="", **kw),
    Action.REJECT: lambda **kw: services.petition_reject(reason="不属于受理范围", **kw),
    Action.START: lambda **kw: services.petition_start(**kw),
    Action.DISPATCH: lambda **kw: services.petition_dispatch(lead=chengguan(), **kw),
    Action.REPLY: lambda **kw: services.petition_reply(reply="已处理完毕", **kw),
    Action.EVALUATE: lambda **kw: services.petition_evaluate(
        satisfaction=Satisfaction.SATISFIED, **kw
    ),
    Action.CLOSE: lambda **kw: services.petition_close(reason="联系不上信访人", **kw),
    Action.REOPEN: lambda **kw: services.petition_reopen(reason="居民申请复查", **kw),
    Action.SUPERVISE: lambda **kw: services.petition_supervise(note="请加快办理", **kw),
    Action.REQUEST_EXTENSION: lambda **kw: services.petition_request_extension(
        amount=3, reason="需协调物业公司", **kw
    ),
    Action.DECIDE_EXTENSION: lambda **kw: services.petition_decide_extension(approve=True, **kw),
}
# Who may take each action on a petition handled by 光明社区.
OFFICIAL_ACTIONS = (Action.SUPERVISE, Action.DECIDE_EXTENSION)


def actor_for(action: str, people: Personas) -> User:
    return people.official if action in OFFICIAL_ACTIONS else people.worker


# The status each action is tried from on the allowed path (decide: after a request).
ALLOWED_FROM: dict[str, str] = {
    Action.ACCEPT: Status.SUBMITTED,
    Action.REJECT: Status.SUBMITTED,
    Action.START: Status.ACCEPTED,
    Action.DISPATCH: Status.ACCEPTED,
    Action.REPLY: Status.IN_PROGRESS,
    Action.EVALUATE: Status.REPLIED,
    Action.CLOSE: Status.REPLIED,
    Action.REOPEN: Status.CLOSED,
    Action.SUPERVISE: Status.ACCEPTED,
    Action.REQUEST_EXTENSION: Status.IN_PROGRESS,
    Action.DECIDE_EXTENSION: Status.IN_PROGRESS,
}
# The action that brought ``bring_to`` into each status (its rerun is a no-op, not a refusal).
REACHED_BY: dict[str, str] = {
    Status.SUBMITTED: Action.CREATE,
    Status.ACCEPTED: Action.ACCEPT,
    Status.REJECTED: Action.REJECT,
    Status.DISPATCHED: Action.DISPATCH,
    Status.IN_PROGRESS: Action.START,
    Status.REPLIED: Action.REPLY,
    Status.CLOSED: Action.EVALUATE,
}


def ready(action: str, people: Personas, tree: Tree, **kwargs: Any) -> Petition:
    """A petition on which ``action`` is allowed (a pending extension request for decide)."""
    petition = bring_to(ALLOWED_FROM[action], people, tree, **kwargs)
    if action == Action.DECIDE_EXTENSION:
        petition = services.petition_request_extension(
            actor=people.worker, petition=petition, amount=3, reason="需协调物业公司", now=NOW
        )
    return petition


def forbidden_cases() -> list[tuple[str, str]]:
    cases = []
    for action in CALLS:
        if action == Action.DECIDE_EXTENSION:
            continue  # needs a request first: see its own tests
        sources, target = PETITION_TRANSITIONS[action]
        for status in Status.values:
            rerun = REACHED_BY[status] == action and status in (target, Status.CLOSED)
            if status not in sources and not rerun:
                cases.append((str(action), status))
    return cases


@pytest.mark.parametrize(("action", "status"), forbidden_cases())
def test_a_forbidden_source_status_is_refused_and_changes_nothing(
    action, status, people, tree
) -> None:
    petition = bring_to(status, people, tree)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition):
        CALLS[action](actor=actor_for(action, people), petition=petition, now=LATER)
    assert snapshot(petition) == before


def test_the_forbidden_cases_cover_every_table_row() -> None:
    covered = {action for action, _status in forbidden_cases()}
    assert covered == {str(action) for action in CALLS if action != Action.DECIDE_EXTENSION}


@pytest.mark.parametrize("action", list(CALLS))
def test_a_stale_version_is_refused_and_changes_nothing(action, people, tree) -> None:
    petition = ready(action, people, tree)
    stale_version = petition.version
    # Someone else changes the petition first (any committed step moves the version).
    Petition.objects.filter(pk=petition.pk).update(version=F("version") + 1)
    before = snapshot(petition)
    with pytest.raises(ConcurrentUpdate):
        CALLS[action](
            actor=actor_for(action, people),
            petition=petition,
            expected_version=stale_version,
            now=LATER,
        )
    assert snapshot(petition) == before


@pytest.mark.parametrize("action", list(CALLS))
def test_the_current_version_is_accepted(action, people, tree) -> None:
    petition = ready(action, people, tree)
    result = CALLS[action](
        actor=actor_for(action, people),
        petition=petition,
        expected_version=petition.version,
        now=LATER,
    )
    assert result.version > petition.version


@pytest.mark.parametrize("action", list(CALLS))
def test_rerunning_an_action_is_a_noop(action, people, tree) -> None:
    """A retried request (even one carrying the version it was sent with) gets the same
    answer: no second event, no new version."""
    petition = ready(action, people, tree)
    actor = actor_for(action, people)
    first = CALLS[action](
        actor=actor, petition=petition, expected_version=petition.version, now=LATER
    )
    after_first = snapshot(petition)
    again = CALLS[action](
        actor=actor, petition=petition, expected_version=petition.version, now=LATER + HOUR
    )
    assert (again.pk, again.status, again.version) == (first.pk, first.status, first.version)
    assert snapshot(petition) == after_first
    assert PetitionEvent.objects.filter(petition=petition, action=action).count() == 1


ROLE_CASES = [
    # (action, persona, error): a grid worker who logged it, an official of another unit, a
    # worker of another street, a volunteer and a handler it was never whistled to.
    *[(str(action), "grid", NotAllowed) for action in CALLS],
    *[(str(action), "official", NotAllowed) for action in CALLS if action not in OFFICIAL_ACTIONS],
    *[(str(action), "worker", NotAllowed) for action in OFFICIAL_ACTIONS],
    *[(str(action), "other_worker", OutOfScope) for action in CALLS],
    *[(str(action), "volunteer", OutOfScope) for action in CALLS],
    *[(str(action), "handler", OutOfScope) for action in CALLS],
]


@pytest.mark.parametrize(("action", "persona", "error"), ROLE_CASES)
def test_roles_that_may_not_act(action, persona, error, people, tree) -> None:
    petition = ready(action, people, tree, logged_by=people.grid)
    before = snapshot(petition)
    with pytest.raises(error):
        CALLS[action](actor=getattr(people, persona), petition=petition, now=LATER)
    assert snapshot(petition) == before


# --- Petition actions, one by one, with their exact rows -------------------------------------


def test_intake_logs_a_submitted_petition_with_its_accept_clock(petition, people, tree) -> None:
    assert (petition.number, petition.status, petition.version) == ("2026-000001", "submitted", 1)
    assert petition.community == tree.guangming
    assert petition.location == tree.building_1
    assert petition.handling_unit == tree.guangming
    assert petition.created_by == people.worker
    assert petition.created_at == NOW
    assert petition.clock_started_at == NOW
    assert petition.accept_due_at == at("2026-11-19", "23:59:59")
    assert (petition.resolve_due_at, petition.close_due_at) == (None, None)
    assert petition.policy.name == "诉求（一般）"
    assert events_of(petition) == [
        {
            "action": "create",
            "from": "",
            "to": "submitted",
            "actor": people.worker.pk,
            "unit": tree.guangming.pk,
            "dispatch": None,
            "at": NOW,
            "note": "",
            "data": {"channel": "walk_in", "repeat_of": None, "source_visit": None},
        }
    ]


def test_accept(petition, people, tree) -> None:
    result = services.petition_accept(
        actor=people.worker, petition=petition, note="当场受理", now=LATER
    )
    assert (result.status, result.version) == (Status.ACCEPTED, 2)
    assert result.accepted_at == LATER
    assert result.accept_due_at is None
    assert result.resolve_due_at == at("2026-11-27", "23:59:59")  # 7 working days
    assert result.clock_started_at == LATER
    assert events_of(petition, after=1) == [
        {
            "action": "accept",
            "from": "submitted",
            "to": "accepted",
            "actor": people.worker.pk,
            "unit": tree.guangming.pk,
            "dispatch": None,
            "at": LATER,
            "note": "当场受理",
            "data": {},
        }
    ]


def test_reject_needs_a_reason(petition, people) -> None:
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_reject(actor=people.worker, petition=petition, reason="  ", now=LATER)
    assert caught.value.fields == {"reason": ["This field is required."]}
    assert snapshot(petition) == before


def test_reject(petition, people, tree) -> None:
    result = services.petition_reject(
        actor=people.worker, petition=petition, reason="属于司法程序", now=LATER
    )
    assert (result.status, result.version) == (Status.REJECTED, 2)
    assert result.reject_reason == "属于司法程序"
    assert (result.accept_due_at, result.closed_at) == (None, LATER)
    assert events_of(petition, after=1) == [
        {
            "action": "reject",
            "from": "submitted",
            "to": "rejected",
            "actor": people.worker.pk,
            "unit": tree.guangming.pk,
            "dispatch": None,
            "at": LATER,
            "note": "属于司法程序",
            "data": {},
        }
    ]


def test_start(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    result = services.petition_start(actor=people.worker, petition=petition, now=LATER)
    assert (result.status, result.version) == (Status.IN_PROGRESS, 3)
    assert result.resolve_due_at == at("2026-11-27", "23:59:59")  # the resolve clock runs on
    assert events_of(petition, after=2) == [
        {
            "action": "start",
            "from": "accepted",
            "to": "in_progress",
            "actor": people.worker.pk,
            "unit": tree.guangming.pk,
            "dispatch": None,
            "at": LATER,
            "note": "",
            "data": {},
        }
    ]


def test_dispatch_a_lead_and_assists(people, tree, police_handler) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    result = services.petition_dispatch(
        actor=people.worker,
        petition=petition,
        lead=tree.chengguan,
        assists=[tree.police],
        instructions="请清理楼道",
        now=LATER,
    )
    assert (result.status, result.version) == (Status.DISPATCHED, 3)
    assert list(
        Dispatch.objects.filter(petition=petition)
        .order_by("pk")
        .values_list(
            "department", "role", "status", "instructions", "dispatched_by", "dispatched_at"
        )
    ) == [
        (tree.chengguan.pk, "lead", "pending", "请清理楼道", people.worker.pk, LATER),
        (tree.police.pk, "assist", "pending", "请清理楼道", people.worker.pk, LATER),
    ]
    assert set(Dispatch.objects.values_list("report_due_at", flat=True)) == {LATER + 24 * HOUR}
    assert events_of(petition, after=2) == [
        {
            "action": "dispatch",
            "from": "accepted",
            "to": "dispatched",
            "actor": people.worker.pk,
            "unit": tree.guangming.pk,
            "dispatch": None,
            "at": LATER,
            "note": "请清理楼道",
            "data": {
                "departments": [
                    {"department": tree.chengguan.pk, "role": "lead"},
                    {"department": tree.police.pk, "role": "assist"},
                ]
            },
        }
    ]
    # Each department's handlers are told; the whistling worker is not.
    assert sorted(
        Notification.objects.filter(petition=petition).values_list("recipient__username", "kind")
    ) == [("handler", "petition.dispatch"), ("police_handler", "petition.dispatch")]


def test_urgent_whistles_must_be_reported_within_two_hours(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree, urgency=Urgency.URGENT)
    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW)
    assert Dispatch.objects.get(petition=petition).report_due_at == NOW + 2 * HOUR


@pytest.mark.parametrize(
    ("lead", "assists", "field", "message"),
    [
        (None, [], "lead", "Choose the lead department."),
        (None, ["police"], "lead", "Choose the lead department."),
        ("chengguan", ["chengguan"], "assists", "A department is summoned once."),
    ],
)
def test_dispatch_input_errors(lead, assists, field, message, people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_dispatch(
            actor=people.worker,
            petition=petition,
            lead=getattr(tree, lead) if lead else None,
            assists=[getattr(tree, name) for name in assists],
            now=LATER,
        )
    assert caught.value.fields == {field: [message]}
    assert snapshot(petition) == before


def test_dispatch_refuses_a_second_lead_and_a_busy_department(people, tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_dispatch(
            actor=people.worker, petition=petition, lead=tree.police, now=LATER
        )
    assert caught.value.fields == {
        "lead": ["A lead department is already working on this petition."]
    }
    with pytest.raises(ValidationFailed) as caught:
        services.petition_dispatch(
            actor=people.worker, petition=petition, lead=None, assists=[tree.chengguan], now=LATER
        )
    assert caught.value.fields == {"assists": ["Already summoned and not yet done: 城管局."]}
    assert snapshot(petition) == before


def test_dispatch_refuses_an_inactive_department(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    Department.objects.filter(pk=tree.police.pk).update(is_active=False)
    tree.refresh()
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_dispatch(
            actor=people.worker, petition=petition, lead=tree.police, now=LATER
        )
    assert caught.value.fields == {"lead": ["Inactive departments: 东城派出所."]}
    assert snapshot(petition) == before


def test_dispatch_again_after_the_lead_returned_it(people, tree, police_handler) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    first = Dispatch.objects.get(petition=petition)
    services.dispatch_return(actor=people.handler, dispatch=first, reason="非本部门职责", now=LATER)
    result = services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.police, now=LATER + HOUR
    )
    assert result.status == Status.DISPATCHED
    assert list(
        Dispatch.objects.filter(petition=petition)
        .order_by("pk")
        .values_list("department", "role", "status")
    ) == [(tree.chengguan.pk, "lead", "returned"), (tree.police.pk, "lead", "pending")]
    assert [(row["action"], row["from"], row["to"]) for row in events_of(petition, after=3)] == [
        ("return", "pending", "returned"),
        ("dispatch", "dispatched", "dispatched"),
    ]
    # The same department may be whistled again once its earlier dispatch is closed.
    services.dispatch_return(
        actor=police_handler,
        dispatch=Dispatch.objects.get(department=tree.police),
        reason="非本部门职责",
        now=LATER + 2 * HOUR,
    )
    services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, now=LATER + 3 * HOUR
    )
    assert Dispatch.objects.filter(petition=petition, status="pending").get().department == (
        tree.chengguan
    )


def test_dispatch_from_in_progress_adds_departments(people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    result = services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, now=LATER
    )
    assert result.status == Status.DISPATCHED
    assert events_of(petition)[-1]["from"] == "in_progress"


def test_the_petition_moves_on_when_every_lead_reported(people, tree, police_handler) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, assists=[tree.police], now=NOW
    )
    lead = Dispatch.objects.get(department=tree.chengguan)
    assist = Dispatch.objects.get(department=tree.police)
    services.dispatch_report(actor=police_handler, dispatch=assist, now=LATER)
    assert Petition.objects.get(pk=petition.pk).status == Status.DISPATCHED  # an assist only
    services.dispatch_report(actor=people.handler, dispatch=lead, now=LATER + HOUR)
    result = Petition.objects.get(pk=petition.pk)
    assert (result.status, result.version) == (Status.IN_PROGRESS, 6)
    assert events_of(petition, after=5) == [
        {
            "action": "all_reported",
            "from": "dispatched",
            "to": "in_progress",
            "actor": None,
            "unit": tree.guangming.pk,
            "dispatch": None,
            "at": LATER + HOUR,
            "note": "",
            "data": {},
        }
    ]


def test_assists_added_after_the_lead_reported_leave_the_case_in_progress(
    people, tree, police_handler
) -> None:
    """Every lead has already reported, so the automatic move happens at once: the case must
    not wait in ``dispatched`` for a lead report that will never come."""
    petition = bring_to(Status.DISPATCHED, people, tree)
    services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=petition), now=LATER
    )
    result = services.petition_dispatch(
        actor=people.worker, petition=petition, lead=None, assists=[tree.police], now=LATER + HOUR
    )
    assert result.status == Status.IN_PROGRESS
    assert [(row["action"], row["from"], row["to"]) for row in events_of(petition, after=5)] == [
        ("dispatch", "in_progress", "dispatched"),
        ("all_reported", "dispatched", "in_progress"),
    ]
    assert Dispatch.objects.get(department=tree.police).role == DispatchRole.ASSIST


def test_reply_is_refused_while_a_department_is_working(people, tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=petition), now=LATER
    )
    before = snapshot(petition)
    assert before["petition"]["status"] == Status.IN_PROGRESS
    with pytest.raises(InvalidTransition) as caught:
        services.petition_reply(
            actor=people.worker, petition=petition, reply="已处理", now=LATER + HOUR
        )
    assert str(caught.value) == "Departments are still working on it: wait for their results."
    assert snapshot(petition) == before


def test_reply_once_every_dispatch_is_completed_or_returned(people, tree, police_handler) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, assists=[tree.police], now=NOW
    )
    lead = Dispatch.objects.get(department=tree.chengguan)
    services.dispatch_report(actor=people.handler, dispatch=lead, now=NOW)
    services.dispatch_complete(actor=people.handler, dispatch=lead, note="已清理", now=NOW)
    services.dispatch_return(
        actor=police_handler,
        dispatch=Dispatch.objects.get(department=tree.police),
        reason="非本部门职责",
        now=NOW,
    )
    result = services.petition_reply(
        actor=people.worker, petition=petition, reply="杂物已清理", now=LATER
    )
    assert result.status == Status.REPLIED
    assert (result.reply, result.replied_at, result.resolve_due_at) == ("杂物已清理", LATER, None)
    assert result.close_due_at == LATER + dt.timedelta(days=7)
    assert events_of(petition)[-1] == {
        "action": "reply",
        "from": "in_progress",
        "to": "replied",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": LATER,
        "note": "杂物已清理",
        "data": {},
    }


def test_reply_needs_text(people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_reply(actor=people.worker, petition=petition, reply="", now=LATER)
    assert caught.value.fields == {"reply": ["This field is required."]}
    assert snapshot(petition) == before


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
def test_a_satisfied_evaluation_closes(satisfaction, people, tree) -> None:
    petition = bring_to(Status.REPLIED, people, tree)
    result = services.petition_evaluate(
        actor=people.worker,
        petition=petition,
        satisfaction=satisfaction,
        note="电话回访",
        now=LATER,
    )
    assert (result.status, result.satisfaction) == (Status.CLOSED, satisfaction)
    assert (result.closed_at, result.close_due_at, result.unsatisfied_count) == (LATER, None, 0)
    assert events_of(petition)[-1] == {
        "action": "evaluate",
        "from": "replied",
        "to": "closed",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": LATER,
        "note": "电话回访",
        "data": {"satisfaction": str(satisfaction)},
    }


def test_an_unsatisfied_evaluation_reopens_with_a_new_resolve_clock(people, tree) -> None:
    petition = bring_to(Status.REPLIED, people, tree)
    evaluated_at = at("2026-11-20", "15:00")  # a Friday
    result = services.petition_evaluate(
        actor=people.worker,
        petition=petition,
        satisfaction=Satisfaction.UNSATISFIED,
        now=evaluated_at,
    )
    assert (result.status, result.satisfaction) == (Status.ACCEPTED, "unsatisfied")
    assert result.unsatisfied_count == 1
    assert result.resolve_due_at == at("2026-12-01", "23:59:59")  # 7 working days
    assert (result.clock_started_at, result.close_due_at, result.closed_at) == (
        evaluated_at,
        None,
        None,
    )
    assert events_of(petition)[-1] == {
        "action": "evaluate",
        "from": "replied",
        "to": "accepted",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": evaluated_at,
        "note": "",
        "data": {"satisfaction": "unsatisfied"},
    }
    # Handled again, replied again, unsatisfied again: the count goes on.
    services.petition_start(actor=people.worker, petition=petition, now=evaluated_at)
    services.petition_reply(
        actor=people.worker, petition=petition, reply="再次处理", now=evaluated_at
    )
    result = services.petition_evaluate(
        actor=people.worker, petition=petition, satisfaction="unsatisfied", now=evaluated_at
    )
    assert result.unsatisfied_count == 2


def test_evaluate_refuses_an_unknown_level(people, tree) -> None:
    petition = bring_to(Status.REPLIED, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_evaluate(
            actor=people.worker, petition=petition, satisfaction="great", now=LATER
        )
    assert caught.value.fields == {"satisfaction": ["Not a valid choice."]}
    assert snapshot(petition) == before


def test_close_without_evaluation(people, tree) -> None:
    petition = bring_to(Status.REPLIED, people, tree)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_close(actor=people.worker, petition=petition, reason="", now=LATER)
    assert caught.value.fields == {"reason": ["This field is required."]}
    result = services.petition_close(
        actor=people.worker, petition=petition, reason="多次联系不上", now=LATER
    )
    assert (result.status, result.closed_at, result.close_due_at) == (Status.CLOSED, LATER, None)
    assert result.satisfaction == ""
    assert events_of(petition)[-1] == {
        "action": "close",
        "from": "replied",
        "to": "closed",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": LATER,
        "note": "多次联系不上",
        "data": {},
    }


def test_reopen_within_thirty_days(people, tree) -> None:
    petition = bring_to(Status.CLOSED, people, tree)  # closed at NOW
    reopened_at = NOW + dt.timedelta(days=30)  # Friday 2026-12-18
    result = services.petition_reopen(
        actor=people.worker, petition=petition, reason="问题复发", now=reopened_at
    )
    assert (result.status, result.reopen_count, result.closed_at) == (Status.ACCEPTED, 1, None)
    assert result.satisfaction == ""
    assert result.resolve_due_at == at("2026-12-29", "23:59:59")
    assert result.clock_started_at == reopened_at
    assert events_of(petition)[-1] == {
        "action": "reopen",
        "from": "closed",
        "to": "accepted",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": reopened_at,
        "note": "问题复发",
        "data": {},
    }


def test_reopen_after_thirty_days_is_refused(people, tree) -> None:
    petition = bring_to(Status.CLOSED, people, tree)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.petition_reopen(
            actor=people.worker,
            petition=petition,
            reason="问题复发",
            now=NOW + dt.timedelta(days=30, seconds=1),
        )
    assert str(caught.value) == "A petition can be reopened within 30 days of closing."
    assert snapshot(petition) == before


def test_reopen_needs_a_reason(people, tree) -> None:
    petition = bring_to(Status.CLOSED, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed):
        services.petition_reopen(actor=people.worker, petition=petition, reason="", now=LATER)
    assert snapshot(petition) == before


def test_supervise_by_an_official_above(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    result = services.petition_supervise(
        actor=people.official, petition=petition, note="请三日内办结", now=LATER
    )
    assert (result.status, result.is_supervised, result.version) == (Status.ACCEPTED, True, 3)
    assert events_of(petition)[-1] == {
        "action": "supervise",
        "from": "accepted",
        "to": "accepted",
        "actor": people.official.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": LATER,
        "note": "请三日内办结",
        "data": {},
    }
    assert list(
        Notification.objects.filter(petition=petition).values_list(
            "recipient__username", "kind", "body"
        )
    ) == [("worker", "petition.supervise", "请三日内办结")]
    # A second, different note is a second supervision.
    services.petition_supervise(
        actor=people.official, petition=petition, note="请尽快答复", now=LATER + HOUR
    )
    assert PetitionEvent.objects.filter(petition=petition, action="supervise").count() == 2


def test_supervise_needs_an_official_of_an_ancestor_unit(people, tree, district_official) -> None:
    petition = bring_to(Status.SUBMITTED, people, tree)
    escalate_overdue(now=at("2026-11-20", "09:00"))  # the case moves up to 东城街道
    petition = Petition.objects.get(pk=petition.pk)
    assert petition.handling_unit == tree.east
    before = snapshot(petition)
    with pytest.raises(NotAllowed):  # the official now handles it: not above it
        services.petition_supervise(
            actor=people.official, petition=petition, note="督办", now=LATER
        )
    assert snapshot(petition) == before
    result = services.petition_supervise(
        actor=district_official, petition=petition, note="督办", now=at("2026-11-20", "10:00")
    )
    assert result.is_supervised is True


def test_supervise_needs_a_note(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed):
        services.petition_supervise(actor=people.official, petition=petition, note=" ", now=LATER)
    assert snapshot(petition) == before


def test_request_extension(people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    result = services.petition_request_extension(
        actor=people.worker, petition=petition, amount=3, reason="需协调物业公司", now=LATER
    )
    assert (result.status, result.extension_state) == (Status.IN_PROGRESS, "requested")
    assert (result.extension_amount, result.extension_reason) == (3, "需协调物业公司")
    assert result.resolve_due_at == at("2026-11-27", "23:59:59")  # unchanged until decided
    assert events_of(petition)[-1] == {
        "action": "request_extension",
        "from": "in_progress",
        "to": "in_progress",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": LATER,
        "note": "需协调物业公司",
        "data": {"amount": 3, "unit": "working_days"},
    }


@pytest.mark.parametrize("amount", [0, 6, -1])
def test_request_extension_within_the_policy_limit(amount, people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:
        services.petition_request_extension(
            actor=people.worker, petition=petition, amount=amount, reason="需协调", now=LATER
        )
    assert caught.value.fields == {"amount": ["Ask for 1 to 5 working days."]}
    assert snapshot(petition) == before


def test_request_extension_refused_when_the_policy_allows_none(people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    petition.policy.max_extension = 0
    petition.policy.save()
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.petition_request_extension(
            actor=people.worker, petition=petition, amount=1, reason="需协调", now=LATER
        )
    assert str(caught.value) == "This petition's deadline policy allows no extension."
    assert snapshot(petition) == before


def test_a_second_request_waits_for_the_first(people, tree) -> None:
    petition = ready(Action.DECIDE_EXTENSION, people, tree)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.petition_request_extension(
            actor=people.worker, petition=petition, amount=5, reason="另有原因", now=LATER
        )
    assert str(caught.value) == "An extension request is waiting for a decision."
    assert snapshot(petition) == before


def test_an_approved_extension_moves_the_resolve_deadline_once(people, tree) -> None:
    petition = ready(Action.DECIDE_EXTENSION, people, tree)
    result = services.petition_decide_extension(
        actor=people.official, petition=petition, approve=True, note="同意", now=LATER
    )
    assert result.extension_state == ExtensionState.APPROVED
    # 2026-11-27 (Friday) + 3 working days.
    assert result.resolve_due_at == at("2026-12-02", "23:59:59")
    assert result.status == Status.IN_PROGRESS
    assert events_of(petition)[-1] == {
        "action": "decide_extension",
        "from": "in_progress",
        "to": "in_progress",
        "actor": people.official.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": LATER,
        "note": "同意",
        "data": {"approved": True},
    }
    assert list(
        Notification.objects.filter(
            petition=petition, kind="petition.decide_extension"
        ).values_list("recipient__username", flat=True)
    ) == ["worker"]
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.petition_request_extension(
            actor=people.worker, petition=petition, amount=1, reason="仍需时间", now=LATER + HOUR
        )
    assert str(caught.value) == "This petition has already been extended once."
    assert snapshot(petition) == before


def test_a_refused_extension_keeps_the_deadline_and_may_be_asked_again(people, tree) -> None:
    petition = ready(Action.DECIDE_EXTENSION, people, tree)
    before = snapshot(petition)
    with pytest.raises(ValidationFailed) as caught:  # a refusal says why
        services.petition_decide_extension(
            actor=people.official, petition=petition, approve=False, note="", now=LATER
        )
    assert caught.value.fields == {"note": ["This field is required."]}
    assert snapshot(petition) == before
    result = services.petition_decide_extension(
        actor=people.official, petition=petition, approve=False, note="理由不充分", now=LATER
    )
    assert result.extension_state == ExtensionState.REFUSED
    assert result.resolve_due_at == at("2026-11-27", "23:59:59")
    assert events_of(petition)[-1]["data"] == {"approved": False}
    again = services.petition_request_extension(
        actor=people.worker, petition=petition, amount=2, reason="补充材料", now=LATER + HOUR
    )
    assert (again.extension_state, again.extension_amount) == ("requested", 2)


def test_decide_without_a_request_is_refused(people, tree) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.petition_decide_extension(
            actor=people.official, petition=petition, approve=True, now=LATER
        )
    assert str(caught.value) == "There is no extension request to decide."
    assert snapshot(petition) == before


def test_decide_after_the_case_was_replied_is_refused(people, tree) -> None:
    petition = ready(Action.DECIDE_EXTENSION, people, tree)
    services.petition_reply(actor=people.worker, petition=petition, reply="已处理", now=LATER)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition):
        services.petition_decide_extension(
            actor=people.official, petition=petition, approve=True, now=LATER + HOUR
        )
    assert snapshot(petition) == before


def test_decide_extension_needs_the_official_of_the_parent_unit(
    people, tree, district_official
) -> None:
    petition = ready(Action.DECIDE_EXTENSION, people, tree)
    before = snapshot(petition)
    with pytest.raises(NotAllowed):  # 云阳区 is above 东城街道, not the parent of 光明社区
        services.petition_decide_extension(
            actor=district_official, petition=petition, approve=True, now=LATER
        )
    assert snapshot(petition) == before


def test_formal_petitions_extend_by_at_most_thirty_calendar_days(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree, track=Track.FORMAL)
    assert petition.resolve_due_at == at("2027-01-17", "23:59:59")  # 60 days after accepting
    with pytest.raises(ValidationFailed) as caught:
        services.petition_request_extension(
            actor=people.worker, petition=petition, amount=31, reason="案情复杂", now=LATER
        )
    assert caught.value.fields == {"amount": ["Ask for 1 to 30 calendar days."]}
    services.petition_request_extension(
        actor=people.worker, petition=petition, amount=30, reason="案情复杂", now=LATER
    )
    result = services.petition_decide_extension(
        actor=people.official, petition=petition, approve=True, now=LATER
    )
    assert result.resolve_due_at == at("2027-02-16", "23:59:59")


def test_tag_complex(petition, people, tree) -> None:
    result = services.petition_tag_complex(
        actor=people.worker,
        petition=petition,
        tags=[Complexity.PERSON_HOUSEHOLD_APART, Complexity.CROSS_DEPARTMENT],
        now=LATER,
    )
    assert result.complexity == "cross_department,person_household_apart"
    assert result.complexity_tags == ["cross_department", "person_household_apart"]
    assert result.version == 2
    assert events_of(petition)[-1] == {
        "action": "tag_complex",
        "from": "submitted",
        "to": "submitted",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": None,
        "at": LATER,
        "note": "",
        "data": {"tags": ["cross_department", "person_household_apart"]},
    }
    again = services.petition_tag_complex(
        actor=people.worker,
        petition=petition,
        tags=["person_household_apart", "cross_department"],
        now=LATER,
    )
    assert again.version == 2  # the same tags: nothing to do
    with pytest.raises(ValidationFailed) as caught:
        services.petition_tag_complex(
            actor=people.worker, petition=petition, tags=["hard"], now=LATER
        )
    assert caught.value.fields == {"complexity": ["Unknown tags: hard."]}
    with pytest.raises(OutOfScope):  # a grid worker sees only what they logged or staff
        services.petition_tag_complex(actor=people.grid, petition=petition, tags=[], now=LATER)
    with pytest.raises(NotAllowed):  # an admin of the street sees it but does not handle it
        services.petition_tag_complex(
            actor=people.street_admin, petition=petition, tags=[], now=LATER
        )
    untagged = services.petition_tag_complex(
        actor=people.official, petition=petition, tags=[], now=LATER
    )
    assert (untagged.complexity, untagged.version) == ("", 3)


def test_the_street_acts_after_an_escalation(people, tree) -> None:
    petition = bring_to(Status.SUBMITTED, people, tree)
    escalate_overdue(now=at("2026-11-20", "09:00"))
    before = snapshot(petition)
    with pytest.raises(NotAllowed):  # the community no longer handles it
        services.petition_accept(actor=people.worker, petition=petition, now=LATER)
    assert snapshot(petition) == before
    result = services.petition_accept(
        actor=people.official, petition=petition, now=at("2026-11-20", "10:00")
    )
    assert events_of(result)[-1]["unit"] == tree.east.pk


# --- Dispatch actions ------------------------------------------------------------------------


@pytest.fixture
def whistled(people: Personas, tree: Tree) -> Dispatch:
    """The lead dispatch (城管局) of an accepted petition whistled at NOW."""
    petition = bring_to(Status.DISPATCHED, people, tree)
    return Dispatch.objects.get(petition=petition)


def dispatch_state(dispatch: Dispatch) -> dict[str, Any]:
    return {
        "dispatch": Dispatch.objects.filter(pk=dispatch.pk).values().get(),
        **snapshot(dispatch.petition),
    }


def test_report(whistled, people, tree) -> None:
    result = services.dispatch_report(
        actor=people.handler, dispatch=whistled, note="已派人", now=LATER
    )
    assert (result.status, result.version) == (DispatchStatus.REPORTED, 2)
    assert (result.reported_at, result.reported_by, result.report_due_at) == (
        LATER,
        people.handler,
        None,
    )
    assert result.complete_due_at == at("2026-11-25", "23:59:59")  # 7 calendar days
    assert events_of(whistled.petition, after=3) == [
        {
            "action": "report",
            "from": "pending",
            "to": "reported",
            "actor": people.handler.pk,
            "unit": tree.guangming.pk,
            "dispatch": whistled.pk,
            "at": LATER,
            "note": "已派人",
            "data": {"department": tree.chengguan.pk, "role": "lead"},
        },
        {
            "action": "all_reported",
            "from": "dispatched",
            "to": "in_progress",
            "actor": None,
            "unit": tree.guangming.pk,
            "dispatch": None,
            "at": LATER,
            "note": "",
            "data": {},
        },
    ]
    assert list(
        Notification.objects.filter(kind="petition.report").values_list(
            "recipient__username", "title"
        )
    ) == [("worker", "城管局 reported: Petition 2026-000001: 楼道堆放杂物")]


def test_return_needs_a_reason(whistled, people) -> None:
    before = dispatch_state(whistled)
    with pytest.raises(ValidationFailed) as caught:
        services.dispatch_return(actor=people.handler, dispatch=whistled, reason="", now=LATER)
    assert caught.value.fields == {"reason": ["This field is required."]}
    assert dispatch_state(whistled) == before


@pytest.mark.parametrize("reported_first", [False, True])
def test_return(reported_first, whistled, people, tree) -> None:
    if reported_first:
        services.dispatch_report(actor=people.handler, dispatch=whistled, now=NOW)
    result = services.dispatch_return(
        actor=people.handler, dispatch=whistled, reason="非本部门职责", now=LATER
    )
    assert (result.status, result.return_reason, result.returned_at) == (
        DispatchStatus.RETURNED,
        "非本部门职责",
        LATER,
    )
    assert (result.report_due_at, result.complete_due_at) == (None, None)
    assert events_of(whistled.petition)[-1] == {
        "action": "return",
        "from": "reported" if reported_first else "pending",
        "to": "returned",
        "actor": people.handler.pk,
        "unit": tree.guangming.pk,
        "dispatch": whistled.pk,
        "at": LATER,
        "note": "非本部门职责",
        "data": {"department": tree.chengguan.pk, "role": "lead"},
    }
    assert Notification.objects.filter(kind="petition.return").get().recipient == people.worker


def test_complete_needs_a_note(whistled, people) -> None:
    services.dispatch_report(actor=people.handler, dispatch=whistled, now=NOW)
    before = dispatch_state(whistled)
    with pytest.raises(ValidationFailed) as caught:
        services.dispatch_complete(actor=people.handler, dispatch=whistled, note=" ", now=LATER)
    assert caught.value.fields == {"note": ["This field is required."]}
    assert dispatch_state(whistled) == before


def test_complete(whistled, people, tree) -> None:
    services.dispatch_report(actor=people.handler, dispatch=whistled, now=NOW)
    result = services.dispatch_complete(
        actor=people.handler, dispatch=whistled, note="已清理完毕", now=LATER
    )
    assert (result.status, result.completion_note, result.completed_at) == (
        DispatchStatus.COMPLETED,
        "已清理完毕",
        LATER,
    )
    assert result.complete_due_at is None
    assert events_of(whistled.petition)[-1] == {
        "action": "complete",
        "from": "reported",
        "to": "completed",
        "actor": people.handler.pk,
        "unit": tree.guangming.pk,
        "dispatch": whistled.pk,
        "at": LATER,
        "note": "已清理完毕",
        "data": {"department": tree.chengguan.pk, "role": "lead"},
    }


def close_whistled(dispatch: Dispatch, people: Personas, *, handler: User | None = None) -> None:
    """Report and complete the dispatch, reply and close the petition with a satisfied
    evaluation (everything at NOW)."""
    handler = handler or people.handler
    services.dispatch_report(actor=handler, dispatch=dispatch, now=NOW)
    services.dispatch_complete(actor=handler, dispatch=dispatch, note="已清理", now=NOW)
    services.petition_reply(
        actor=people.worker, petition=dispatch.petition, reply="已处理", now=NOW
    )
    services.petition_evaluate(
        actor=people.worker, petition=dispatch.petition, satisfaction="satisfied", now=NOW
    )


def test_rate_once_the_petition_is_closed(whistled, people, tree) -> None:
    close_whistled(whistled, people)
    result = services.dispatch_rate(
        actor=people.worker, dispatch=whistled, rating=4, note="响应及时", now=LATER
    )
    assert (result.rating, result.rated_at, result.status) == (4, LATER, "completed")
    assert events_of(whistled.petition)[-1] == {
        "action": "rate",
        "from": "completed",
        "to": "completed",
        "actor": people.worker.pk,
        "unit": tree.guangming.pk,
        "dispatch": whistled.pk,
        "at": LATER,
        "note": "响应及时",
        "data": {"department": tree.chengguan.pk, "role": "lead", "rating": 4},
    }
    # The same rating again (a retried request) is a no-op; another rating, or the same one
    # with another note, is refused: it would be silently dropped otherwise.
    again = services.dispatch_rate(
        actor=people.worker, dispatch=whistled, rating=4, note="响应及时", now=LATER
    )
    assert again.version == result.version
    before = dispatch_state(whistled)
    for rating, note in ((2, ""), (4, "")):
        with pytest.raises(InvalidTransition) as caught:
            services.dispatch_rate(
                actor=people.worker, dispatch=whistled, rating=rating, note=note, now=LATER
            )
        assert str(caught.value) == "This dispatch has already been rated."
    assert dispatch_state(whistled) == before
    assert PetitionEvent.objects.filter(action="rate").count() == 1


def test_a_returned_dispatch_is_rated_too(whistled, people, tree, police_handler) -> None:
    petition = whistled.petition
    services.dispatch_return(actor=people.handler, dispatch=whistled, reason="非本部门", now=NOW)
    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.police, now=NOW)
    close_whistled(Dispatch.objects.get(department=tree.police), people, handler=police_handler)
    result = services.dispatch_rate(actor=people.worker, dispatch=whistled, rating=1, now=LATER)
    assert (result.status, result.rating) == ("returned", 1)


@pytest.mark.parametrize("rating", [0, 6, True, "5"])
def test_rate_from_one_to_five(rating, whistled, people) -> None:
    close_whistled(whistled, people)
    before = dispatch_state(whistled)
    with pytest.raises(ValidationFailed) as caught:
        services.dispatch_rate(actor=people.worker, dispatch=whistled, rating=rating, now=LATER)
    assert caught.value.fields == {"rating": ["Rate from 1 to 5."]}
    assert dispatch_state(whistled) == before


def test_rate_before_the_petition_closes_is_refused(whistled, people) -> None:
    services.dispatch_report(actor=people.handler, dispatch=whistled, now=NOW)
    services.dispatch_complete(actor=people.handler, dispatch=whistled, note="已清理", now=NOW)
    before = dispatch_state(whistled)
    with pytest.raises(InvalidTransition) as caught:
        services.dispatch_rate(actor=people.worker, dispatch=whistled, rating=5, now=LATER)
    assert str(caught.value) == "Departments are rated when the petition is closed."
    assert dispatch_state(whistled) == before


def test_rate_is_for_the_whistling_unit(whistled, people) -> None:
    close_whistled(whistled, people)
    before = dispatch_state(whistled)
    for actor, error in ((people.handler, NotAllowed), (people.other_worker, OutOfScope)):
        with pytest.raises(error):
            services.dispatch_rate(actor=actor, dispatch=whistled, rating=5, now=LATER)
    assert dispatch_state(whistled) == before


# Each dispatch action with valid arguments, and the dispatch status it is tried from.
DISPATCH_CALLS: dict[str, Callable[..., Dispatch]] = {
    Action.REPORT: lambda **kw: services.dispatch_report(**kw),
    Action.RETURN: lambda **kw: services.dispatch_return(reason="非本部门职责", **kw),
    Action.COMPLETE: lambda **kw: services.dispatch_complete(note="已清理", **kw),
}
DISPATCH_FROM = {
    Action.REPORT: DispatchStatus.PENDING,
    Action.RETURN: DispatchStatus.PENDING,
    Action.COMPLETE: DispatchStatus.REPORTED,
}


def dispatch_in(status: str, dispatch: Dispatch, people: Personas) -> Dispatch:
    if status in (DispatchStatus.REPORTED, DispatchStatus.COMPLETED):
        services.dispatch_report(actor=people.handler, dispatch=dispatch, now=NOW)
    if status == DispatchStatus.COMPLETED:
        services.dispatch_complete(actor=people.handler, dispatch=dispatch, note="已清理", now=NOW)
    if status == DispatchStatus.RETURNED:
        services.dispatch_return(
            actor=people.handler, dispatch=dispatch, reason="非本部门", now=NOW
        )
    return Dispatch.objects.get(pk=dispatch.pk)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (Action.REPORT, DispatchStatus.RETURNED),
        (Action.REPORT, DispatchStatus.COMPLETED),
        (Action.RETURN, DispatchStatus.COMPLETED),
        (Action.COMPLETE, DispatchStatus.PENDING),
        (Action.COMPLETE, DispatchStatus.RETURNED),
    ],
)
def test_a_forbidden_dispatch_source_is_refused(action, status, whistled, people) -> None:
    dispatch = dispatch_in(status, whistled, people)
    before = dispatch_state(dispatch)
    with pytest.raises(InvalidTransition):
        DISPATCH_CALLS[action](actor=people.handler, dispatch=dispatch, now=LATER)
    assert dispatch_state(dispatch) == before


@pytest.mark.parametrize("action", list(DISPATCH_CALLS))
def test_a_dispatch_action_rerun_is_a_noop(action, whistled, people) -> None:
    dispatch = dispatch_in(DISPATCH_FROM[action], whistled, people)
    first = DISPATCH_CALLS[action](
        actor=people.handler, dispatch=dispatch, expected_version=dispatch.version, now=LATER
    )
    after_first = dispatch_state(dispatch)
    again = DISPATCH_CALLS[action](
        actor=people.handler, dispatch=dispatch, expected_version=dispatch.version, now=LATER
    )
    assert (again.status, again.version) == (first.status, first.version)
    assert dispatch_state(dispatch) == after_first
    assert PetitionEvent.objects.filter(dispatch=dispatch, action=action).count() == 1


@pytest.mark.parametrize("action", list(DISPATCH_CALLS))
def test_a_stale_dispatch_is_refused(action, whistled, people) -> None:
    dispatch = dispatch_in(DISPATCH_FROM[action], whistled, people)
    Dispatch.objects.filter(pk=dispatch.pk).update(version=dispatch.version + 1)
    before = dispatch_state(dispatch)
    with pytest.raises(ConcurrentUpdate):
        DISPATCH_CALLS[action](
            actor=people.handler, dispatch=dispatch, expected_version=dispatch.version, now=LATER
        )
    assert dispatch_state(dispatch) == before


@pytest.mark.parametrize("action", list(DISPATCH_CALLS))
@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("worker", NotAllowed),  # sees it, may not act for the department
        ("official", NotAllowed),
        ("grid", OutOfScope),  # neither logged it nor staffs its grid
        ("other_worker", OutOfScope),
        ("volunteer", OutOfScope),
        ("police_handler", OutOfScope),  # another department's handler
    ],
)
def test_only_the_departments_handler_acts_on_a_dispatch(
    action, persona, error, whistled, people, police_handler
) -> None:
    dispatch = dispatch_in(DISPATCH_FROM[action], whistled, people)
    actor = police_handler if persona == "police_handler" else getattr(people, persona)
    before = dispatch_state(dispatch)
    with pytest.raises(error):
        DISPATCH_CALLS[action](actor=actor, dispatch=dispatch, now=LATER)
    assert dispatch_state(dispatch) == before


# --- Intake ----------------------------------------------------------------------------------


def test_numbers_are_sequential_and_unique_per_year(people, tree) -> None:
    numbers = [log_petition(people, tree).number for _ in range(3)]
    numbers.append(log_petition(people, tree, now=at("2027-01-04")).number)
    numbers.append(log_petition(people, tree, now=at("2026-12-31", "23:30")).number)
    assert numbers == [
        "2026-000001",
        "2026-000002",
        "2026-000003",
        "2027-000001",
        "2026-000004",
    ]
    assert dict(NumberSequence.objects.filter(name="petition").values_list("year", "last")) == {
        2026: 4,
        2027: 1,
    }


def test_the_number_year_is_the_local_year(people, tree) -> None:
    # 2027-01-01 00:30 in Shanghai is still 2026 in UTC.
    first = log_petition(people, tree, now=at("2027-01-01", "00:30"))
    assert first.number == "2027-000001"


INTAKE = {
    "location": "building_1",
    "channel": Channel.WALK_IN,
    "category": Category.SANITATION,
    "title": "楼道堆放杂物",
    "description": "楼道堆放杂物",
}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"location": "east"}, {"location": ["Choose a community or a place inside one."]}),
        ({"channel": "fax"}, {"channel": ["Not a valid choice."]}),
        ({"category": "noise"}, {"category": ["Not a valid choice."]}),
        ({"urgency": "asap"}, {"urgency": ["Not a valid choice."]}),
        ({"track": "court"}, {"track": ["Not a valid choice."]}),
        ({"title": " "}, {"title": ["This field is required."]}),
        ({"title": "长" * 121}, {"title": ["At most 120 characters."]}),
        ({"description": ""}, {"description": ["This field is required."]}),
        ({"complexity": ["hard"]}, {"complexity": ["Unknown tags: hard."]}),
        (
            {"title": "", "channel": "fax"},
            {"title": ["This field is required."], "channel": ["Not a valid choice."]},
        ),
    ],
)
def test_intake_validation(changes, errors, people, tree) -> None:
    values = {**INTAKE, **changes}
    values["location"] = getattr(tree, values["location"])
    with pytest.raises(ValidationFailed) as caught:
        services.petition_create(actor=people.worker, now=NOW, **values)
    assert caught.value.fields == errors
    assert Petition.objects.count() == 0
    assert NumberSequence.objects.filter(name="petition", last__gt=0).count() == 0


def test_intake_refuses_a_grid_of_another_community(people, tree, world) -> None:
    with pytest.raises(ValidationFailed) as caught:
        log_petition(people, tree, grid=world.xinhua_grid)
    assert caught.value.fields == {"grid": ["Choose a grid of this community."]}
    assert Petition.objects.count() == 0


def test_intake_refuses_an_anonymous_petition_with_a_petitioner(people, tree, world) -> None:
    with pytest.raises(ValidationFailed) as caught:
        log_petition(people, tree, is_anonymous=True, petitioner=world.wang.person)
    assert caught.value.fields == {"petitioner": ["An anonymous petition names no petitioner."]}


@pytest.mark.parametrize("phone", ["12345", "1381234567", "电话"])
def test_intake_refuses_a_bad_phone(phone, people, tree) -> None:
    with pytest.raises(ValidationFailed) as caught:
        log_petition(people, tree, contact_phone=phone)
    assert list(caught.value.fields) == ["contact_phone"]
    assert Petition.objects.count() == 0


def test_intake_keeps_the_phone_sealed_and_masked(people, tree) -> None:
    petition = log_petition(people, tree, contact_phone="+86 139-1234-5678", is_anonymous=True)
    assert petition.masked_contact_phone == "139****5678"
    assert "13912345678" not in petition.contact_phone_encrypted
    assert petition.is_anonymous is True


@pytest.mark.parametrize(
    ("persona", "error"),
    # A handler's area is the department's jurisdiction: inside it, but not one who logs.
    [("volunteer", NotAllowed), ("handler", NotAllowed), ("other_worker", OutOfScope)],
)
def test_intake_roles(persona, error, people, tree) -> None:
    with pytest.raises(error):
        log_petition_as(getattr(people, persona), tree)
    assert Petition.objects.count() == 0


def test_intake_by_a_grid_worker_and_at_a_branch(people, tree) -> None:
    petition = log_petition_as(people.grid, tree, location=tree.branch)
    assert (petition.community, petition.created_by) == (tree.guangming, people.grid)


def test_intake_from_a_visit_that_found_a_hazard(people, tree, world) -> None:
    visit = grid_services.visit_record(
        actor=people.grid,
        household=world.home_102,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="楼道电动车充电",
        hazard_found=True,
        visited_at=NOW - HOUR,
        now=NOW,
    )
    petition = log_petition_as(
        people.grid,
        tree,
        source_visit=visit,
        channel=Channel.GRID_REPORT,
        category=Category.SAFETY_HAZARD,
        title="楼道电动车充电",
    )
    assert (petition.grid, petition.source_visit) == (world.grid_a, visit)
    assert events_of(petition)[0]["data"] == {
        "channel": "grid_report",
        "repeat_of": None,
        "source_visit": visit.pk,
    }
    with pytest.raises(ValidationFailed) as caught:
        log_petition_as(people.grid, tree, source_visit=visit, title="再报一次")
    assert caught.value.fields == {"source_visit": ["This visit has already become a petition."]}
    assert Petition.objects.count() == 1


def test_intake_from_a_visit_of_another_grid_is_refused(people, tree, world) -> None:
    visit = grid_services.visit_record(
        actor=people.grid,
        household=world.home_101,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="消防通道堵塞",
        hazard_found=True,
        visited_at=NOW - HOUR,
        now=NOW,
    )
    with pytest.raises(ValidationFailed) as caught:
        log_petition(people, tree, source_visit=visit, grid=world.grid_b)
    assert caught.value.fields == {"grid": ["The grid differs from the visit's grid."]}


def test_repeats_by_the_same_petitioner(people, tree, world) -> None:
    wang = world.wang.person
    first = log_petition(people, tree, petitioner=wang, now=NOW)
    assert (first.is_repeat, first.repeat_of) == (False, None)
    second = log_petition(people, tree, petitioner=wang, now=NOW + dt.timedelta(days=89))
    assert (second.is_repeat, second.repeat_of) == (True, first)
    assert events_of(second)[0]["data"]["repeat_of"] == first.number
    # The latest earlier one is linked.
    third = log_petition(people, tree, petitioner=wang, now=NOW + dt.timedelta(days=90))
    assert third.repeat_of == second


def test_repeats_by_phone(people, tree, world) -> None:
    wang = world.wang.person  # mobile 13912345678
    first = log_petition(people, tree, contact_phone="13912345678", now=NOW)
    by_person = log_petition(people, tree, petitioner=wang, now=NOW + HOUR)
    assert by_person.repeat_of == first
    by_phone = log_petition(people, tree, contact_phone="139 1234 5678", now=NOW + 2 * HOUR)
    assert by_phone.repeat_of == by_person
    # Found by both lookups (an earlier one of the petitioner's, a later one from the phone):
    # the latest is linked.
    both = log_petition(people, tree, petitioner=wang, now=NOW + 3 * HOUR)
    assert both.repeat_of == by_phone


def test_not_a_repeat(people, tree, world) -> None:
    wang = world.wang.person
    first = log_petition(people, tree, petitioner=wang, now=NOW)
    other_category = log_petition(
        people, tree, petitioner=wang, category=Category.DISPUTE, now=NOW + HOUR
    )
    assert other_category.is_repeat is False
    too_late = log_petition(
        people, tree, petitioner=wang, now=first.created_at + dt.timedelta(days=90, seconds=1)
    )
    assert too_late.is_repeat is False
    someone_else = log_petition(
        people, tree, petitioner=world.li.person, category=Category.DISPUTE, now=NOW + HOUR
    )
    assert someone_else.is_repeat is False
    anonymous = log_petition(people, tree, is_anonymous=True, now=NOW + HOUR)
    assert anonymous.is_repeat is False


def test_a_rejected_petition_is_not_repeated(people, tree, world) -> None:
    wang = world.wang.person
    first = log_petition(people, tree, petitioner=wang, now=NOW)
    services.petition_reject(actor=people.worker, petition=first, reason="重复来访", now=NOW)
    second = log_petition(people, tree, petitioner=wang, now=NOW + HOUR)
    assert second.is_repeat is False


def test_complexity_tags_at_intake(people, tree) -> None:
    petition = log_petition(
        people, tree, complexity=[Complexity.ALL_APART, Complexity.CROSS_REGION]
    )
    assert petition.complexity_tags == ["all_apart", "cross_region"]


def test_the_policy_follows_track_and_urgency(people, tree) -> None:
    formal = log_petition(people, tree, track=Track.FORMAL)
    assert formal.accept_due_at == at("2026-12-03", "23:59:59")  # 15 calendar days
    urgent = log_petition(people, tree, urgency=Urgency.URGENT)
    assert urgent.accept_due_at == NOW + 2 * HOUR
