"""What a department handler works with: the department's own clocks before the petition's on
the petition's page. The clock is frozen at ``NOW`` (Wednesday 2026-11-18 10:00, Shanghai)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from petitions import services
from petitions.models import Status
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree
from tests.helpers import english_client_for
from tests.petitions.conftest import NOW, bring_to

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


# --- The department's own clocks first -------------------------------------------------------


def clock_texts(html: str, testid: str) -> list[str]:
    """The labels of the clocks in the section ``testid``, in order."""
    section = html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<span class="clock-label">([^<]*)</span>', section)


def test_the_handler_sees_its_own_clocks_first_then_the_petitions(
    people: Personas, tree: Tree
) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = petition.dispatches.get()
    client = english_client_for(people.handler)
    response = client.get(f"/petitions/{petition.pk}/")
    html = response.content.decode()
    assert html.index('data-testid="department-clocks"') < html.index('data-testid="clocks"')
    assert "Your department's deadlines" in html
    assert "The petition's deadlines" in html
    assert "Kept by the handling unit, 光明社区" in html
    assert clock_texts(html, "department-clocks") == [
        "Report by (报到期限)",
        "Complete by (办结期限)",
    ]
    assert clock_texts(html, "clocks") == ["Accept (受理)", "Resolve (办结)"]
    mine = response.context["department_clocks"]
    assert mine.dispatch.pk == dispatch.pk
    report, complete = mine.clocks
    assert (report.running, report.badge.due_at, report.done_at) == (
        True,
        dispatch.report_due_at,
        None,
    )
    assert (complete.running, complete.idle) == (False, "starts when you report")
    # After 报到: the report is done, the completion clock runs.
    services.dispatch_report(actor=people.handler, dispatch=dispatch)
    dispatch.refresh_from_db()
    report, complete = client.get(f"/petitions/{petition.pk}/").context["department_clocks"].clocks
    assert (report.running, report.done_at, report.late) == (False, NOW, False)
    assert (complete.running, complete.badge.due_at) == (True, dispatch.complete_due_at)


def test_a_missed_report_shows_on_the_departments_clock(
    people: Personas, tree: Tree, clock: Any
) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = petition.dispatches.get()
    assert dispatch.report_due_at is not None
    clock.move_to(dispatch.report_due_at + HOUR, tick=False)
    escalate_overdue()
    client = english_client_for(people.handler)
    response = client.get(f"/petitions/{petition.pk}/")
    report = response.context["department_clocks"].clocks[0]
    dispatch.refresh_from_db()
    assert (report.running, report.late, report.badge.due_at) == (
        True,
        True,
        dispatch.report_due_at,
    )
    assert 'data-testid="clock-late">missed once</span>' in response.content.decode()


def test_staff_keep_the_three_clocks_of_the_case(people: Personas, tree: Tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    response = english_client_for(people.worker).get(f"/petitions/{petition.pk}/")
    html = response.content.decode()
    assert response.context["department_clocks"] is None
    assert 'data-testid="department-clocks"' not in html
    assert clock_texts(html, "clocks") == [
        "Accept (受理)",
        "Department report (报到)",
        "Resolve (办结)",
    ]
