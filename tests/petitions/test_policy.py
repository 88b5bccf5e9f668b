"""Who sees which petitions, dispatches and events (DESIGN §6), through ``orgchart.policy`` and
the petitions selectors, and which actions each role is offered."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from governance.errors import OutOfScope
from grids import services as grid_services
from orgchart import policy
from orgchart.models import User
from petitions import services
from petitions.models import PETITION_ACTIONS, Dispatch, Petition, PetitionEvent
from petitions.selectors import (
    dispatch_get,
    dispatch_list_visible,
    petition_dispatches,
    petition_get,
    petition_list_visible,
    petition_timeline,
    supervision_list,
)
from tests.conftest import Personas, Tree
from tests.grids.conftest import GridWorld
from tests.petitions.conftest import NOW, at, log_petition, log_petition_as

pytestmark = pytest.mark.usefixtures("english")


@dataclass
class Cases:
    """A: 光明社区, whistled to 城管局      B: 光明社区, in 光明一网格 (the grid worker's)
    C: logged by the grid worker          D: 光明社区, in 光明二网格, whistled to 东城派出所
    E: 和平社区 (same street)             F: 新华社区 (another street), whistled to 城管局"""

    a: Petition
    b: Petition
    c: Petition
    d: Petition
    e: Petition
    f: Petition

    def names(self, petitions) -> list[str]:
        by_pk = {value.pk: name for name, value in vars(self).items()}
        return sorted(by_pk[item.pk] for item in petitions)


@pytest.fixture
def cases(
    people: Personas, tree: Tree, world: GridWorld, heping_worker: User, police_handler: User
) -> Cases:
    worker = people.worker

    def whistle(petition: Petition, department, actor: User = worker) -> None:
        services.petition_accept(actor=actor, petition=petition, now=NOW)
        services.petition_dispatch(actor=actor, petition=petition, lead=department, now=NOW)

    a = log_petition(people, tree)
    whistle(a, tree.chengguan)
    b = log_petition(people, tree, grid=world.grid_a)
    c = log_petition_as(people.grid, tree)
    d = log_petition(people, tree, grid=world.grid_b, location=tree.building_2)
    whistle(d, tree.police)
    e = log_petition_as(heping_worker, tree, location=tree.heping)
    f = log_petition_as(people.other_worker, tree, location=tree.xinhua)
    whistle(f, tree.chengguan, people.other_worker)
    return Cases(a, b, c, d, e, f)


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("superuser", "abcdef"),
        ("street_admin", "abcde"),
        ("official", "abcde"),  # the street's subtree
        ("district_official", "abcdef"),
        ("worker", "abcd"),  # the community's subtree
        ("heping_worker", "e"),
        ("other_worker", "f"),
        ("grid", "bc"),  # logged by them, or in a grid they staff
        ("handler", "af"),  # whistled to 城管局, wherever they arose
        ("police_handler", "d"),
        ("volunteer", ""),
    ],
)
def test_who_sees_which_petitions(
    persona, visible, cases, people, district_official, heping_worker, police_handler
) -> None:
    user = {
        "district_official": district_official,
        "heping_worker": heping_worker,
        "police_handler": police_handler,
    }.get(persona) or getattr(people, persona)
    assert cases.names(policy.policy(user, Petition)) == list(visible)
    assert cases.names(petition_list_visible(user=user)) == list(visible)
    for name, petition in vars(cases).items():
        if name in visible:
            assert petition_get(user=user, pk=petition.pk).pk == petition.pk
        else:
            with pytest.raises(OutOfScope):
                petition_get(user=user, pk=petition.pk)


def dispatch_names(cases: Cases, dispatches) -> list[str]:
    return cases.names(item.petition for item in dispatches)


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("worker", "ad"),
        ("official", "ad"),
        ("other_worker", "f"),
        ("grid", ""),
        ("handler", "af"),  # only 城管局's dispatches
        ("police_handler", "d"),
        ("volunteer", ""),
    ],
)
def test_who_sees_which_dispatches(persona, visible, cases, people, police_handler) -> None:
    user = police_handler if persona == "police_handler" else getattr(people, persona)
    assert dispatch_names(cases, policy.policy(user, Dispatch)) == list(visible)
    assert dispatch_names(cases, dispatch_list_visible(user=user)) == list(visible)
    for dispatch in Dispatch.objects.all():
        if dispatch.petition_id in {getattr(cases, name).pk for name in visible}:
            assert dispatch_get(user=user, pk=dispatch.pk) == dispatch
        else:
            with pytest.raises(OutOfScope):
                dispatch_get(user=user, pk=dispatch.pk)


def test_a_handler_sees_only_the_departments_part_of_a_shared_petition(
    cases, people, tree, police_handler
) -> None:
    services.petition_dispatch(
        actor=people.worker, petition=cases.a, lead=None, assists=[tree.police], now=NOW
    )
    assert cases.names(policy.policy(police_handler, Petition)) == ["a", "d"]
    assert [item.department for item in dispatch_list_visible(user=police_handler)] == [
        tree.police,
        tree.police,
    ]
    # The petition's page shows the handler only their own department's dispatch.
    assert [
        item.department.name for item in petition_dispatches(user=police_handler, petition=cases.a)
    ] == ["东城派出所"]
    assert [
        item.department.name for item in petition_dispatches(user=people.worker, petition=cases.a)
    ] == ["城管局", "东城派出所"]


def test_a_returned_whistle_stays_visible_to_the_department(cases, people) -> None:
    services.dispatch_return(
        actor=people.handler, dispatch=cases.a.dispatches.get(), reason="非本部门", now=NOW
    )
    assert cases.names(policy.policy(people.handler, Petition)) == ["a", "f"]


def test_timelines_follow_the_petitions(cases, people, police_handler) -> None:
    assert [event.action for event in petition_timeline(user=people.handler, petition=cases.a)] == [
        "create",
        "accept",
        "dispatch",
    ]
    assert list(petition_timeline(user=police_handler, petition=cases.a)) == []
    assert list(petition_timeline(user=people.volunteer, petition=cases.a)) == []
    assert set(policy.policy(people.grid, PetitionEvent).values_list("petition", flat=True)) == {
        cases.b.pk,
        cases.c.pk,
    }


def test_the_grid_worker_loses_a_grid_they_no_longer_staff(cases, people, world) -> None:
    grid_services.grid_staff_end(
        actor=people.worker, staff=world.staff_a, ended_on=at("2026-11-17").date()
    )
    assert cases.names(policy.policy(people.grid, Petition)) == ["c"]


def test_actions_offered_to_each_role(cases, people, district_official) -> None:
    def offered(user: User, petition: Petition) -> set[str]:
        names = [f"petition.{action}" for action in PETITION_ACTIONS]
        return {name.split(".")[1] for name in policy.actions_for(user, petition, names)}

    staff = {
        "accept",
        "reject",
        "start",
        "dispatch",
        "reply",
        "evaluate",
        "close",
        "reopen",
        "request_extension",
    }
    assert offered(people.worker, cases.b) == staff
    assert offered(people.official, cases.b) == {"supervise", "decide_extension"}
    assert offered(district_official, cases.b) == {"supervise"}
    assert offered(people.grid, cases.b) == set()
    assert offered(people.handler, cases.a) == set()
    assert offered(people.other_worker, cases.b) == set()  # out of scope


def test_overdue_petitions_come_first(people, tree) -> None:
    old = log_petition(people, tree, now=at("2026-11-16"))  # due Tuesday night
    new = log_petition(people, tree, now=at("2026-11-18"))
    newest = log_petition(people, tree, now=at("2026-11-18", "11:00"))
    listed = list(petition_list_visible(user=people.worker, now=at("2026-11-18", "12:00")))
    assert [item.pk for item in listed] == [old.pk, newest.pk, new.pk]
    assert [item.is_overdue for item in listed] == [True, False, False]  # type: ignore[attr-defined]
    overdue = petition_list_visible(user=people.worker, overdue=True, now=at("2026-11-18", "12:00"))
    assert [item.pk for item in overdue] == [old.pk]
    supervised = supervision_list(user=people.official, now=at("2026-11-18", "12:00"))
    assert [item.pk for item in supervised] == [old.pk]
