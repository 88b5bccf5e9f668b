"""Volunteers on the named tree: the ``volunteer`` persona is a registered volunteer of 光明社区
(志愿者甲), lead of 光明先锋队; 志愿者乙 (no account) is a member; rules and a reward exist.

The clock: Wednesday 2026-11-18 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest

from orgchart import services as org
from orgchart.models import Person
from tests.conftest import Personas, Tree
from tests.grids.conftest import resident_id
from volunteers import services
from volunteers.models import Reward, Team, Volunteer

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def register(unit, name: str, first17: str) -> Person:
    return org.person_register(
        actor=None, unit=unit, name=name, document_number=resident_id(first17)
    ).person


@dataclass
class VolunteerWorld:
    me: Volunteer
    other: Volunteer
    team: Team
    reward: Reward


@pytest.fixture
def vworld(tree: Tree, people: Personas) -> VolunteerWorld:
    services.point_rules_ensure_defaults()
    g = tree.guangming
    me = services.volunteer_register(
        actor=None,
        person=register(g, "志愿者甲", "11010119850101001"),
        community=g,
        skills=["repairs", "elderly_care"],
        account=people.volunteer,
        registered_on=NOW.date(),
    )
    other = services.volunteer_register(
        actor=None,
        person=register(g, "志愿者乙", "11010119860202002"),
        community=g,
        registered_on=NOW.date(),
    )
    team = services.team_create(
        actor=None, unit=g, name="光明先锋队", kind=Team.Kind.VANGUARD, lead=me, members=[other]
    )
    reward = services.reward_create(actor=None, unit=g, name="洗衣液", points=50, stock=3)
    return VolunteerWorld(me, other, team, reward)
