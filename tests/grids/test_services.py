"""Grid services: the household-to-grid rule, staff terms and share, residents, visits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from governance.errors import NotAllowed, OutOfScope, ValidationFailed
from governance.models import AuditEvent
from grids import selectors, services
from grids.models import Grid, GridStaff, Household, Resident, Visit
from orgchart import policy
from tests.factories import PersonFactory
from tests.grids.conftest import GridWorld


def test_a_household_belongs_to_a_basic_grid(world: GridWorld, tree, people) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        services.household_create(actor=None, grid=world.mall, address="商场1层")
    assert error.value.fields == {"grid": ["A household belongs to a basic grid."]}
    assert not Household.objects.filter(address="商场1层").exists()


def test_address_is_composed_and_unique_in_the_community(world: GridWorld, tree) -> None:
    assert world.home_101.address == "1号楼1单元101室"
    assert world.home_101.community_id == tree.guangming.pk
    with pytest.raises(ValidationFailed) as error:
        services.household_create(
            actor=None, grid=world.grid_b, building=tree.building_1, entrance="1单元", room="101室"
        )
    assert list(error.value.fields) == ["address"]
    assert Household.objects.filter(address="1号楼1单元101室").count() == 1


def test_a_household_moves_only_within_its_community(world: GridWorld, people) -> None:
    with pytest.raises(ValidationFailed):
        services.household_move(actor=None, household=world.home_101, grid=world.xinhua_grid)
    moved = services.household_move(
        actor=people.worker, household=world.home_101, grid=world.grid_b
    )
    assert moved.grid_id == world.grid_b.pk
    # A grid worker may keep households but not regrid them.
    with pytest.raises((NotAllowed, OutOfScope)):
        services.household_move(actor=people.grid, household=world.home_102, grid=world.grid_b)


def test_staff_share_counts_party_members_among_current_staff(
    world: GridWorld, people, tree
) -> None:
    share = selectors.grid_staff_share(user=people.worker, within=tree.guangming)
    assert (share.staff, share.party_members) == (2, 1)
    assert share.share == 0.5
    assert not share.meets_target
    one = selectors.grid_staff_share(user=people.worker, grid=world.grid_a)
    assert (one.staff, one.party_members, one.meets_target) == (1, 1, True)
    services.grid_staff_end(actor=people.worker, staff=world.staff_b, ended_on=dt.date(2025, 1, 1))
    share = selectors.grid_staff_share(user=people.worker, within=tree.guangming)
    assert (share.staff, share.party_members, share.meets_target) == (1, 1, True)


def test_one_current_head_per_grid(world: GridWorld, tree) -> None:
    other = PersonFactory.create(
        unit=tree.guangming, name="候补网格长", first17="11010119820303001"
    )
    with pytest.raises(ValidationFailed) as error:
        services.grid_staff_appoint(
            actor=None, grid=world.grid_a, person=other, role=GridStaff.Role.HEAD
        )
    assert list(error.value.fields) == ["role"]


def test_grid_worker_sees_only_the_grids_they_staff(world: GridWorld, people) -> None:
    assert set(policy.policy(people.grid, Grid)) == {world.grid_a}
    assert set(policy.policy(people.grid, Household)) == {world.home_101, world.home_102}
    assert set(policy.policy(people.worker, Household)) == {
        world.home_101,
        world.home_102,
        world.home_201,
    }
    assert set(policy.policy(people.handler, Household)) == set()
    assert set(policy.policy(people.volunteer, Resident)) == set()
    services.grid_staff_end(actor=None, staff=world.staff_a)
    people.grid.refresh_from_db()
    assert set(policy.policy(people.grid, Household)) == set()


def test_grid_worker_reveals_only_their_grids_residents(world: GridWorld, people) -> None:
    assert policy.can(people.grid, "person.reveal", world.wang.person)
    assert not policy.can(people.grid, "person.reveal", world.zhao.person)


def test_restricted_tags_are_sealed_and_revealed_with_an_audit_row(
    world: GridWorld, people
) -> None:
    assert "key_petitioner" not in world.wang.restricted_tags_encrypted
    with translation.override("en"):
        labels = services.resident_reveal_restricted(actor=people.grid, resident=world.wang)
    assert labels == ["key petitioner"]
    event = AuditEvent.objects.filter(action="reveal", object_id=str(world.wang.pk)).get()
    assert event.actor == people.grid
    assert event.changes == {"field": "restricted_tags"}
    with pytest.raises(OutOfScope):
        services.resident_reveal_restricted(actor=people.grid, resident=world.zhao)


def test_care_tag_list_with_visit_filter(world: GridWorld, people, tree) -> None:
    visited = selectors.resident_list_visible(
        user=people.worker, care_tag="lives_alone_elderly", visited=True, visited_within_days=30
    )
    assert list(visited) == [world.wang]
    not_visited = selectors.resident_list_visible(
        user=people.worker, care_tag="lives_alone_elderly", visited=False
    )
    assert list(not_visited) == []
    assert list(selectors.resident_list_visible(user=people.worker, min_age=75)) == [world.wang]


def test_visit_cannot_be_in_the_future_and_hazard_needs_notes(world: GridWorld, people) -> None:
    now = timezone.now()
    with pytest.raises(ValidationFailed) as error:
        services.visit_record(
            actor=people.grid,
            household=world.home_102,
            purpose=Visit.Purpose.HAZARD_CHECK,
            hazard_found=True,
            visited_at=now + dt.timedelta(hours=2),
            now=now,
        )
    assert set(error.value.fields) == {"visited_at", "notes"}
    with pytest.raises(OutOfScope):
        services.visit_record(actor=people.grid, household=world.home_201, purpose="care_visit")
    assert Visit.objects.count() == 1
