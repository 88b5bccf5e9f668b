"""Generated city-scale data (``manage.py seed_city --scale demo|district|city``).

Deterministic (one seeded random generator) and consistent: the org tree's lft/rght/level are
computed here in one depth-first pass and written with the rows; every household sits in a
basic grid of its community within the grid's target size; personal data is sealed the way
``orgchart.services.people`` seals it (each ID number encrypted and hashed on its own row;
mobiles drawn from a pool of numbers sealed once); petitions are spread over two years in every
status, with the events, dispatches and escalations their status implies, and every open clock
either runs out in the future or was already escalated (so a sweep right after the seed finds
nothing due). The dashboard rollups are counted from the rows in one grouped query each, then
``petitions.rollups.recompute`` checks them (no drift expected).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import TruncDate

from governance import pii
from governance.dashboard.bulk import Loader
from governance.identity import check_character
from governance.models import NumberSequence
from grids.models import TARGET_HOUSEHOLDS, Grid, GridStaff, Household, Resident, ResidentCareTag
from orgchart.demo import DEMO_PASSWORD
from orgchart.models import Department, OrgUnit, PartyMember, Person, PersonRegistration, User
from orgchart.services.people import name_pinyin
from petitions import rollups
from petitions.models import (
    Action,
    Category,
    Channel,
    DepartmentDay,
    Dispatch,
    DispatchRole,
    DispatchStatus,
    Escalation,
    Petition,
    PetitionDay,
    PetitionEvent,
    Satisfaction,
    Status,
    Track,
    Urgency,
)
from petitions.services import deadline_policy_for
from petitions.services.escalation import escalation_deadline_key
from volunteers.models import Volunteer

K = OrgUnit.Kind


@dataclass(frozen=True)
class Scale:
    """How much to generate. Per-parent counts; ``rural_share`` of the streets are towns whose
    grids are rural (50 households) instead of urban (30)."""

    name: str
    districts: int
    streets: int  # per district
    communities: int  # per street
    compounds: int  # per community
    buildings: int  # per compound
    basic_grids: int  # per community
    dedicated_grids: int  # per community
    special_grids: int  # per community
    branches: int  # per community (grid party branches)
    residents_per_household: float
    party_share: float  # of the residents
    volunteer_share: float  # of the residents
    petitions: int
    rural_share: float = 0.0
    departments: tuple[str, ...] = ("城管执法局", "住房和城乡建设局", "民政局", "派出所")


SCALES = {
    "demo": Scale("demo", 1, 2, 2, 2, 3, 4, 1, 1, 1, 2.5, 0.1, 0.05, 600, rural_share=0.5),
    # 10 streets, 100 communities, 1,000 compounds, 10,000 buildings, 5,000 basic grids,
    # about 150,000 households and 400,000 residents, 100,000 petitions.
    "district": Scale("district", 1, 10, 10, 10, 10, 50, 1, 1, 1, 2.67, 0.08, 0.03, 100_000),
    # Tangshan: 54 streets and towns, 702 communities, ~75,000 basic, ~10,500 dedicated and
    # ~4,900 special grids, ~8,400 grid branches, ~22,500 buildings, ~2.3 million households,
    # ~1.15 million residents (~140,000 party members, ~50,000 volunteers), 1 million
    # petitions.
    "city": Scale(
        "city", 6, 9, 13, 8, 4, 107, 15, 7, 12, 0.5, 0.12, 0.044, 1_000_000, rural_share=0.0
    ),
}

CITY_CODE = "130200"  # 唐山市: the first six digits of its division and ID numbers
CITY_NAME = "唐山市（生成）"
STREET_WORDS = ["新华", "文化", "学院", "友谊", "光明", "建设", "胜利", "幸福", "和平", "长宁"]
DEDICATED_SITES = [site for site in Grid.Site.values if site != Grid.Site.OTHER]
TITLES = (
    "楼道堆放杂物",
    "路灯不亮",
    "垃圾清运不及时",
    "邻里噪音纠纷",
    "井盖松动",
    "物业收费争议",
    "下水道堵塞",
    "违章停车占道",
)
MOBILE_POOL = 2000  # distinct mobiles sealed once and shared (the bottleneck is the cipher)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英建国桂兰志强丽华明军淑珍海燕玉梅红霞文静伟东晓峰春生永志"


def name_pool() -> list[tuple[str, str, str]]:
    """Names with their pinyin, computed once (pypinyin per row would dominate the seed)."""
    names = []
    for index, surname in enumerate(SURNAMES):
        for start in range(0, len(GIVEN) - 1):
            name = surname + GIVEN[start : start + 1 + (index + start) % 2]
            names.append((name, *name_pinyin(name)))
    return names


# The tables loaded without their indexes and key checks (rebuilt once at the end).
BULK_TABLES = (
    OrgUnit,
    Department,
    User,
    Grid,
    GridStaff,
    Person,
    PersonRegistration,
    Household,
    Resident,
    ResidentCareTag,
    PartyMember,
    Volunteer,
    Petition,
    PetitionEvent,
    Escalation,
    Dispatch,
)


@dataclass
class Community:
    pk: int
    name: str
    code: str
    street: int
    district: int
    rural: bool
    compounds: list[int] = field(default_factory=list)
    buildings: list[list[tuple[int, str]]] = field(default_factory=list)  # per compound
    grids: list[int] = field(default_factory=list)  # basic grids
    worker: int = 0  # community worker account
    residents: tuple[int, int] = (0, 0)  # first person id, count


@dataclass
class Seeded:
    """What was built, for the benchmark and the tests."""

    city: int
    districts: list[int]
    streets: list[int]
    communities: list[Community]
    departments: list[int]
    accounts: dict[str, int]  # a login name per role -> user id
    counts: dict[str, int]
    drifts: int
    seconds: float


class Node:
    __slots__ = ("children", "row")

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.children: list[Node] = []


def _number_tree(root: Node, tree_id: int) -> Iterator[dict[str, Any]]:
    """The rows of ``root``'s subtree with lft/rght/level set, parents before children."""
    counter = 0
    ordered: list[dict[str, Any]] = []

    def visit(node: Node, level: int) -> None:
        nonlocal counter
        counter += 1
        node.row.update(lft=counter, level=level, tree_id=tree_id)
        ordered.append(node.row)
        for child in node.children:
            child.row["parent_id"] = node.row["id"]
            visit(child, level + 1)
        counter += 1
        node.row["rght"] = counter

    visit(root, 0)
    return iter(ordered)


