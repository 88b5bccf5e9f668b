"""Petitions on the named tree: a fixed clock, a whistle-ready petition, handler accounts.

The clock: Wednesday 2026-11-18 10:00 Asia/Shanghai (a plain working week). Helpers take
``now=`` so no test depends on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from orgchart.models import User
from petitions import services
from petitions.models import Category, Channel, Petition
from tests.conftest import Personas, Tree, make_user

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
    values: dict[str, object] = {
        "location": tree.building_1,
        "channel": Channel.WALK_IN,
        "category": Category.SANITATION,
        "title": "楼道堆放杂物",
        "description": "1号楼1单元楼道堆放杂物，影响通行。",
    }
    values.update(fields)
    return services.petition_create(actor=people.worker, now=now, **values)  # type: ignore[arg-type]


@pytest.fixture
def petition(people: Personas, tree: Tree) -> Petition:
    return log_petition(people, tree)
