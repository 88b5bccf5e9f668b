"""Overdue stays on the record (DESIGN §5): a case that missed a stage deadline is overdue until
it closes, whatever escalations followed; its light is red with 超期 N 天 against the first
missed due time, the new unit's own clock beside it; the late flags feed the on-time rates."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.urls import reverse

from petitions import services
from petitions.models import Dispatch, Petition, Satisfaction, Status
from petitions.selectors import (
    Light,
    petition_clock_light,
    petition_figures,
    petition_light,
    petition_list_visible,
    petition_overdue_since,
)
from petitions.sweep import escalate_overdue
from petitions.views.shared import overdue_label, petition_badge
from tests.conftest import Personas, Tree
from tests.helpers import api_for
from tests.petitions.conftest import NOW, at, log_petition

HOUR = dt.timedelta(hours=1)
# Friday 09:00: the acceptance deadline of a case logged on Wednesday 10:00 has passed.
FRIDAY = at("2026-11-20", "09:00")


def missed_acceptance(people: Personas, tree: Tree) -> Petition:
    """A case whose acceptance deadline passed: the sweep escalated it to 东城街道."""
    petition = log_petition(people, tree)
    due = petition.accept_due_at
    assert due is not None
    assert due < FRIDAY
    assert escalate_overdue(now=FRIDAY).escalated["accept"] == 1
    petition.refresh_from_db()
    return petition


def test_an_escalated_case_stays_overdue_against_its_first_due_time(people, tree) -> None:
    logged = log_petition(people, tree)
    first_due = logged.accept_due_at
    assert escalate_overdue(now=FRIDAY).escalated["accept"] == 1
    petition = Petition.objects.get(pk=logged.pk)
    assert (petition.handling_unit, petition.escalation_level) == (tree.east, 1)
    # The street got a fresh acceptance clock, but the miss is on the record.
    assert petition.accept_due_at is not None
    assert petition.accept_due_at > FRIDAY
    assert (petition.overdue_since, petition.late_accept, petition.late_resolve) == (
        first_due,
        True,
        False,
    )
    assert petition_overdue_since(petition, now=FRIDAY) == first_due
    assert petition_light(petition, now=FRIDAY) == Light.RED
    assert petition_clock_light(petition, now=FRIDAY) == Light.GREEN
    listed = petition_list_visible(user=people.official, overdue=True, now=FRIDAY)
    assert list(listed.values_list("pk", flat=True)) == [petition.pk]
    assert not petition_list_visible(user=people.official, overdue=False, now=FRIDAY).filter(
        pk=petition.pk
    )


def test_the_badge_says_how_late_and_shows_the_new_units_clock(people, tree) -> None:
    petition = missed_acceptance(people, tree)
    later = FRIDAY + dt.timedelta(days=2)
    badge = petition_badge(
        petition_list_visible(user=people.official, now=later).get(pk=petition.pk), now=later
    )
    assert badge.light == Light.RED
    assert badge.overdue_since == petition.overdue_since
    assert petition.overdue_since is not None
    late = later - petition.overdue_since
    assert late.days >= 2
    assert badge.label == f"超期 {late.days} 天"
    assert badge.shows_current_clock
    assert badge.due_at == petition.accept_due_at
    assert badge.clock_light == petition_clock_light(petition, now=later)


def test_overdue_label_in_days_and_hours() -> None:
    assert overdue_label(dt.timedelta(days=3, hours=5)) == "超期 3 天"
    assert overdue_label(dt.timedelta(hours=5, minutes=59)) == "超期 5 小时"
    assert overdue_label(dt.timedelta(minutes=10)) == "超期 1 小时"


def test_a_department_that_misses_its_report_makes_the_case_overdue(people, tree) -> None:
    petition = log_petition(people, tree)
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW)
    report_due = Dispatch.objects.get(petition=petition).report_due_at
    assert escalate_overdue(now=FRIDAY).escalated["report"] == 1
    dispatch = Dispatch.objects.get(petition=petition)
    assert (dispatch.late_report, dispatch.late_complete) == (True, False)
    assert dispatch.report_due_at is not None
    assert dispatch.report_due_at > FRIDAY
    petition.refresh_from_db()
    assert petition.late_resolve
    assert not petition.late_accept
    assert petition.overdue_since == report_due
    # Reporting late does not make it on time again.
    services.dispatch_report(actor=people.handler, dispatch=dispatch, now=FRIDAY + HOUR)
    petition.refresh_from_db()
    assert petition_light(petition, now=FRIDAY + 2 * HOUR) == Light.RED


def test_closing_ends_overdue_and_the_case_counts_late(people, tree) -> None:
    petition = missed_acceptance(people, tree)
    official = people.official
    services.petition_accept(actor=official, petition=petition, now=FRIDAY + HOUR)
    services.petition_start(actor=official, petition=petition, now=FRIDAY + HOUR)
    services.petition_reply(actor=official, petition=petition, reply="已清理", now=FRIDAY + HOUR)
    petition.refresh_from_db()
    # Replied but not yet closed: still overdue.
    assert petition_light(petition, now=FRIDAY + 2 * HOUR) == Light.RED
    services.petition_evaluate(
        actor=official,
        petition=petition,
        satisfaction=Satisfaction.SATISFIED,
        now=FRIDAY + 2 * HOUR,
    )
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    assert petition_overdue_since(petition, now=FRIDAY + 3 * HOUR) is None
    assert not petition_list_visible(user=official, overdue=True, now=FRIDAY + 3 * HOUR)
    figures = petition_figures(user=official, now=FRIDAY + 3 * HOUR)
    assert (figures.accepted, figures.accepted_on_time) == (1, 0)
    assert (figures.closed, figures.closed_on_time, figures.overdue) == (1, 0, 0)

    # 重新办理: a new round with its own clock; the late flags stay.
    services.petition_reopen(
        actor=official, petition=petition, reason="居民反映又堆了", now=FRIDAY + 4 * HOUR
    )
    petition.refresh_from_db()
    assert petition.overdue_since is None
    assert petition.late_accept
    assert petition_light(petition, now=FRIDAY + 5 * HOUR) == Light.GREEN


def test_overdue_means_the_same_on_the_page_and_the_api(people, tree, client) -> None:
    overdue = missed_acceptance(people, tree)
    on_time = log_petition(people, tree, now=FRIDAY, title="路灯不亮")
    with time_machine.travel(FRIDAY + HOUR, tick=False):
        api = api_for(people.official)
        late_ids = [row["id"] for row in api.get("/api/petitions/?overdue=true").json()["results"]]
        fine_ids = [row["id"] for row in api.get("/api/petitions/?overdue=false").json()["results"]]
        row = api.get(f"/api/petitions/{overdue.pk}/").json()
        client.force_login(people.official)
        page = client.get(reverse("petitions:list"), {"overdue": "yes"}).content.decode()
        # One format: the API's 1 / true on the page, the page's yes on the API.
        page_one = client.get(reverse("petitions:list"), {"overdue": "1"}).content.decode()
        api_yes = [row["id"] for row in api.get("/api/petitions/?overdue=yes").json()["results"]]
    assert late_ids == [overdue.pk]
    assert api_yes == late_ids
    assert re.findall(r'data-petition="(\d+)"', page_one) == re.findall(
        r'data-petition="(\d+)"', page
    )
    assert on_time.pk in fine_ids
    assert overdue.pk not in fine_ids
    assert row["is_overdue"] is True
    assert row["light"] == "red"
    assert row["clock_light"] == "green"
    assert dt.datetime.fromisoformat(row["overdue_since"]) == overdue.overdue_since
    assert row["late_accept"] is True
    assert f'data-petition="{overdue.pk}"' in page
    assert f'data-petition="{on_time.pk}"' not in page
    assert "超期" in page
    assert 'data-testid="current-clock"' in page