def resident_id(index: int, area: str) -> tuple[str, dt.date, str]:
    """A valid, unique 18-digit resident ID for ``index``: birth date and sequence both
    follow from it (26,000 days × 1,000 sequences before the area code changes)."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=index % 26_000)
    sequence = (index // 26_000) % 1000
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    sex = Person.Sex.MALE if sequence % 2 else Person.Sex.FEMALE
    return first17 + check_character(first17), birth, sex


class Generator:
    def __init__(self, scale: Scale, out: Any, seed: int = 20261208) -> None:
        self.scale = scale
        self.load = Loader(out)
        self.now = self.load.now
        self.random = random.Random(seed)  # noqa: S311 - generated data, not secrets
        self.password = make_password(DEMO_PASSWORD)
        self.accounts: dict[str, int] = {}
        self.names = name_pool()
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        self.load.say(text)

    def progress(self, what: str) -> None:
        rows = sum(self.load.written.values())
        seconds = time.perf_counter() - self.started
        self.say(f"  {seconds:7.1f} s  {what}: {rows:,} rows so far ({rows / seconds:,.0f} rows/s)")

    # --- The tree ---------------------------------------------------------------------------

    def tree(self) -> tuple[Node, list[Community], list[int], list[int]]:
        s = self.scale
        districts = s.districts
        streets = districts * s.streets
        communities = streets * s.communities
        compounds = communities * s.compounds
        buildings = compounds * s.buildings
        branches = communities * s.branches
        total = 1 + districts + streets + communities + compounds + buildings + branches
        next_id = self.load.next_id(OrgUnit, total)
        tree_id = (
            OrgUnit.objects.order_by("-tree_id").values_list("tree_id", flat=True).first()
        ) or 0

        def unit(name: str, kind: str, rural: bool, code: str | None = None) -> Node:
            nonlocal next_id
            row = {
                "id": next_id,
                "name": name[:100],
                "kind": kind,
                "area_type": "rural" if rural else "urban",
                "division_code": code,
                "party_org_name": f"中共{name}委员会"[:150] if code else "",
                "party_org_type": "committee" if code else "",
                "branch_type": "sinking" if kind == K.BRANCH else "",
            }
            next_id += 1
            return Node(row)

        root = unit(CITY_NAME, K.CITY, False, f"{CITY_CODE}000000")
        found: list[Community] = []
        district_ids: list[int] = []
        street_ids: list[int] = []
        street_number = 0
        for d in range(districts):
            district_code = f"{int(CITY_CODE) + d + 2}"
            district = unit(f"生成{d + 1}区", K.DISTRICT, False, f"{district_code}000000")
            root.children.append(district)
            district_ids.append(district.row["id"])
            for st in range(s.streets):
                street_number += 1
                rural = (street_number - 1) < round(streets * s.rural_share)
                word = STREET_WORDS[street_number % len(STREET_WORDS)]
                street_name = f"{word}{'镇' if rural else '街道'}{street_number}"
                street = unit(street_name, K.STREET, rural, f"{district_code}{st + 1:03d}000")
                district.children.append(street)
                street_ids.append(street.row["id"])
                for c in range(s.communities):
                    code = f"{district_code}{st + 1:03d}{c + 1:03d}"
                    name = f"{street_name}{'村' if rural else '社区'}{c + 1}"
                    node = unit(name, K.COMMUNITY, rural, code)
                    street.children.append(node)
                    community = Community(
                        node.row["id"], name, code, street.row["id"], district.row["id"], rural
                    )
                    for p in range(s.compounds):
                        compound = unit(f"{name}{p + 1}小区", K.COMPOUND, rural)
                        node.children.append(compound)
                        community.compounds.append(compound.row["id"])
                        held = []
                        for b in range(s.buildings):
                            label = f"{p + 1}区{b + 1}号楼"
                            building = unit(f"{name}{label}", K.BUILDING, rural)
                            compound.children.append(building)
                            held.append((building.row["id"], label))
                        community.buildings.append(held)
                    for r in range(s.branches):
                        node.children.append(unit(f"{name}网格党支部{r + 1}", K.BRANCH, rural))
                    found.append(community)
        self.load.write(OrgUnit, _number_tree(root, tree_id + 1))
        self.progress(f"org tree of {total:,} units")
        return root, found, district_ids, street_ids

    # --- Accounts ---------------------------------------------------------------------------

    def user(
        self, username: str, role: str, *, unit: int | None = None, department: int | None = None
    ) -> dict[str, Any]:
        return {
            "id": self.load.next_id(User, 1),
            "password": self.password,
            "username": username,
            "first_name": username,
            "is_active": True,
            "date_joined": self.now,
            "role": role,
            "anchor_unit_id": unit,
            "anchor_department_id": department,
        }

    # --- People -----------------------------------------------------------------------------

    def mobiles(self) -> list[dict[str, Any]]:
        """A pool of sealed mobiles: number, ciphertext, hash, head and tail."""
        pool = []
        for index in range(MOBILE_POOL):
            number = f"139{index * 48271 % 10**8:08d}"
            pool.append(
                {
                    "mobile_encrypted": pii.encrypt(number),
                    "mobile_hash": pii.blind_index(number, purpose="phone"),
                    "mobile_head": number[:3],
                    "mobile_tail": number[-4:],
                }
            )
        return pool

    def person(self, pk: int, index: int, area: str, address: str) -> dict[str, Any]:
        name, pinyin, initials = self.names[index * 7919 % len(self.names)]
        number, birth, sex = resident_id(index, area)
        row = {
            "id": pk,
            "name": name,
            "name_pinyin": pinyin,
            "name_initials": initials,
            "sex": sex,
            "birth_date": birth,
            "document_type": Person.DocumentType.RESIDENT_ID,
            "document_number_encrypted": pii.encrypt(number),
            "document_number_hash": pii.blind_index(number, purpose="document:resident_id"),
            "document_number_head": number[:6],
            "document_number_tail": number[-4:],
            "document_number_length": 18,
            "address": address,
        }
        if index % 3:  # two in three have a mobile on record
            row.update(self.mobile_pool[index % MOBILE_POOL])
        return row

    def run(self) -> Seeded:
        start = time.perf_counter()
        s = self.scale
        self.say(f"Seeding the {s.name} scale…")
        with self.load.bulk_mode(BULK_TABLES):
            built = self.build()
        self.progress("indexes and keys restored")
        drifts = self.rollups()
        self.load.finish()
        counts = {model._meta.db_table: count for model, count in self.load.written.items()}
        return Seeded(**built, counts=counts, drifts=drifts, seconds=time.perf_counter() - start)

    def build(self) -> dict[str, Any]:
        s = self.scale
        root, communities, district_ids, street_ids = self.tree()
        city_id = root.row["id"]

        # Departments, one set per district, and their handlers.
        departments = []
        department_rows = []
        for d, district in enumerate(district_ids):
            for name in s.departments:
                pk = self.load.next_id(Department, 1)
                departments.append((pk, district))
                department_rows.append(
                    {
                        "id": pk,
                        "name": f"生成{d + 1}区{name}",
                        "jurisdiction_id": district,
                        "is_active": True,
                    }
                )
        self.load.write(Department, department_rows)
        users = [self.user("city-official", User.Role.OFFICIAL, unit=city_id)]
        users.append(self.user("district-1-official", User.Role.OFFICIAL, unit=district_ids[0]))
        users += [
            self.user(f"street-{n + 1}-official", User.Role.OFFICIAL, unit=pk)
            for n, pk in enumerate(street_ids)
        ]
        for n, community in enumerate(communities):
            row = self.user(
                f"community-{n + 1}-worker", User.Role.COMMUNITY_WORKER, unit=community.pk
            )
            community.worker = row["id"]
            users.append(row)
        grid_accounts = {}
        volunteer_accounts = {}
        for n, community in enumerate(communities):
            row = self.user(f"community-{n + 1}-grid", User.Role.GRID_WORKER, unit=community.pk)
            grid_accounts[community.pk] = row["id"]
            users.append(row)
            row = self.user(f"community-{n + 1}-volunteer", User.Role.VOLUNTEER, unit=community.pk)
            volunteer_accounts[community.pk] = row["id"]
            users.append(row)
        handlers = {}
        for n, (pk, _district) in enumerate(departments):
            row = self.user(
                f"department-{n + 1}-handler", User.Role.DEPARTMENT_HANDLER, department=pk
            )
            handlers[pk] = row["id"]
            users.append(row)
        self.load.write(User, users)
        self.accounts = {
            "city official": users[0]["id"],
            "street official": users[2]["id"],
            "community worker": communities[0].worker,
            "grid worker": grid_accounts[communities[0].pk],
            "volunteer": volunteer_accounts[communities[0].pk],
            "department handler": handlers[departments[0][0]],
        }

        self.mobile_pool = self.mobiles()
        self.grids_and_people(communities, grid_accounts, volunteer_accounts)
        self.petitions(communities, departments, handlers)
        return {
            "city": city_id,
            "districts": district_ids,
            "streets": street_ids,
            "communities": communities,
            "departments": [pk for pk, _ in departments],
            "accounts": self.accounts,
        }

    # --- Grids, households, residents -------------------------------------------------------

    def grids_and_people(
        self,
        communities: list[Community],
        grid_accounts: dict[int, int],
        volunteer_accounts: dict[int, int],
    ) -> None:
        s = self.scale
        rng = self.random
        grids, staff, households, people, registrations = [], [], [], [], []
        residents, tags, members, volunteers = [], [], [], []
        person_index = 0
        started = self.now.date() - dt.timedelta(days=400)
        grid_pk = self.load.next_id(
            Grid, len(communities) * (s.basic_grids + s.dedicated_grids + s.special_grids)
        )
        for community in communities:
            area_type = "rural" if community.rural else "urban"
            target = TARGET_HOUSEHOLDS[area_type]
            area = community.code[:6]
            basic = []
            for g in range(s.basic_grids + s.dedicated_grids + s.special_grids):
                kind = (
                    Grid.Kind.BASIC
                    if g < s.basic_grids
                    else Grid.Kind.DEDICATED
                    if g < s.basic_grids + s.dedicated_grids
                    else Grid.Kind.SPECIAL
                )
                compound = community.compounds[g % len(community.compounds)]
                grids.append(
                    {
                        "id": grid_pk,
                        "community_id": community.pk,
                        "compound_id": compound if kind == Grid.Kind.BASIC else None,
                        "name": f"第{g + 1}网格",
                        "code": f"{community.code}{g + 1:04d}",
                        "kind": kind,
                        "site": DEDICATED_SITES[g % len(DEDICATED_SITES)]
                        if kind == Grid.Kind.DEDICATED
                        else "",
                        "topic": "防汛巡查" if kind == Grid.Kind.SPECIAL else "",
                        "area_type": area_type,
                        "boundary": None,
                        "is_active": True,
                    }
                )
                if kind == Grid.Kind.BASIC:
                    basic.append((grid_pk, g % len(community.compounds)))
                grid_pk += 1
            community.grids = [pk for pk, _ in basic]
            first_resident = self.load.next_id(Person, 0)
            rooms: dict[int, int] = {}
            for number, (grid, compound_index) in enumerate(basic):
                # The grid's head: a person of the community, the first one with the account.
                head = self.load.next_id(Person, 1)
                people.append(self.person(head, person_index, area, community.name))
                person_index += 1
                registrations.append(
                    {
                        "id": self.load.next_id(PersonRegistration, 1),
                        "person_id": head,
                        "unit_id": community.pk,
                        "created_at": self.now,
                    }
                )
                staff.append(
                    {
                        "id": self.load.next_id(GridStaff, 1),
                        "grid_id": grid,
                        "person_id": head,
                        "account_id": grid_accounts[community.pk] if number == 0 else None,
                        "role": GridStaff.Role.HEAD,
                        "employment": GridStaff.Employment.FULL_TIME,
                        "background": GridStaff.Background.COMMUNITY_STAFF,
                        "started_on": started,
                    }
                )
                size = rng.randint(round(target * 0.8), round(target * 1.2))
                held = community.buildings[compound_index]
                for _ in range(size):
                    building, label = held[rng.randrange(len(held))]
                    room = rooms.get(building, 0)
                    rooms[building] = room + 1
                    entrance, floor, door = room // 24 + 1, room % 24 // 2 + 1, room % 2 + 1
                    address = f"{label}{entrance}单元{floor}0{door}"
                    household = self.load.next_id(Household, 1)
                    households.append(
                        {
                            "id": household,
                            "grid_id": grid,
                            "community_id": community.pk,
                            "building_id": building,
                            "entrance": str(entrance),
                            "room": f"{floor}0{door}",
                            "address": address,
                            "floor_area": 60 + household % 80,
                            "tenure": (
                                Household.Tenure.OWNED,
                                Household.Tenure.RENTED,
                                Household.Tenure.OWNED,
                                Household.Tenure.VACANT,
                            )[household % 4],
                        }
                    )
                    whole = int(s.residents_per_household)
                    living = whole + (1 if rng.random() < s.residents_per_household - whole else 0)
                    for member in range(living):
                        pk = self.load.next_id(Person, 1)
                        people.append(
                            self.person(pk, person_index, area, f"{community.name}{address}")
                        )
                        registrations.append(
                            {
                                "id": self.load.next_id(PersonRegistration, 1),
                                "person_id": pk,
                                "unit_id": community.pk,
                                "created_at": self.now,
                            }
                        )
                        resident = self.load.next_id(Resident, 1)
                        relation = (
                            Resident.Relation.HEAD,
                            Resident.Relation.SPOUSE,
                            Resident.Relation.CHILD,
                        )[min(member, 2)]
                        residents.append(
                            {
                                "id": resident,
                                "person_id": pk,
                                "household_id": household,
                                "relation": relation,
                                "registered_here": True,
                                "lives_here": True,
                                "moved_in_on": started,
                            }
                        )
                        if person_index % 29 == 0:
                            tags.append(
                                {
                                    "id": self.load.next_id(ResidentCareTag, 1),
                                    "resident_id": resident,
                                    "tag": ResidentCareTag.Tag.values[
                                        person_index % len(ResidentCareTag.Tag.values)
                                    ],
                                }
                            )
                        if rng.random() < s.party_share:
                            status = (PartyMember.Status.IN_SERVICE, PartyMember.Status.RETIRED)[
                                person_index % 2
                            ]
                            members.append(
                                {
                                    "id": self.load.next_id(PartyMember, 1),
                                    "person_id": pk,
                                    "organisation_id": community.pk,
                                    "status": status,
                                    "membership": PartyMember.Membership.FULL,
                                    "joined_on": dt.date(1980 + person_index % 40, 7, 1),
                                    "home_community_id": community.pk
                                    if status == PartyMember.Status.IN_SERVICE
                                    else None,
                                }
                            )
                        if rng.random() < s.volunteer_share or (
                            member == 0 and volunteer_accounts.get(community.pk)
                        ):
                            volunteers.append(
                                {
                                    "id": self.load.next_id(Volunteer, 1),
                                    "person_id": pk,
                                    "community_id": community.pk,
                                    "account_id": volunteer_accounts.pop(community.pk, None),
                                    "availability": Volunteer.Availability.WEEKENDS,
                                    "registered_on": started,
                                    "is_active": True,
                                }
                            )
                        person_index += 1
            community.residents = (first_resident, self.load.next_id(Person, 0) - first_resident)
            if len(people) >= 50_000:
                self._flush_people(
                    grids,
                    staff,
                    households,
                    people,
                    registrations,
                    residents,
                    tags,
                    members,
                    volunteers,
                )
        self._flush_people(
            grids, staff, households, people, registrations, residents, tags, members, volunteers
        )

    def _flush_people(self, *tables: list[dict[str, Any]]) -> None:
        """Write what was generated so far, in foreign-key order, and empty the lists."""
        models = (
            Grid,
            GridStaff,
            Household,
            Person,
            PersonRegistration,
            Resident,
            ResidentCareTag,
            PartyMember,
            Volunteer,
        )
        # Persons before the rows that point at them.
        order = (0, 3, 4, 1, 2, 5, 6, 7, 8)
        persons = len(tables[3])
        for position in order:
            if tables[position]:
                self.load.write(models[position], tables[position])
                tables[position].clear()
        self.progress(f"{self.load.written.get(Household, 0):,} households, +{persons:,} people")

    # --- Petitions --------------------------------------------------------------------------

    def petitions(
        self,
        communities: list[Community],
        departments: list[tuple[int, int]],
        handlers: dict[int, int],
    ) -> None:
        s = self.scale
        rng = self.random
        now = self.now
        hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
        policies = {
            category: deadline_policy_for(
                track=Track.ORDINARY, category=category, urgency=Urgency.NORMAL
            ).pk
            for category in Category.values
        }
        by_district: dict[int, list[int]] = {}
        for pk, district in departments:
            by_district.setdefault(district, []).append(pk)
        numbers = dict(NumberSequence.objects.filter(name="petition").values_list("year", "last"))
        recent = (
            (Status.SUBMITTED, 12),
            (Status.ACCEPTED, 12),
            (Status.DISPATCHED, 8),
            (Status.IN_PROGRESS, 18),
            (Status.REPLIED, 15),
            (Status.CLOSED, 30),
            (Status.REJECTED, 5),
        )
        older = (
            (Status.SUBMITTED, 0.2),
            (Status.ACCEPTED, 0.5),
            (Status.DISPATCHED, 1.0),
            (Status.IN_PROGRESS, 2.0),
            (Status.REPLIED, 0.3),
            (Status.CLOSED, 90.0),
            (Status.REJECTED, 6.0),
        )
        statuses = [status for status, _ in recent]
        recent_weights = [weight for _, weight in recent]
        older_weights = [weight for _, weight in older]
        categories, channels = Category.values, Channel.values
        span = dt.timedelta(days=730)
        petitions: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        dispatches: list[dict[str, Any]] = []
        escalations: list[dict[str, Any]] = []
        first = self.load.next_id(Petition, s.petitions)

        for index in range(s.petitions):
            if len(petitions) >= 20_000:
                self._flush_petitions(petitions, dispatches, escalations, events)
            pk = first + index
            community = communities[rng.randrange(len(communities))]
            created = now - span + span * (index + rng.random()) / s.petitions
            age = now - created
            status = rng.choices(statuses, recent_weights if age < 30 * day else older_weights)[0]
            year = created.astimezone(dt.UTC).year
            numbers[year] = numbers.get(year, 0) + 1
            category = categories[index % len(categories)]
            compound = rng.randrange(len(community.compounds))
            location = rng.choice(
                [community.pk, community.compounds[compound]]
                + [b for b, _ in community.buildings[compound]]
            )
            first_person, residents = community.residents
            row: dict[str, Any] = {
                "id": pk,
                "number": f"{year}-{numbers[year]:06d}",
                "track": Track.ORDINARY,
                "channel": channels[index * 3 % len(channels)],
                "category": category,
                "urgency": Urgency.NORMAL,
                "title": f"{TITLES[index % len(TITLES)]}（{index + 1}）",
                "description": "居民反映的问题，请社区核实处理。",
                "community_id": community.pk,
                "location_id": location,
                "grid_id": community.grids[index % len(community.grids)] if index % 2 else None,
                "petitioner_id": first_person + index % residents
                if residents and index % 3 == 0
                else None,
                "status": status,
                "handling_unit_id": community.pk,
                "policy_id": policies[category],
                "created_by_id": community.worker,
                "created_at": created,
                "is_supervised": index % 50 == 0 and status not in (Status.CLOSED, Status.REJECTED),
                "is_repeat": index % 37 == 0,
            }
            if index % 5 < 2:  # two in five left a contact phone
                phone = self.mobile_pool[index % MOBILE_POOL]
                row.update(
                    contact_phone_encrypted=phone["mobile_encrypted"],
                    contact_phone_hash=phone["mobile_hash"],
                    contact_phone_head=phone["mobile_head"],
                    contact_phone_tail=phone["mobile_tail"],
                )
            actor = {"actor_id": community.worker, "actor_place": community.name[:150]}

            def event(
                action: str,
                at: dt.datetime,
                before: str,
                after: str,
                *,
                pk: int = pk,
                row: dict[str, Any] = row,
                actor: dict[str, Any] = actor,
                **extra: Any,
            ) -> None:
                events.append(
                    {
                        "id": self.load.next_id(PetitionEvent, 1),
                        "petition_id": pk,
                        "action": action,
                        "at": at,
                        "from_status": before,
                        "to_status": after,
                        "note": "",
                        "data": {},
                        "unit_id": row["handling_unit_id"],
                        **actor,
                        **extra,
                    }
                )

            def escalate(
                deadline: str,
                due: dt.datetime,
                state: str,
                *,
                pk: int = pk,
                row: dict[str, Any] = row,
                community: Community = community,
            ) -> dt.datetime:
                """The sweep's mark: the case moved to the street when ``due`` passed."""
                at = due + dt.timedelta(minutes=rng.randint(1, 10))
                row.update(
                    escalation_level=1,
                    overdue_since=due,
                    handling_unit_id=community.street,
                )
                escalations.append(
                    {
                        "id": self.load.next_id(Escalation, 1),
                        "petition_id": pk,
                        "dispatch_id": None,
                        "deadline": deadline,
                        "deadline_key": escalation_deadline_key(deadline, None, due),
                        "due_at": due,
                        "level": 1,
                        "from_unit_id": community.pk,
                        "to_unit_id": community.street,
                        "at": at,
                    }
                )
                events.append(
                    {
                        "id": self.load.next_id(PetitionEvent, 1),
                        "petition_id": pk,
                        "action": Action.ESCALATE,
                        "at": at,
                        "from_status": state,
                        "to_status": state,
                        "note": "",
                        "data": {"deadline": deadline, "level": 1},
                        "unit_id": community.street,
                        "actor_id": None,
                        "actor_place": "",
                    }
                )
                return at

            event(Action.CREATE, created, "", Status.SUBMITTED)
            lag = min(age * 0.1, hour * rng.uniform(1, 60))
            accept_due = created + 2 * day
            if status == Status.SUBMITTED:
                row["clock_started_at"] = created
                if accept_due < now:
                    escalate("accept", accept_due, Status.SUBMITTED)
                    row.update(late_accept=True, accept_due_at=now + day * rng.uniform(0.5, 3))
                else:
                    row["accept_due_at"] = accept_due
                petitions.append(row)
                continue
            if status == Status.REJECTED:
                row["reject_reason"] = "不属于本社区受理范围，已告知来访人。"
                event(Action.REJECT, created + lag, Status.SUBMITTED, Status.REJECTED)
                petitions.append(row)
                continue
            accepted = created + lag
            row.update(accepted_at=accepted, late_accept=lag > 2 * day, clock_started_at=accepted)
            event(Action.ACCEPT, accepted, Status.SUBMITTED, Status.ACCEPTED)
            resolve_due = accepted + 15 * day
            if status in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS):
                if status == Status.DISPATCHED:
                    dispatched = accepted + (now - accepted) * 0.1
                    dispatch = self.load.next_id(Dispatch, 1)
                    department = rng.choice(by_district[community.district])
                    dispatches.append(
                        {
                            "id": dispatch,
                            "petition_id": pk,
                            "department_id": department,
                            "role": DispatchRole.LEAD,
                            "status": DispatchStatus.PENDING,
                            "dispatched_by_id": community.worker,
                            "dispatched_at": dispatched,
                            "report_due_at": now + hour * rng.uniform(2, 48),
                            "complete_due_at": now + day * rng.uniform(3, 10),
                        }
                    )
                    event(
                        Action.DISPATCH,
                        dispatched,
                        Status.ACCEPTED,
                        Status.DISPATCHED,
                        dispatch_id=dispatch,
                    )
                elif status == Status.IN_PROGRESS:
                    event(Action.START, accepted + (now - accepted) * 0.1, Status.ACCEPTED, status)
                if resolve_due < now:
                    escalate("resolve", resolve_due, status)
                    row.update(late_resolve=True, resolve_due_at=now + day * rng.uniform(1, 10))
                else:
                    row["resolve_due_at"] = resolve_due
                petitions.append(row)
                continue
            # Replied or closed: handled by the unit itself or through a department.
            if status == Status.REPLIED:
                replied = max(accepted + (now - accepted) * 0.5, now - day * rng.uniform(0, 6.5))
            else:
                replied = accepted + min(day * rng.uniform(0.5, 20), (now - accepted) * 0.6)
            if index % 10 == 0 and status == Status.CLOSED:
                dispatched = accepted + (replied - accepted) * 0.1
                reported = accepted + (replied - accepted) * 0.2
                completed = accepted + (replied - accepted) * 0.9
                dispatch = self.load.next_id(Dispatch, 1)
                department = rng.choice(by_district[community.district])
                dispatches.append(
                    {
                        "id": dispatch,
                        "petition_id": pk,
                        "department_id": department,
                        "role": DispatchRole.LEAD,
                        "status": DispatchStatus.COMPLETED,
                        "dispatched_by_id": community.worker,
                        "dispatched_at": dispatched,
                        "report_due_at": dispatched + 24 * hour,
                        "complete_due_at": dispatched + 10 * day,
                        "reported_at": reported,
                        "reported_by_id": handlers[department],
                        "completed_at": completed,
                        "completion_note": "已处理完毕。",
                        "late_report": reported - dispatched > 24 * hour,
                        "late_complete": completed - dispatched > 10 * day,
                        "rating": 4 + index % 2,
                        "rated_at": completed + hour,
                    }
                )
                event(
                    Action.DISPATCH,
                    dispatched,
                    Status.ACCEPTED,
                    Status.DISPATCHED,
                    dispatch_id=dispatch,
                )
                event(
                    Action.REPORT,
                    reported,
                    Status.DISPATCHED,
                    Status.DISPATCHED,
                    dispatch_id=dispatch,
                )
                event(Action.ALL_REPORTED, reported, Status.DISPATCHED, Status.IN_PROGRESS)
                event(
                    Action.COMPLETE,
                    completed,
                    Status.IN_PROGRESS,
                    Status.IN_PROGRESS,
                    dispatch_id=dispatch,
                )
            else:
                event(
                    Action.START,
                    accepted + (replied - accepted) * 0.1,
                    Status.ACCEPTED,
                    Status.IN_PROGRESS,
                )
            if replied - accepted > 15 * day:
                escalate("resolve", resolve_due, Status.IN_PROGRESS)
                row["late_resolve"] = True
            row.update(replied_at=replied, reply="已处理，请您评价。")
            event(Action.REPLY, replied, Status.IN_PROGRESS, Status.REPLIED)
            if status == Status.REPLIED:
                row["close_due_at"] = replied + 7 * day
                petitions.append(row)
                continue
            closed = replied + min(day * rng.uniform(0, 7), (now - replied) * 0.9)
            satisfaction = rng.choices(
                [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, ""], [75, 15, 10]
            )[0]
            row.update(closed_at=closed, satisfaction=satisfaction)
            action = Action.EVALUATE if satisfaction else Action.CLOSE
            event(action, closed, Status.REPLIED, Status.CLOSED)
            petitions.append(row)
        self._flush_petitions(petitions, dispatches, escalations, events)
        for year, last in numbers.items():
            NumberSequence.objects.update_or_create(
                name="petition", year=year, defaults={"last": last}
            )

    def _flush_petitions(self, *tables: list[dict[str, Any]]) -> None:
        count = len(tables[0])
        for model, rows in zip(
            (Petition, Dispatch, Escalation, PetitionEvent), tables, strict=True
        ):
            if rows:
                self.load.write(model, rows)
                rows.clear()
        self.progress(f"{self.load.written.get(Petition, 0):,} petitions (+{count:,})")

    # --- Rollups ----------------------------------------------------------------------------

    def rollups(self) -> int:
        """Count the dashboard rollups from the rows (one grouped query a table), write them,
        then let ``petitions.rollups.recompute`` check them: the number of drifts it found."""
        keyed = (
            (
                PetitionDay,
                Petition.objects.annotate(day=TruncDate("created_at")),
                rollups.PETITION_KEY,
                rollups.PETITION_COUNTERS,
            ),
            (
                DepartmentDay,
                Dispatch.objects.annotate(
                    day=TruncDate("dispatched_at"), community_id=F("petition__community_id")
                ),
                rollups.DEPARTMENT_KEY,
                rollups.DEPARTMENT_COUNTERS,
            ),
        )
        for model, source, key, counters in keyed:
            counted = source.values(*key).annotate(**rollups.aggregates(counters)).order_by()
            rows = list(counted.iterator(chunk_size=10_000))
            first = self.load.next_id(model, len(rows))
            self.load.write(
                model,
                (
                    {
                        "id": first + n,
                        **{name: int(row[name] or 0) for name in counters},
                        **{name: row[name] for name in key},
                    }
                    for n, row in enumerate(rows)
                ),
            )
        self.progress("rollups counted")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        drifts = rollups.recompute()
        self.progress(f"rollups checked, {len(drifts)} drift(s)")
        return len(drifts)


def seed_city(scale: str, *, out: Any = None) -> Seeded:
    """Generate ``scale``'s data in one transaction (all or nothing)."""
    with transaction.atomic():
        generator = Generator(SCALES[scale], out)
        seeded = generator.run()
    generator.progress("committed")
    generator.load.summary()
    return seeded
