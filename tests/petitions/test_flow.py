"""The whole life of a petition: intake, accept, whistle, report, complete, reply, evaluate."""

from __future__ import annotations

import datetime as dt

from petitions import services
from petitions.models import Action, DispatchStatus, Escalation, Petition, PetitionEvent, Status
from petitions.sweep import escalate_overdue
from tests.petitions.conftest import NOW, at


def test_a_petition_from_intake_to_closing(petition, people, tree) -> None:
    assert petition.number == "2026-000001"
    assert petition.status == Status.SUBMITTED
    assert petition.handling_unit == tree.guangming
    assert petition.accept_due_at == at("2026-11-19", "23:59:59")
    petition = services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    assert petition.resolve_due_at == at("2026-11-27", "23:59:59")
    petition = services.petition_dispatch(
        actor=people.worker,
        petition=petition,
        lead=tree.chengguan,
        assists=[tree.police],
        now=NOW,
    )
    assert petition.status == Status.DISPATCHED
    lead = petition.dispatches.get(department=tree.chengguan)
    assert lead.report_due_at == NOW + dt.timedelta(hours=24)
    services.dispatch_report(actor=people.handler, dispatch=lead, now=NOW + dt.timedelta(hours=1))
    petition.refresh_from_db()
    assert petition.status == Status.IN_PROGRESS
    services.dispatch_complete(
        actor=people.handler, dispatch=lead, note="已清理", now=NOW + dt.timedelta(hours=5)
    )
    assist = petition.dispatches.get(department=tree.police)
    services.dispatch_return(
        actor=None,
        dispatch=assist,
        reason="非本部门职责",
        now=NOW + dt.timedelta(hours=5, minutes=30),
    )
    petition = services.petition_reply(
        actor=people.worker, petition=petition, reply="已清理完毕", now=NOW + dt.timedelta(hours=6)
    )
    assert petition.status == Status.REPLIED
    petition = services.petition_evaluate(
        actor=people.worker,
        petition=petition,
        satisfaction="satisfied",
        now=NOW + dt.timedelta(hours=7),
    )
    assert petition.status == Status.CLOSED
    lead.refresh_from_db()
    assert lead.status == DispatchStatus.COMPLETED
    services.dispatch_rate(
        actor=people.worker, dispatch=lead, rating=5, now=NOW + dt.timedelta(hours=8)
    )
    actions = list(PetitionEvent.objects.filter(petition=petition).values_list("action", flat=True))
    assert actions == [
        Action.CREATE,
        Action.ACCEPT,
        Action.DISPATCH,
        Action.REPORT,
        Action.ALL_REPORTED,
        Action.COMPLETE,
        Action.RETURN,
        Action.REPLY,
        Action.EVALUATE,
        Action.RATE,
    ]


def test_accept_rerun_is_a_noop(petition, people) -> None:
    first = services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    again = services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    assert again.version == first.version
    assert PetitionEvent.objects.filter(petition=petition, action=Action.ACCEPT).count() == 1


def test_sweep_escalates_once(petition, people, tree) -> None:
    late = at("2026-11-20", "09:00")
    first = escalate_overdue(now=late)
    second = escalate_overdue(now=late)
    assert first.escalated["accept"] == 1
    assert second.escalated["accept"] == 0
    petition = Petition.objects.get(pk=petition.pk)
    assert petition.handling_unit == tree.east
    assert petition.escalation_level == 1
    assert Escalation.objects.filter(petition=petition).count() == 1
    # The street's official now acts on it.
    services.petition_accept(actor=people.official, petition=petition, now=late)


def test_figures_after_one_closed_petition(petition, people, tree) -> None:
    from petitions.selectors import petition_figures

    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_start(actor=people.worker, petition=petition, now=NOW)
    services.petition_reply(actor=people.worker, petition=petition, reply="已处理", now=NOW)
    services.petition_evaluate(
        actor=people.worker, petition=petition, satisfaction="basically_satisfied", now=NOW
    )
    figures = petition_figures(user=people.official, within=tree.east, now=NOW)
    assert (figures.logged, figures.closed, figures.satisfied) == (1, 1, 1)
    assert figures.first_time_resolution_rate == 1.0
    assert figures.response_rate == 1.0
    assert figures.escalations_by_level == {}


def test_start_after_the_lead_returned_it(petition, people, tree) -> None:
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    petition = services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW
    )
    lead = petition.dispatches.get()
    import pytest

    from governance.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        services.petition_start(actor=people.worker, petition=petition, now=NOW)
    services.dispatch_return(actor=people.handler, dispatch=lead, reason="非本部门职责", now=NOW)
    petition = services.petition_start(actor=people.worker, petition=petition, now=NOW)
    assert petition.status == Status.IN_PROGRESS


def test_two_late_departments_in_one_sweep_move_the_case_up_once(petition, people, tree) -> None:
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_dispatch(
        actor=people.worker,
        petition=petition,
        lead=tree.chengguan,
        assists=[tree.police],
        now=NOW,
    )
    late = NOW + dt.timedelta(hours=30)
    result = escalate_overdue(now=late)
    assert result.escalated["report"] == 2
    petition = Petition.objects.get(pk=petition.pk)
    assert (petition.handling_unit, petition.escalation_level) == (tree.east, 1)
    assert sorted(
        Escalation.objects.filter(petition=petition).values_list("level", "to_unit__name")
    ) == [(1, "东城街道"), (1, "东城街道")]
