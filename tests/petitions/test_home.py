"""Home = my work (DESIGN §8): each role's counts of what waits, and each count's link leads to
a list with exactly that many rows."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client
from django.urls import reverse

from grids.models import Visit
from petitions import services
from petitions.models import Dispatch
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree, client_for
from tests.grids.conftest import GridWorld
from tests.petitions.conftest import NOW, at, log_petition, log_petition_as

FRIDAY = at("2026-11-20", "09:00")


def work_of(client: Client) -> dict[str, tuple[int, str]]:
    """The work counts of the home page: key -> (count, link)."""
    items = client.get(reverse("home")).context["work"].items
    return {item.key: (item.count, item.href) for item in items}


def rows_behind(client: Client, href: str, marker: str) -> int:
    html = client.get(href).content.decode()
    return len(re.findall(marker, html))


def test_the_community_workers_home_is_their_work(people: Personas, tree: Tree) -> None:
    waiting = log_petition(people, tree)  # misses its acceptance deadline on Friday
    log_petition(people, tree, title="路灯不亮", now=at("2026-11-20", "08:00"))
    replied = log_petition(people, tree, title="噪音扰民")
    services.petition_accept(actor=people.worker, petition=replied, now=NOW)
    services.petition_start(actor=people.worker, petition=replied, now=NOW)
    services.petition_reply(actor=people.worker, petition=replied, reply="已劝导", now=NOW)
    whistled = log_petition(people, tree, title="井盖缺失")
    services.petition_accept(actor=people.worker, petition=whistled, now=NOW)
    services.petition_dispatch(actor=people.worker, petition=whistled, lead=tree.chengguan, now=NOW)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        client = client_for(people.worker)
        work = work_of(client)
        assert work["to_accept"][0] == 2
        assert work["to_evaluate"][0] == 1
        assert work["awaiting_department"][0] == 1
        assert work["overdue"][0] == 0
        for key in ("to_accept", "to_evaluate", "awaiting_department"):
            count, href = work[key]
            assert rows_behind(client, href, r'<tr data-petition="') == count, key
    escalate_overdue(now=FRIDAY)
    with time_machine.travel(FRIDAY + dt.timedelta(hours=1), tick=False):
        client = client_for(people.worker)
        work = work_of(client)
        # The late acceptance and the late whistle went up to the street: they no longer wait
        # at the community, and wait, overdue, at the street.
        assert work["to_accept"][0] == 1
        assert waiting.pk not in [
            petition.pk for petition in client.get(work["to_accept"][1]).context["page"]
        ]
        assert (work["overdue"][0], work["awaiting_department"][0]) == (0, 0)
        street = client_for(people.official)
        official = work_of(street)
        assert (official["to_accept"][0], official["awaiting_department"][0]) == (1, 1)
        assert official["overdue"][0] == 2
        assert rows_behind(street, official["overdue"][1], r'<tr data-petition="') == 2


def test_the_grid_workers_home_shows_households_due_a_visit(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    # 王秀英 (独居老人) at 101 was last visited 40 days ago; nobody has been to 102.
    Visit.objects.filter(pk=world.visit_101.pk).update(
        visited_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    )
    reported = log_petition_as(people.grid, tree, title="路面塌陷")
    client = client_for(people.grid)
    response = client.get(reverse("home"))
    work = {item.key: (item.count, item.href) for item in response.context["work"].items}
    assert work["care_due"][0] == 1
    assert work["unvisited_30"][0] == 2
    assert work["unvisited_90"][0] == 1
    for key in ("care_due", "unvisited_30", "unvisited_90"):
        count, href = work[key]
        listed = client.get(href).context["page"]
        assert len(listed.object_list) == count, key
    care = client.get(work["care_due"][1]).context["page"].object_list
    assert [row.pk for row in care] == [world.home_101.pk]
    assert [petition.pk for petition in response.context["work"].reports] == [reported.pk]
    assert 'data-testid="my-reports"' in response.content.decode()


def test_the_handlers_home_shows_the_departments_whistles(people: Personas, tree: Tree) -> None:
    first = log_petition(people, tree)
    second = log_petition(people, tree, title="路灯不亮")
    for petition in (first, second):
        services.petition_accept(actor=people.worker, petition=petition, now=NOW)
        services.petition_dispatch(
            actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW
        )
    services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=first), now=NOW
    )
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        response = client_for(people.handler).get(reverse("home"))
    work = {item.key: item.count for item in response.context["work"].items}
    assert (work["to_report"], work["to_complete"], work["returned"], work["overdue"]) == (
        1,
        1,
        0,
        0,
    )
    month = response.context["work"].department
    assert (month.name, month.dispatches, month.on_time_report_rate) == ("城管局", 2, 0.5)
    assert 'data-testid="department-month"' in response.content.decode()


def test_the_officials_home_has_the_board_and_the_streets_cases(
    people: Personas, tree: Tree
) -> None:
    log_petition(people, tree)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        response = client_for(people.official).get(reverse("home"))
    html = response.content.decode()
    assert 'data-testid="my-work"' in html
    assert 'data-testid="unit-board"' in html
    assert response.context["board"].unit == tree.east
    assert response.context["board"].petitions.total.received == 1


def test_the_handlers_overdue_count_leads_to_the_overdue_whistles(
    people: Personas, tree: Tree
) -> None:
    late, fine = log_petition(people, tree), log_petition(people, tree, title="路灯不亮")
    for petition in (late, fine):
        services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_dispatch(actor=people.worker, petition=late, lead=tree.chengguan, now=NOW)
    two_days = NOW + dt.timedelta(days=2)
    services.petition_dispatch(
        actor=people.worker, petition=fine, lead=tree.chengguan, now=two_days
    )
    with time_machine.travel(two_days + dt.timedelta(hours=1), tick=False):
        client = client_for(people.handler)
        work = work_of(client)
        count, href = work["overdue"]
        html = client.get(href).content.decode()
    assert count == 1
    listed = re.findall(r'data-dispatch="(\d+)"', html)
    assert listed == [str(Dispatch.objects.get(petition=late).pk)]
