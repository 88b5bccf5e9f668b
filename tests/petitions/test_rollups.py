"""The dashboards' rollups (petitions.rollups): kept by every transition in its transaction,
equal to a direct count after any sequence of steps, and checked nightly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db.models import F, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.errors import ApplicationError
from petitions import rollups, services
from petitions.models import (
    Category,
    Channel,
    DepartmentDay,
    Dispatch,
    DispatchStatus,
    Petition,
    PetitionDay,
    Satisfaction,
    Status,
)
from petitions.sweep import escalate_overdue
from petitions.tasks import check_rollups_task
from tests.conftest import Personas, Tree
from tests.petitions.conftest import NOW, at, log_petition

HOUR = dt.timedelta(hours=1)


def stored(model: type[PetitionDay] | type[DepartmentDay]) -> dict[tuple, dict[str, int]]:
    counters = rollups.PETITION_COUNTERS if model is PetitionDay else rollups.DEPARTMENT_COUNTERS
    key = (
        ("community_id", "day", "category", "channel")
        if model is PetitionDay
        else ("department_id", "community_id", "day")
    )
    rows: list[dict[str, Any]] = [dict(row) for row in model.objects.values()]
    return {
        tuple(row[name] for name in key): {name: row[name] for name in counters}
        for row in rows
        if any(row[name] for name in counters)
    }


def assert_rollups_match_the_rows() -> None:
    before = (stored(PetitionDay), stored(DepartmentDay))
    assert rollups.recompute() == []
    assert (stored(PetitionDay), stored(DepartmentDay)) == before


# --- Matching in Python means what the same Q means in SQL ------------------------------------


def test_matches_agrees_with_sql(people, tree) -> None:
    petition = log_petition(people, tree)
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    petition = Petition.objects.get(pk=petition.pk)
    for name, counter in rollups.PETITION_COUNTERS.items():
        in_sql = Petition.objects.filter(counter.when, pk=petition.pk).exists()
        assert rollups.matches(counter.when, petition) is in_sql, name
    assert rollups.matches(Q(status="accepted") | Q(status="closed"), petition)
    assert not rollups.matches(~(Q(status="accepted") | Q(status="closed")), petition)


def test_an_unknown_lookup_is_refused(people, tree) -> None:
    with pytest.raises(ValueError, match="unsupported lookup"):
        rollups.matches(Q(title__contains="楼"), log_petition(people, tree))


# --- Each step moves the counters -----------------------------------------------------------


def test_intake_and_steps_move_the_counters(people, tree) -> None:
    petition = log_petition(people, tree)
    key = {
        "community": tree.guangming,
        "day": dt.date(2026, 11, 18),
        "category": Category.SANITATION,
        "channel": Channel.WALK_IN,
    }
    row = PetitionDay.objects.get(**key)
    assert (row.received, row.open, row.responded, row.accepted) == (1, 1, 0, 0)
    worker = people.worker
    services.petition_accept(actor=worker, petition=petition, now=NOW + HOUR)
    services.petition_start(actor=worker, petition=petition, now=NOW + HOUR)
    services.petition_reply(actor=worker, petition=petition, reply="已清理", now=NOW + HOUR)
    services.petition_evaluate(
        actor=worker, petition=petition, satisfaction=Satisfaction.SATISFIED, now=NOW + 2 * HOUR
    )
    row = PetitionDay.objects.get(**key)
    assert (row.received, row.open, row.responded, row.accepted, row.accepted_on_time) == (
        1,
        0,
        1,
        1,
        1,
    )
    assert (row.closed, row.closed_first_time, row.closed_on_time) == (1, 1, 1)
    assert (row.evaluated, row.satisfied) == (1, 1)
    services.petition_reopen(actor=worker, petition=petition, reason="又堆了", now=NOW + 3 * HOUR)
    row = PetitionDay.objects.get(**key)
    assert (row.open, row.closed, row.closed_first_time, row.evaluated) == (1, 0, 0, 0)
    assert_rollups_match_the_rows()


def test_escalation_and_late_whistles_count(people, tree) -> None:
    late = log_petition(people, tree)
    whistled = log_petition(people, tree, title="路灯不亮")
    services.petition_accept(actor=people.worker, petition=whistled, now=NOW)
    services.petition_dispatch(
        actor=people.worker, petition=whistled, lead=tree.chengguan, assists=[tree.police], now=NOW
    )
    friday = at("2026-11-20", "09:00")
    escalate_overdue(now=friday)
    row = PetitionDay.objects.get(community=tree.guangming, day=dt.date(2026, 11, 18))
    assert (row.overdue, row.escalated_1, row.received) == (2, 2, 2)
    chengguan = DepartmentDay.objects.get(department=tree.chengguan)
    assert (chengguan.dispatches, chengguan.open, chengguan.reported) == (1, 1, 0)
    lead = Dispatch.objects.get(petition=whistled, department=tree.chengguan)
    services.dispatch_report(actor=people.handler, dispatch=lead, now=friday + HOUR)
    services.dispatch_complete(
        actor=people.handler, dispatch=lead, note="已修复", now=friday + 2 * HOUR
    )
    chengguan.refresh_from_db()
    assert (chengguan.reported, chengguan.reported_on_time) == (1, 0)
    assert (chengguan.completed, chengguan.completed_on_time, chengguan.open) == (1, 0, 0)
    assert Petition.objects.get(pk=late.pk).late_accept
    assert_rollups_match_the_rows()


# --- Random sequences of steps ----------------------------------------------------------------

STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "log",
                "accept",
                "reject",
                "start",
                "dispatch",
                "report",
                "return",
                "complete",
                "reply",
                "satisfied",
                "unsatisfied",
                "close",
                "reopen",
                "rate",
                "supervise",
                "sweep",
            ]
        ),
        st.integers(min_value=0, max_value=5),
    ),
    min_size=1,
    max_size=25,
)


def _step(name: str, pick: int, people: Personas, tree: Tree, clock: list[dt.datetime]) -> None:
    clock[0] += dt.timedelta(hours=7)
    now = clock[0]
    worker, official, handler = people.worker, people.official, people.handler
    petitions = list(Petition.objects.order_by("pk"))
    if name == "log" or not petitions:
        log_petition(
            people,
            tree,
            now=now,
            category=[Category.SANITATION, Category.SAFETY_HAZARD][pick % 2],
            channel=[Channel.WALK_IN, Channel.PHONE][pick // 2 % 2],
        )
        return
    petition = petitions[pick % len(petitions)]
    actor = official if petition.handling_unit_id == tree.east.pk else worker
    dispatches = list(Dispatch.objects.filter(petition=petition).order_by("pk"))
    dispatch = dispatches[pick % len(dispatches)] if dispatches else None
    try:
        if name == "accept":
            services.petition_accept(actor=actor, petition=petition, now=now)
        elif name == "reject":
            services.petition_reject(actor=actor, petition=petition, reason="不属实", now=now)
        elif name == "start":
            services.petition_start(actor=actor, petition=petition, now=now)
        elif name == "dispatch":
            services.petition_dispatch(actor=actor, petition=petition, lead=tree.chengguan, now=now)
        elif name == "report" and dispatch is not None:
            services.dispatch_report(actor=handler, dispatch=dispatch, now=now)
        elif name == "return" and dispatch is not None:
            services.dispatch_return(actor=handler, dispatch=dispatch, reason="非本部门", now=now)
        elif name == "complete" and dispatch is not None:
            services.dispatch_complete(actor=handler, dispatch=dispatch, note="已办", now=now)
        elif name == "reply":
            services.petition_reply(actor=actor, petition=petition, reply="已处理", now=now)
        elif name in ("satisfied", "unsatisfied"):
            services.petition_evaluate(
                actor=actor,
                petition=petition,
                satisfaction=Satisfaction.SATISFIED if name == "satisfied" else "unsatisfied",
                now=now,
            )
        elif name == "close":
            services.petition_close(actor=actor, petition=petition, reason="联系不上", now=now)
        elif name == "reopen":
            services.petition_reopen(actor=actor, petition=petition, reason="复发", now=now)
        elif name == "rate" and dispatch is not None:
            services.dispatch_rate(actor=actor, dispatch=dispatch, rating=pick % 5 + 1, now=now)
        elif name == "supervise":
            services.petition_supervise(actor=official, petition=petition, note="抓紧", now=now)
        elif name == "sweep":
            clock[0] += dt.timedelta(days=pick + 1)
            escalate_overdue(now=clock[0])
    except ApplicationError:
        pass  # an illegal step changes nothing, the rollups included


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_rollups_equal_a_direct_count_after_any_steps(steps, people, tree) -> None:
    clock = [NOW]
    for name, pick in steps:
        _step(name, pick, people, tree, clock)
    assert_rollups_match_the_rows()
    counted = Petition.objects.filter(status__in=[Status.CLOSED]).count()
    assert sum(PetitionDay.objects.values_list("closed", flat=True)) == counted
    assert sum(DepartmentDay.objects.values_list("dispatches", flat=True)) == (
        Dispatch.objects.count()
    )
    assert sum(DepartmentDay.objects.values_list("returned", flat=True)) == (
        Dispatch.objects.filter(status=DispatchStatus.RETURNED).count()
    )


# --- The nightly check ------------------------------------------------------------------------


def test_the_nightly_check_finds_and_repairs_an_injected_drift(people, tree) -> None:
    petition = log_petition(people, tree, now=NOW)
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    PetitionDay.objects.update(accepted=F("accepted") + 3)
    DepartmentDay.objects.create(
        department=tree.police, community=tree.guangming, day=dt.date(2026, 11, 18), dispatches=2
    )
    drifts = rollups.recompute(days=[dt.date(2026, 11, 18)])
    assert sorted(drift.table for drift in drifts) == ["department", "petition"]
    petition_drift = next(drift for drift in drifts if drift.table == "petition")
    assert (petition_drift.stored["accepted"], petition_drift.counted["accepted"]) == (4, 1)
    assert PetitionDay.objects.get().accepted == 1
    assert not DepartmentDay.objects.exists()
    assert rollups.recompute() == []


def test_the_nightly_task_checks_the_days_that_changed_yesterday(people, tree) -> None:
    old = log_petition(people, tree, now=at("2026-11-02", "10:00"))
    services.petition_accept(actor=people.worker, petition=old, now=at("2026-11-02", "11:00"))
    with time_machine.travel(at("2026-11-18", "15:00"), tick=False):
        services.petition_start(actor=people.worker, petition=old)
    # A drift on the day the case changed yesterday was logged.
    PetitionDay.objects.update(open=F("open") + 1)
    assert rollups.days_touched(
        since=at("2026-11-18", "00:00"), until=at("2026-11-19", "00:00")
    ) == {dt.date(2026, 11, 2)}
    with time_machine.travel(at("2026-11-19", "02:30"), tick=False):
        assert check_rollups_task() == 1
    assert PetitionDay.objects.get().open == 1
