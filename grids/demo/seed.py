"""Write the demo grids plan: grids, people, households, residents, staff, accounts, visits.

Grids, party members and staff (a few hundred rows) go through the services. The thousands of
people, households, residents and visits take a bulk path that writes what the services would:
people are validated and sealed by ``orgchart.services.person_clean`` (ID numbers and phones
encrypted, keyed hashes, mask fragments, pinyin), restricted tags are sealed like
``resident_add`` seals them, a resident links the person to the household's community, and
every row created gets its audit row (actor: the system; a visit's: its visitor).

Idempotent: grids are found by name in their community, people by their ID number's keyed
hash, households by address in their community, residents by (household, person), party
members by person, accounts by username, staff by (grid, person) among current terms; a grid
that has visits gets no more.

Visits are planned on the demo's reference clock (``orgchart.demo.REFERENCE_NOW``) and moved to
the moment of seeding by ``demo_shift``, as the petitions that come from them are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from governance import pii
from governance.audit import audit_changes
from governance.models import AuditEvent
from grids import services
from grids.demo.plan import GRIDS_SEED, GridsPlan, grids_plan
from grids.demo.visits import visits_plan
from grids.models import Grid, GridStaff, Household, Resident, ResidentCareTag, Visit
from orgchart import services as org
from orgchart.demo import DEMO_PASSWORD, REFERENCE_NOW, demo_shift
from orgchart.demo.people import UnitPath
from orgchart.models import OrgUnit, PartyMember, Person, PersonRegistration, User

RESIDENT_ID = Person.DocumentType.RESIDENT_ID
BATCH = 1000
T = TypeVar("T")


@dataclass
class GridsSeedResult:
    created_grids: int = 0
    created_people: int = 0
    created_households: int = 0
    created_residents: int = 0
    created_party_members: int = 0
    created_accounts: int = 0
    created_staff: int = 0
    created_visits: int = 0


def _chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Seeder:
    def __init__(self, plan: GridsPlan, *, now: dt.datetime, seed: int) -> None:
        self.plan = plan
        self.now = now
        self.seed = seed
        self.result = GridsSeedResult()
        self.audit: list[AuditEvent] = []
        self.units: dict[UnitPath, OrgUnit] = {}
        self.grids: list[Grid] = []
        self.people: list[int] = []  # person pk by plan index
        self.households: list[int] = []  # household pk by plan index
        self.accounts: dict[str, User] = {}

    def run(self) -> GridsSeedResult:
        self.load_units()
        self.create_grids()
        self.create_people()
        self.create_households()
        self.create_residents()
        self.create_registrations()
        self.write_audit()
        self.create_party_members()
        self.create_accounts()
        self.create_staff()
        self.create_visits()
        self.write_audit()
        return self.result

    def record(
        self,
        *,
        obj: Any,
        changes: dict[str, Any],
        actor: User | None = None,
        at: dt.datetime | None = None,
        object_type: str = "",
        object_id: str = "",
        representation: str | None = None,
    ) -> None:
        """Queue one audit row, as ``governance.audit.audit_record`` writes it."""
        self.audit.append(
            AuditEvent(
                at=at or self.now,
                actor=actor,
                action=AuditEvent.Action.CREATE,
                object_type=object_type or obj._meta.label,
                object_id=object_id or str(obj.pk),
                object_repr=(str(obj) if representation is None else representation)[:200],
                changes=audit_changes(changes),
            )
        )

    def write_audit(self) -> None:
        AuditEvent.objects.bulk_create(self.audit, batch_size=BATCH)
        self.audit = []

    # Units and grids ------------------------------------------------------------------------

    def load_units(self) -> None:
        """Every unit of the demo tree by path (division code, then names below it)."""
        units = list(OrgUnit.objects.order_by("tree_id", "lft"))
        by_id = {unit.pk: unit for unit in units}
        paths: dict[int, UnitPath] = {}
        for unit in units:  # parents come first in tree order
            if unit.division_code:
                paths[unit.pk] = (unit.division_code,)
            elif unit.parent_id in paths:
                paths[unit.pk] = (*paths[unit.parent_id], unit.name)
            else:
                continue
            self.units[paths[unit.pk]] = by_id[unit.pk]

    def create_grids(self) -> None:
        plan = self.plan
        codes = {grid.community for grid in plan.grids}
        communities = [self.units[(code,)] for code in sorted(codes)]
        existing = {
            (grid.community_id, grid.name): grid
            for grid in Grid.objects.filter(community__in=communities)
        }
        for grid in plan.grids:
            community = self.units[(grid.community,)]
            found = existing.get((community.pk, grid.name))
            if found is None:
                found = services.grid_create(
                    actor=None,
                    community=community,
                    name=grid.name,
                    kind=grid.kind,
                    compound=self.units[(grid.community, grid.compound)] if grid.compound else None,
                    code=grid.code,
                    site=grid.site,
                    topic=grid.topic,
                    area_type=grid.area_type,
                    boundary=grid.boundary,
                )
                self.result.created_grids += 1
            self.grids.append(found)

    # People, households, residents ----------------------------------------------------------

    def create_people(self) -> None:
        """Find the planned people by their ID number; seal and create the missing ones."""
        planned = self.plan.people
        hashes = [
            pii.blind_index(person.document_number, purpose=f"document:{RESIDENT_ID}")
            for person in planned
        ]
        known: dict[str, int] = {}
        for chunk in _chunks(hashes):
            known.update(
                Person.objects.filter(
                    document_type=RESIDENT_ID, document_number_hash__in=chunk
                ).values_list("document_number_hash", "pk")
            )
        missing = [index for index, key in enumerate(hashes) if key not in known]
        created: list[tuple[Person, dict[str, Any]]] = []
        for index in missing:
            plan = planned[index]
            data = org.person_clean(
                name=plan.name,
                document_type=RESIDENT_ID,
                document_number=plan.document_number,
                mobile=plan.mobile,
                landline=plan.landline,
                sex="",
                birth_date=None,
                address=plan.address,
            )
            created.append((Person(**data.fields), data.fields))
        Person.objects.bulk_create([person for person, _fields in created], batch_size=BATCH)
        for (person, fields), index in zip(created, missing, strict=True):
            known[hashes[index]] = person.pk
            self.record(obj=person, changes=fields)
        self.result.created_people = len(created)
        self.people = [known[key] for key in hashes]

    def create_households(self) -> None:
        plan = self.plan
        communities = [self.units[(code,)].pk for code in {h.community for h in plan.households}]
        known = {
            (community, address): pk
            for community, address, pk in Household.objects.filter(
                community_id__in=communities
            ).values_list("community_id", "address", "pk")
        }
        created: list[tuple[int, Household]] = []
        for index, planned in enumerate(plan.households):
            grid = self.grids[planned.grid]
            if (grid.community_id, planned.address) in known:
                continue
            building = self.units[planned.home] if planned.building is not None else None
            household = Household(
                grid=grid,
                community_id=grid.community_id,
                building=building,
                entrance=planned.entrance,
                room=planned.room,
                address=planned.address,
                floor_area=planned.floor_area,
                tenure=planned.tenure,
            )
            created.append((index, household))
        Household.objects.bulk_create([household for _i, household in created], batch_size=BATCH)
        for _index, household in created:
            known[(household.community_id, household.address)] = household.pk
            self.record(
                obj=household,
                changes={
                    "grid": household.grid_id,
                    "building": household.building_id,
                    "building_label": "",
                    "entrance": household.entrance,
                    "room": household.room,
                    "address": household.address,
                    "floor_area": household.floor_area,
                    "tenure": household.tenure,
                    "notes": "",
                },
            )
        self.result.created_households = len(created)
        self.households = [
            known[(self.grids[h.grid].community_id, h.address)] for h in plan.households
        ]

    def create_residents(self) -> None:
        plan = self.plan
        current = set(
            Resident.objects.filter(
                household_id__in=self.households, moved_out_on__isnull=True
            ).values_list("household_id", "person_id")
        )
        created: list[tuple[Resident, tuple[str, ...], bool]] = []
        for household_index, household in enumerate(plan.households):
            household_pk = self.households[household_index]
            for planned in household.residents:
                person_pk = self.people[planned.person]
                if (household_pk, person_pk) in current:
                    continue
                restricted_tags = sorted(set(planned.restricted_tags))
                resident = Resident(
                    person_id=person_pk,
                    household_id=household_pk,
                    relation=planned.relation,
                    registered_here=planned.registered_here,
                    lives_here=planned.lives_here,
                    restricted_tags_encrypted=services.seal_restricted_tags(restricted_tags),
                    moved_in_on=planned.moved_in_on,
                )
                created.append((resident, planned.care_tags, bool(restricted_tags)))
        Resident.objects.bulk_create([resident for resident, *_rest in created], batch_size=BATCH)
        ResidentCareTag.objects.bulk_create(
            [
                ResidentCareTag(resident=resident, tag=tag)
                for resident, care_tags, _restricted in created
                for tag in care_tags
            ],
            batch_size=BATCH,
        )
        names = dict(Person.objects.filter(pk__in=self.people).values_list("pk", "name"))
        addresses = {pk: h.address for pk, h in zip(self.households, plan.households, strict=True)}
        for resident, care_tags, restricted in created:
            self.record(
                obj=resident,
                representation=(
                    f"{pii.mask_name(names[resident.person_id])} @ "
                    f"{addresses[resident.household_id]}"
                ),
                changes={
                    "person": resident.person_id,
                    "household": resident.household_id,
                    "relation": resident.relation,
                    "registered_here": resident.registered_here,
                    "lives_here": resident.lives_here,
                    "care_tags": ",".join(care_tags),
                    "restricted_tags_encrypted": restricted,
                    "moved_in_on": resident.moved_in_on,
                },
            )
        self.result.created_residents = len(created)

    def create_registrations(self) -> None:
        """Each resident is known where they live (their building, or villagers' group) and,
        through the residence, to the household's community."""
        wanted: dict[tuple[int, int], None] = {}
        for household in self.plan.households:
            home = self.units[household.home].pk
            community = self.units[(household.community,)].pk
            for resident in household.residents:
                person = self.people[resident.person]
                wanted[(person, home)] = None
                wanted[(person, community)] = None
        units = {unit for _person, unit in wanted}
        known = set(
            PersonRegistration.objects.filter(unit_id__in=units).values_list("person_id", "unit_id")
        )
        missing = [key for key in wanted if key not in known]
        PersonRegistration.objects.bulk_create(
            [PersonRegistration(person_id=person, unit_id=unit) for person, unit in missing],
            batch_size=BATCH,
        )
        for person, unit in missing:
            self.record(
                obj=None,
                object_type="orgchart.PersonRegistration",
                object_id=f"{person}@{unit}",
                representation="",
                changes={"person": person, "unit": unit},
            )

    # Party members, accounts, staff ---------------------------------------------------------

    def create_party_members(self) -> None:
        planned = {self.people[member.person]: member for member in self.plan.members}
        known = set(
            PartyMember.objects.filter(person_id__in=planned).values_list("person_id", flat=True)
        )
        people = Person.objects.in_bulk([pk for pk in planned if pk not in known])
        for pk, person in sorted(people.items()):
            member = planned[pk]
            org.party_member_create(
                actor=None,
                person=person,
                organisation=self.units[member.organisation],
                status=member.status,
                membership=member.membership,
                joined_on=member.joined_on,
                home_community=(
                    self.units[member.home_community] if member.home_community else None
                ),
                employer=member.employer,
                employer_party_org=member.employer_party_org,
                dual_registered_on=member.dual_registered_on,
            )
            self.result.created_party_members += 1

    def create_accounts(self) -> None:
        """Grid worker accounts (with the demo password) for every grid's full-time worker."""
        usernames = [account.username for account in self.plan.accounts]
        known = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        missing = [account for account in self.plan.accounts if account.username not in known]
        if missing:
            password = make_password(DEMO_PASSWORD)
            User.objects.bulk_create(
                [
                    User(
                        username=account.username,
                        first_name=account.full_name,
                        role=User.Role.GRID_WORKER,
                        anchor_unit=self.units[(account.community,)],
                        password=password,
                    )
                    for account in missing
                ]
            )
        self.result.created_accounts = len(missing)
        staff_accounts = {staff.account for staff in self.plan.staff if staff.account}
        self.accounts = {
            user.username: user
            for user in User.objects.filter(username__in=staff_accounts | {"worker"})
        }

    def create_staff(self) -> None:
        current = set(
            GridStaff.objects.filter(grid__in=self.grids, ended_on__isnull=True).values_list(
                "grid_id", "person_id"
            )
        )
        missing = [
            staff
            for staff in self.plan.staff
            if (self.grids[staff.grid].pk, self.people[staff.person]) not in current
        ]
        people = Person.objects.in_bulk([self.people[staff.person] for staff in missing])
        for staff in missing:
            services.grid_staff_appoint(
                actor=None,
                grid=self.grids[staff.grid],
                person=people[self.people[staff.person]],
                role=staff.role,
                employment=staff.employment,
                background=staff.background,
                account=self.accounts[staff.account] if staff.account else None,
                started_on=staff.started_on,
            )
        self.result.created_staff = len(missing)

    # Visits ---------------------------------------------------------------------------------

    def create_visits(self) -> None:
        visited = set(
            Visit.objects.filter(grid__in=self.grids).values_list("grid_id", flat=True).distinct()
        )
        planned = visits_plan(self.plan, now=REFERENCE_NOW, seed=self.seed)
        shift = demo_shift(self.now)
        created: list[Visit] = []
        for index, visits in planned.items():
            grid = self.grids[index]
            if grid.pk in visited:
                continue
            created.extend(
                Visit(
                    grid=grid,
                    household_id=(
                        self.households[visit.household] if visit.household is not None else None
                    ),
                    visitor=self.accounts[visit.visitor],
                    visited_at=visit.visited_at + shift,
                    purpose=visit.purpose,
                    notes=visit.notes,
                    hazard_found=visit.hazard_found,
                )
                for visit in visits
            )
        Visit.objects.bulk_create(created, batch_size=BATCH)
        for visit in created:
            self.record(
                obj=visit,
                actor=visit.visitor,
                at=visit.visited_at,
                changes={
                    "grid": visit.grid_id,
                    "household": visit.household_id,
                    "purpose": visit.purpose,
                    "hazard_found": visit.hazard_found,
                    "visited_at": visit.visited_at,
                    "photos": 0,
                },
            )
        self.result.created_visits = len(created)


def seed_grids_demo(*, seed: int = GRIDS_SEED, now: dt.datetime | None = None) -> GridsSeedResult:
    """Create the planned demo grids, people, households, residents, party members, grid
    worker accounts, staff and the visits of the 90 days before ``now`` that are missing
    (planned on the reference clock and moved to ``now``).

    Idempotent (see the module's docstring). Needs the demo tree and people
    (``seed_org_demo``, ``seed_people_demo``).
    """
    seeder = _Seeder(grids_plan(seed), now=now or timezone.now(), seed=seed)
    with transaction.atomic():
        return seeder.run()
