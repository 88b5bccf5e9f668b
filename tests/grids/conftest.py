"""Grids of the named tree, shared by the grids tests.

光明社区: 光明一网格 (basic, compound 光明小区, head: the ``grid`` persona's person 网格员甲,
          a party member), 光明二网格 (basic, staffed by 网格员乙 with no account),
          光明商圈网格 (dedicated, mall)
新华社区: 新华一网格 (basic)
Households: 1号楼1单元101室 and 1号楼1单元102室 in 光明一网格, 2号楼1单元201室 in 光明二网格,
            新华路1号 in 新华一网格. Residents: 王秀英 (elderly living alone, 101, visited),
            李建国 (head, 102), 赵敏 (201), 孙强 (新华路1号).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from grids import services
from grids.models import Grid, GridStaff, Household, Resident, Visit
from orgchart import services as org
from tests.conftest import Personas, Tree
from tests.factories import PersonFactory


@dataclass
class GridWorld:
    grid_a: Grid
    grid_b: Grid
    mall: Grid
    xinhua_grid: Grid
    staff_a: GridStaff
    staff_b: GridStaff
    home_101: Household
    home_102: Household
    home_201: Household
    xinhua_home: Household
    wang: Resident
    li: Resident
    zhao: Resident
    sun: Resident
    visit_101: Visit


@pytest.fixture
def world(tree: Tree, people: Personas) -> GridWorld:
    g, x = tree.guangming, tree.xinhua
    grid_a = services.grid_create(
        actor=None, community=g, name="光明一网格", code="G01", compound=tree.guangming_compound
    )
    grid_b = services.grid_create(actor=None, community=g, name="光明二网格", code="G02")
    mall = services.grid_create(
        actor=None, community=g, name="光明商圈网格", kind=Grid.Kind.DEDICATED, site="mall"
    )
    xinhua_grid = services.grid_create(actor=None, community=x, name="新华一网格")
    worker_a = PersonFactory.create(
        unit=g, name="网格员甲", first17="11010119800101001", mobile="13800000001"
    )
    org.party_member_create(
        actor=None, person=worker_a, organisation=g, membership="full", status="in_service"
    )
    worker_b = PersonFactory.create(unit=g, name="网格员乙", first17="11010119800202001")
    staff_a = services.grid_staff_appoint(
        actor=None,
        grid=grid_a,
        person=worker_a,
        role=GridStaff.Role.HEAD,
        account=people.grid,
        started_on=dt.date(2024, 1, 1),
    )
    staff_b = services.grid_staff_appoint(
        actor=None, grid=grid_b, person=worker_b, started_on=dt.date(2024, 1, 1)
    )
    b1 = tree.building_1
    home_101 = services.household_create(
        actor=None, grid=grid_a, building=b1, entrance="1", room="101"
    )
    home_102 = services.household_create(
        actor=None, grid=grid_a, building=b1, entrance="1", room="102", tenure="rented"
    )
    home_201 = services.household_create(
        actor=None, grid=grid_b, building=tree.building_2, entrance="1", room="201"
    )
    xinhua_home = services.household_create(actor=None, grid=xinhua_grid, address="新华路1号")
    wang = services.resident_add(
        actor=None,
        household=home_101,
        person=PersonFactory.create(
            unit=g, name="王秀英", first17="11010119450307002", mobile="13912345678"
        ),
        relation=Resident.Relation.HEAD,
        care_tags=["lives_alone_elderly"],
        restricted_tags=["key_petitioner"],
    )
    li = services.resident_add(
        actor=None,
        household=home_102,
        person=PersonFactory.create(unit=g, name="李建国", first17="11010119750505001"),
        relation=Resident.Relation.HEAD,
    )
    zhao = services.resident_add(
        actor=None,
        household=home_201,
        person=PersonFactory.create(unit=g, name="赵敏", first17="11010119900808002"),
        relation=Resident.Relation.HEAD,
        registered_here=False,
    )
    sun = services.resident_add(
        actor=None,
        household=xinhua_home,
        person=PersonFactory.create(unit=x, name="孙强", first17="11010119851010001"),
        relation=Resident.Relation.HEAD,
    )
    visit_101 = services.visit_record(
        actor=people.grid,
        household=home_101,
        purpose=Visit.Purpose.CARE_VISIT,
        notes="身体健康",
        visited_at=timezone.now() - dt.timedelta(days=3),
    )
    return GridWorld(
        grid_a,
        grid_b,
        mall,
        xinhua_grid,
        staff_a,
        staff_b,
        home_101,
        home_102,
        home_201,
        xinhua_home,
        wang,
        li,
        zhao,
        sun,
        visit_101,
    )
