"""Petitions on the named tree: a fixed clock, a whistle-ready petition, handler accounts.

The clock: Wednesday 2026-11-18 10:00 Asia/Shanghai (a plain working week). Helpers take
``now=`` so no test depends on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from orgchart.models import Person, User
from petitions import services
from petitions.models import (
    Dispatch,
    Petition,
    PetitionEvent,
    Satisfaction,
    Status,
)
from tests.conftest import Personas, Tree, make_user
from tests.factories import PersonFactory, PetitionFactory
from tests.grids.conftest import world  # noqa: F401 - the grids fixture, for petitions

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def at(day: str, time: str = "10:00") -> dt.datetime:
    """An aware Shanghai time: at("2026-11-20", "17:30")."""
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def police_handler(tree: Tree) -> User:
    return make_user("police_handler", User.Role.DEPARTMENT_HANDLER, department=tree.police)


@pytest.fixture
def street_official(people: Personas) -> User:
    """The ``official`` persona, anchored at 东城街道 (the parent of 光明社区)."""
    return people.official


def log_petition(
    people: Personas, tree: Tree, *, now: dt.datetime = NOW, **fields: object
) -> Petition:
    """``log_petition_as`` by the community worker of 光明社区."""
    return log_petition_as(people.worker, tree, now=now, **fields)


@pytest.fixture
def petition(people: Personas, tree: Tree) -> Petition:
    return log_petition(people, tree)


@pytest.fixture
def default_policies(db: None) -> None:
    """The default deadline policies, for tests on a committed database
    (``transaction=True``): the flush after each such test removes the rows the data
    migration created."""
    services.deadline_policies_ensure_defaults()


# --- Helpers for the service, sweep and policy tests -----------------------------------------


def log_petition_as(
    actor: User | None, tree: Tree, *, now: dt.datetime = NOW, **fields: object
) -> Petition:
    """A walk-in sanitation petition at 1号楼, 楼道堆放杂物 (the title many tests assert on),
    logged by ``actor`` (a grid worker, a worker of another unit...) at ``now``."""
    values: dict[str, object] = {
        "location": tree.building_1,
        "title": "楼道堆放杂物",
        "description": "1号楼1单元楼道堆放杂物，影响通行。",
    }
    values.update(fields)
    return PetitionFactory.create(actor=actor, now=now, **values)


def register_wang(tree: Tree, **fields: object) -> Person:
    """王秀英 of 光明社区 (mobile 13912345678, no document unless given), registered by the
    system: a petitioner. Each call without a document registers another person."""
    values: dict[str, object] = {"name": "王秀英", "mobile": "13912345678", "document_number": ""}
    values.update(fields)
    return PersonFactory.create(unit=tree.guangming, **values)


def snapshot(petition: Petition) -> dict[str, Any]:
    """Everything a forbidden action must leave as it was: the petition's row, its events and
    its dispatches."""
    return {
        "petition": Petition.objects.filter(pk=petition.pk).values().get(),
        "events": list(
            PetitionEvent.objects.filter(petition_id=petition.pk).values_list("pk", flat=True)
        ),
        "dispatches": list(
            Dispatch.objects.filter(petition_id=petition.pk).values().order_by("pk")
        ),
    }


def events_of(petition: Petition, *, after: int = 0) -> list[dict[str, Any]]:
    """The petition's event rows (after the first ``after``) as comparable dicts."""
    rows = PetitionEvent.objects.filter(petition_id=petition.pk).order_by("at", "id")
    return [
        {
            "action": row.action,
            "from": row.from_status,
            "to": row.to_status,
            "actor": row.actor_id,
            "unit": row.unit_id,
            "dispatch": row.dispatch_id,
            "at": row.at,
            "note": row.note,
            "data": row.data,
        }
        for row in rows
    ][after:]


def bring_to(
    status: str,
    people: Personas,
    tree: Tree,
    *,
    now: dt.datetime = NOW,
    logged_by: User | None = None,
    **fields: object,
) -> Petition:
    """A fresh petition in ``status``, reached by the ordinary path at ``now``: logged by
    ``logged_by`` (default the worker), then the worker acts; ``dispatched`` whistles 城管局
    as the lead. The last event is the action that reached ``status``."""
    worker = people.worker
    petition = log_petition_as(logged_by or worker, tree, now=now, **fields)
    if status == Status.SUBMITTED:
        return petition
    if status == Status.REJECTED:
        return services.petition_reject(
            actor=worker, petition=petition, reason="不属于受理范围", now=now
        )
    petition = services.petition_accept(actor=worker, petition=petition, now=now)
    if status == Status.ACCEPTED:
        return petition
    if status == Status.DISPATCHED:
        return services.petition_dispatch(
            actor=worker, petition=petition, lead=tree.chengguan, now=now
        )
    petition = services.petition_start(actor=worker, petition=petition, now=now)
    if status == Status.IN_PROGRESS:
        return petition
    petition = services.petition_reply(actor=worker, petition=petition, reply="已处理", now=now)
    if status == Status.REPLIED:
        return petition
    assert status == Status.CLOSED
    return services.petition_evaluate(
        actor=worker, petition=petition, satisfaction=Satisfaction.SATISFIED, now=now
    )


@pytest.fixture
def district_official(tree: Tree) -> User:
    """An official of 云阳区, the parent of 东城街道."""
    return make_user("district_official", User.Role.OFFICIAL, unit=tree.district)


@pytest.fixture
def heping_worker(tree: Tree) -> User:
    """A community worker of 和平社区 (a sibling of 光明社区 under 东城街道)."""
    return make_user("heping_worker", User.Role.COMMUNITY_WORKER, unit=tree.heping)
