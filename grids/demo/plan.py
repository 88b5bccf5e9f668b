"""The demo grids, households, residents and grid staff, planned from a seed (no database).

Every community of the demo tree is split into basic grids of about 30 urban / 50 rural
households, so the number of grids follows the households; every street gets one dedicated
grid (mall, school, industrial park) and one special grid. The people of the people demo live
in the homes they were given there; new people fill the other households. Ages and dates are
planned against ``REFERENCE_DATE`` (like the people demo), so the plan is a pure function of the
seed. Visits hang on a moment (the reference clock, moved to the moment of seeding) and are
planned in ``grids.demo.visits``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from pypinyin import lazy_pinyin

from governance.identity import check_character
from grids.models import TARGET_HOUSEHOLDS, Grid, GridStaff, Household, Resident
from orgchart.demo.people import (
    EMPLOYER_PARTY_ORGS,
    EMPLOYERS_RURAL,
    EMPLOYERS_URBAN,
    GIVEN_NAMES,
    MOBILE_PREFIXES,
    MOBILE_SHARE_BY_AGE,
    REFERENCE_DATE,
    SURNAMES,
    MemberPlan,
    PersonPlan,
    UnitPath,
    _add_years,
    _generation,
    people_plan,
)
from orgchart.demo.tree import DISTRICTS, RURAL, CommunitySpec
from orgchart.models import PartyMember

GRIDS_SEED = 20_240_915
T = TypeVar("T")

# Households per community (the people demo's households included): about 3,000 in all.
HOUSEHOLDS_PER_COMMUNITY = {
    "光明社区": 360,
    "和平社区": 300,
    "建设社区": 270,
    "新华社区": 330,
    "文化社区": 240,
    "友谊社区": 255,
    "湖畔社区": 315,
    "滨河社区": 285,
    "幸福社区": 300,
    "石桥村": 180,
    "柳树村": 130,
    "王家庄村": 120,
}
# A compound's share of its community's households, by its position: the people demo builds
# 6, 6, 11 and 18 floors high, in that order.
COMPOUND_WEIGHTS = (1.0, 0.9, 1.3, 1.7)
FLOORS = (6, 6, 11, 18)
ENTRANCES = 3
ROOMS_PER_FLOOR = 2
# A compound not yet re-gridded: one grid far above its target size (the ledger warns).
UNSPLIT_COMPOUNDS = {("友谊社区", "纺织厂宿舍")}

Kind = Grid.Kind
# One dedicated (专属) and one special (专项) grid per street: community, name, site or topic.
STREET_GRIDS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "东城街道": (
        ("光明社区", Kind.DEDICATED, "东城万象汇商圈专属网格", Grid.Site.MALL),
        ("和平社区", Kind.SPECIAL, "燃气安全专项网格", "燃气安全入户巡查"),
    ),
    "西城街道": (
        ("文化社区", Kind.DEDICATED, "云州市第一中学专属网格", Grid.Site.SCHOOL),
        ("友谊社区", Kind.SPECIAL, "老旧小区改造专项网格", "老旧小区改造"),
    ),
    "南湖街道": (
        ("湖畔社区", Kind.DEDICATED, "南湖科技产业园专属网格", Grid.Site.INDUSTRIAL_PARK),
        ("滨河社区", Kind.SPECIAL, "南湖河道巡查专项网格", "河湖巡查"),
    ),
    "青山镇": (
        ("石桥村", Kind.DEDICATED, "青山镇中心小学专属网格", Grid.Site.SCHOOL),
        ("柳树村", Kind.SPECIAL, "森林防火专项网格", "森林防火"),
    ),
}

# Household make-up (kind, weight): owner-occupied flats, village houses, rented flats.
OWNED_KINDS = (
    ("elderly_single", 9),
    ("elderly_couple", 16),
    ("single", 10),
    ("couple", 14),
    ("family", 38),
    ("three_generations", 14),
)
VILLAGE_KINDS = (
    ("elderly_single", 8),
    ("elderly_couple", 18),
    ("single", 5),
    ("couple", 9),
    ("family", 30),
    ("three_generations", 30),
)
TENANT_KINDS = (("single", 40), ("couple", 25), ("family", 35))
URBAN_TENURE: tuple[tuple[str, int], ...] = (
    (Household.Tenure.OWNED, 74),
    (Household.Tenure.RENTED, 19),
    (Household.Tenure.VACANT, 7),
)
RURAL_TENURE: tuple[tuple[str, int], ...] = (
    (Household.Tenure.OWNED, 93),
    (Household.Tenure.VACANT, 7),
)
# Where incomers (人在户不在) are registered: other, equally fictitious districts of 云州市.
INCOMER_AREA_CODES = ("139903", "139904", "139922", "139923")
# 人户分离 and care: the shares the seeds' ledgers show, roughly.
ADULT_CHILD_AWAY = 0.35  # grown-up children registered at home, working or studying elsewhere
VILLAGE_PARENTS_AWAY = 0.3  # village parents working in town (their children are left behind)
TENANT_REGISTERED_ELSEWHERE = 0.85
VACANT_OWNER_REGISTERED = 0.5
SUBSISTENCE_HOUSEHOLDS = 0.018  # 低保 households: every member is tagged
RESTRICTED_SHARE = 0.004
RESTRICTED_TAGS: tuple[tuple[str, int], ...] = (
    (Resident.RestrictedTag.KEY_PETITIONER, 4),
    (Resident.RestrictedTag.COMMUNITY_CORRECTION, 2),
    (Resident.RestrictedTag.RELEASED_PRISONER, 2),
    (Resident.RestrictedTag.SEVERE_MENTAL_DISORDER, 2),
    (Resident.RestrictedTag.DRUG_REHABILITATION, 1),
)

# Staff of a basic grid (size, weight); party members among them: at least 60 % but in a few
# grids (BELOW_TARGET_SHARE of them) that do not yet meet the target.
STAFF_SIZES = ((3, 60), (4, 25), (5, 15))
BELOW_TARGET_SHARE = 0.08
FULL_TIME_PARTY_SHARE = 0.45
# The demo grid worker account and its person: full-time on the first two grids of 光明社区.
GRID_ACCOUNT = "grid"
GRID_ACCOUNT_COMMUNITY = "光明社区"
GRID_ACCOUNT_PERSON = "张强"
GRID_ACCOUNT_GRIDS = 2
# Boundaries: fictitious coordinates, one small rectangle per basic grid.
ORIGIN = (118.150, 39.650)
CELL = (0.004, 0.003)

COMMUNITY_CODES = {
    community.name: community.code
    for *_district, streets in DISTRICTS
    for street in streets
    for community in street.communities
}
_CHINESE_DIGITS = "零一二三四五六七八九"


def weighted(rng: random.Random, options: Sequence[tuple[T, int]]) -> T:
    """One of ``(value, weight)`` options, drawn by weight."""
    values = [value for value, _weight in options]
    return rng.choices(values, [weight for _value, weight in options])[0]


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (for 1–99)."""
    tens, ones = divmod(number, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else _CHINESE_DIGITS[tens] + "十")
    return text + (_CHINESE_DIGITS[ones] if ones else "")


def community_pinyin(name: str) -> str:
    """光明社区 → guangming, 王家庄村 → wangjiazhuang (account names of its grid workers)."""
    return "".join(lazy_pinyin(re.sub(r"(社区|村)$", "", name)))


@dataclass(frozen=True)
class GridPlan:
    community: str  # division code
    name: str
    code: str
    kind: str
    area_type: str
    compound: str = ""  # the compound a basic grid lies in
    site: str = ""
    topic: str = ""
    boundary: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ResidentPlan:
    person: int  # index into GridsPlan.people
    relation: str
    registered_here: bool = True
    lives_here: bool = True
    care_tags: tuple[str, ...] = ()
    restricted_tags: tuple[str, ...] = ()
    moved_in_on: dt.date | None = None


@dataclass(frozen=True)
class HouseholdPlan:
    grid: int  # index into GridsPlan.grids
    community: str
    compound: str
    building: int | None  # number of the building in its compound (urban)
    entrance: str
    room: str
    address: str
    floor_area: Decimal
    tenure: str
    residents: tuple[ResidentPlan, ...]

    @property
    def home(self) -> UnitPath:
        """Where its people are registered: the building in town, the villagers' group."""
        if self.building is None:
            return (self.community, self.compound)
        return (self.community, self.compound, f"{self.building}号楼")


@dataclass(frozen=True)
class StaffPlan:
    grid: int
    person: int
    role: str
    employment: str
    background: str
    account: str  # username of the grid worker account, "" for none
    started_on: dt.date


@dataclass(frozen=True)
class AccountPlan:
    username: str
    full_name: str
    community: str  # division code of the anchor


@dataclass
class GridsPlan:
    people: list[PersonPlan] = field(default_factory=list)  # the people demo's come first
    known_people: int = 0  # how many of them the people demo plans
    grids: list[GridPlan] = field(default_factory=list)
    households: list[HouseholdPlan] = field(default_factory=list)
    members: list[MemberPlan] = field(default_factory=list)  # new party members only
    staff: list[StaffPlan] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)


@dataclass
class _Member:
    """One person of a household being planned."""

    relation: str
    sex: str
    age: int
    surname: str
    registered_here: bool = True
    lives_here: bool = True
    name: str = ""
    area: str = ""  # area code of the ID number ("" = the community's district)


@dataclass
class _Dwelling:
    compound: str
    slot: tuple[int, ...]  # (building, entrance, floor, room) in town, (number,) in a village
    people: list[int] | None = None  # the people demo's household living there, if any


_URBAN_ADDRESS = re.compile(r"(\d+)号楼(\d+)单元(\d+)(\d\d)$")
_RURAL_ADDRESS = re.compile(r"(\d+)号$")


class _GridsPlanner:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not cryptography
        base = people_plan()
        self.plan = GridsPlan(people=list(base.people), known_people=len(base.people))
        self.ages = [person.age_on(REFERENCE_DATE) for person in base.people]
        self.member_of: dict[int, MemberPlan] = {member.person: member for member in base.members}
        self.used_numbers = {person.document_number for person in base.people}
        self.used_mobiles = {person.mobile for person in base.people if person.mobile}
        self.surnames, self.surname_weights = zip(*SURNAMES, strict=True)
        # The people demo's households, by community: household number -> person indexes.
        self.known_households: dict[str, dict[int, list[int]]] = defaultdict(dict)
        for index, person in enumerate(base.people):
            self.known_households[person.home[0]].setdefault(person.household, []).append(index)
        self.living: dict[str, list[int]] = defaultdict(list)  # people living in a community
        self.busy: set[int] = set()  # people already working a grid
        self.household_number = max((p.household for p in base.people), default=0)
        self.grid_worker_housed = False

    # Grids and households ------------------------------------------------------------------

    def run(self) -> GridsPlan:
        street_index = 0
        communities: list[tuple[CommunitySpec, bool]] = []
        for _district, _code, area_type, streets in DISTRICTS:
            for street in streets:
                for position, spec in enumerate(street.communities):
                    self.community(spec, rural=area_type == RURAL, place=(street_index, position))
                    communities.append((spec, area_type == RURAL))
                street_index += 1
                codes = {spec.name: spec.code for spec in street.communities}
                for community, kind, name, what in STREET_GRIDS[street.name]:
                    self.plan.grids.append(
                        GridPlan(
                            community=codes[community],
                            name=name,
                            code=f"{codes[community]}{'8' if kind == Kind.DEDICATED else '9'}01",
                            kind=kind,
                            area_type=area_type,
                            site=what if kind == Kind.DEDICATED else "",
                            topic=what if kind == Kind.SPECIAL else "",
                        )
                    )
        basic = [i for i, grid in enumerate(self.plan.grids) if grid.kind == Kind.BASIC]
        below = set(self.rng.sample(basic, max(3, round(len(basic) * BELOW_TARGET_SHARE))))
        for spec, rural in communities:
            self.community_staff(spec, rural=rural, below_target=below)
        return self.plan

    def community(self, spec: CommunitySpec, *, rural: bool, place: tuple[int, int]) -> None:
        dwellings = self.dwellings(spec, rural=rural)
        grid_number = 0
        for compound in spec.compounds:
            in_compound = sorted(
                (dwelling for dwelling in dwellings if dwelling.compound == compound),
                key=lambda dwelling: dwelling.slot,
            )
            target = TARGET_HOUSEHOLDS["rural" if rural else "urban"]
            grids = max(1, round(len(in_compound) / target))
            if (spec.name, compound) in UNSPLIT_COMPOUNDS:
                grids = 1
            for chunk in range(grids):
                grid_number += 1
                self.plan.grids.append(
                    GridPlan(
                        community=spec.code,
                        name=f"{spec.name}第{chinese_number(grid_number)}网格",
                        code=f"{spec.code}{grid_number:03d}",
                        kind=Kind.BASIC,
                        area_type=RURAL if rural else "urban",
                        compound=compound,
                        boundary=_boundary(place, grid_number),
                    )
                )
                start = len(in_compound) * chunk // grids
                end = len(in_compound) * (chunk + 1) // grids
                for dwelling in in_compound[start:end]:
                    self.household(spec, dwelling, grid=len(self.plan.grids) - 1, rural=rural)

    def dwellings(self, spec: CommunitySpec, *, rural: bool) -> list[_Dwelling]:
        """Every household's place: the people demo's homes first, then free ones."""
        rng = self.rng
        known: list[_Dwelling] = []
        for people in self.known_households[spec.code].values():
            first = self.plan.people[people[0]]
            compound = first.home[1]
            pattern = _RURAL_ADDRESS if rural else _URBAN_ADDRESS
            match = pattern.search(first.address)
            assert match is not None, first.address  # noqa: S101 - the people demo's format
            known.append(_Dwelling(compound, tuple(int(part) for part in match.groups()), people))
        total = HOUSEHOLDS_PER_COMMUNITY[spec.name]
        weights = [1.0 if rural else COMPOUND_WEIGHTS[i % 4] for i in range(len(spec.compounds))]
        shares = [total * weight / sum(weights) for weight in weights]
        counts = [math.floor(share) for share in shares]
        for i in sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])[
            : total - sum(counts)
        ]:
            counts[i] += 1  # largest remainders
        result = list(known)
        for i, (compound, count) in enumerate(zip(spec.compounds, counts, strict=True)):
            taken = {dwelling.slot for dwelling in known if dwelling.compound == compound}
            slots: list[tuple[int, ...]]
            if rural:
                slots = [(number,) for number in range(1, max(160, math.ceil(count * 1.3)) + 1)]
            else:
                slots = [
                    (building, entrance, floor, room)
                    for building in range(1, 6)
                    for entrance in range(1, ENTRANCES + 1)
                    for floor in range(1, FLOORS[i % 4] + 1)
                    for room in range(1, ROOMS_PER_FLOOR + 1)
                ]
            free = [slot for slot in slots if slot not in taken]
            chosen = rng.sample(free, max(0, count - len(taken)))
            result.extend(_Dwelling(compound, slot) for slot in sorted(chosen))
        return result

    def household(
        self, spec: CommunitySpec, dwelling: _Dwelling, *, grid: int, rural: bool
    ) -> None:
        rng = self.rng
        if rural:
            (number,) = dwelling.slot
            building, entrance, room = None, "", ""
            address = f"{spec.name}{dwelling.compound}{number}号"
            area = Decimal(rng.randrange(8000, 22000)) / 100
        else:
            building, entrance_number, floor, room_number = dwelling.slot
            entrance, room = str(entrance_number), f"{floor}{room_number:02d}"
            address = f"{dwelling.compound}{building}号楼{entrance}单元{room}"
            area = Decimal(rng.randrange(4500, 14000)) / 100
        home: UnitPath = (
            (spec.code, dwelling.compound)
            if rural
            else (spec.code, dwelling.compound, f"{building}号楼")
        )
        tenure: str
        if dwelling.people is not None:
            tenure = Household.Tenure.OWNED
            people = dwelling.people
            members = self.known_members(people)
        else:
            tenure = weighted(rng, RURAL_TENURE if rural else URBAN_TENURE)
            members = self.new_members(tenure=tenure, rural=rural)
            if spec.name == GRID_ACCOUNT_COMMUNITY and not self.grid_worker_housed:
                members = self.grid_worker_family()
                tenure = Household.Tenure.OWNED
                self.grid_worker_housed = True
            self.household_number += 1
            people = [
                self.person(member, spec=spec, address=address, home=home, rural=rural)
                for member in members
            ]
        moved_in = None
        if not rural:
            since = (2022, 2025) if tenure == Household.Tenure.RENTED else (1992, 2024)
            moved_in = dt.date(rng.randint(*since), rng.randint(1, 12), rng.randint(1, 28))
        residents = self.residents(people, members, moved_in=moved_in, rural=rural)
        self.plan.households.append(
            HouseholdPlan(
                grid=grid,
                community=spec.code,
                compound=dwelling.compound,
                building=building,
                entrance=entrance,
                room=room,
                address=address + ("" if rural else "室"),
                floor_area=area,
                tenure=tenure,
                residents=residents,
            )
        )
        self.living[spec.code].extend(r.person for r in residents if r.lives_here)

    # Residents ------------------------------------------------------------------------------

    def known_members(self, people: list[int]) -> list[_Member]:
        """Relations of a people-demo household, read from sexes and ages (its head first)."""
        plans = [self.plan.people[index] for index in people]
        head_age = plans[0].age_on(REFERENCE_DATE)
        members = [_Member(Resident.Relation.HEAD, plans[0].sex, head_age, "")]
        for position, person in enumerate(plans[1:], start=1):
            age = person.age_on(REFERENCE_DATE)
            if position == 1 and person.sex != plans[0].sex and abs(age - head_age) <= 12:
                relation = Resident.Relation.SPOUSE
            elif age <= head_age - 16:
                relation = Resident.Relation.CHILD
            elif age >= head_age + 16:
                relation = Resident.Relation.PARENT
            else:
                relation = Resident.Relation.RELATIVE
            members.append(_Member(relation, person.sex, age, ""))
        return members

    def new_members(self, *, tenure: str, rural: bool) -> list[_Member]:
        rng = self.rng
        if tenure == Household.Tenure.VACANT:
            if rng.random() >= VACANT_OWNER_REGISTERED:
                return []
            # The owner keeps the registration here and lives elsewhere (户在人不在).
            owner = _Member(
                Resident.Relation.HEAD,
                rng.choice(("male", "female")),
                rng.randint(35, 75),
                self.surname(),
                lives_here=False,
            )
            return [owner]
        kinds: Sequence[tuple[str, int]]
        if tenure == Household.Tenure.RENTED:
            kinds = TENANT_KINDS
        else:
            kinds = VILLAGE_KINDS if rural else OWNED_KINDS
        kind = weighted(rng, kinds)
        members = self.family(kind, tenants=tenure == Household.Tenure.RENTED)
        if tenure == Household.Tenure.RENTED:
            # Tenants mostly keep their registration where they come from (人在户不在).
            area = rng.choice(INCOMER_AREA_CODES)
            for member in members:
                if rng.random() < TENANT_REGISTERED_ELSEWHERE:
                    member.registered_here, member.area = False, area
            return members
        for member in members:
            if member.relation == Resident.Relation.CHILD and 18 <= member.age <= 30:
                member.lives_here = rng.random() >= ADULT_CHILD_AWAY
        if (
            rural
            and kind in ("family", "three_generations")
            and rng.random() < VILLAGE_PARENTS_AWAY
        ):
            for member in members:
                if member.relation in (Resident.Relation.HEAD, Resident.Relation.SPOUSE):
                    member.lives_here = member.age > 50
        return members

    def family(self, kind: str, *, tenants: bool = False) -> list[_Member]:
        """The people of a household of ``kind``; children take the father's surname."""
        rng = self.rng
        head, spouse, child, parent = (
            Resident.Relation.HEAD,
            Resident.Relation.SPOUSE,
            Resident.Relation.CHILD,
            Resident.Relation.PARENT,
        )
        family = self.surname()
        if kind == "elderly_single":
            sex = rng.choices(("female", "male"), (65, 35))[0]
            return [_Member(head, sex, rng.randint(63, 95), family)]
        if kind == "elderly_couple":
            husband = rng.randint(62, 93)
            return [
                _Member(head, "male", husband, family),
                _Member(spouse, "female", max(60, husband - rng.randint(0, 5)), self.surname()),
            ]
        if kind == "single":
            ages = (20, 40) if tenants else (22, 58)
            return [_Member(head, rng.choice(("male", "female")), rng.randint(*ages), family)]
        if tenants:
            father = rng.randint(24, 45)
        elif kind == "three_generations":
            father = rng.randint(28, 45)
        else:
            father = rng.randint(25, 58)
        mother = max(22, father - rng.randint(-1, 5))
        members = [_Member(head, "male", father, family), _Member(spouse, "female", mother, "")]
        members[1].surname = self.surname()
        if kind in ("family", "three_generations"):
            oldest_child = max(1, min(30, mother - 22))
            for _child in range(rng.choices((1, 2, 3), (60, 34, 6))[0]):
                sex = rng.choice(("male", "female"))
                members.append(_Member(child, sex, rng.randint(0, oldest_child), family))
        if kind == "three_generations":
            grandfather = min(95, father + rng.randint(24, 32))
            grandmother = min(95, grandfather - rng.randint(0, 4))
            if rng.random() < 0.6:
                members.append(_Member(parent, "male", grandfather, family))
            members.append(_Member(parent, "female", grandmother, self.surname()))
        return members

    def grid_worker_family(self) -> list[_Member]:
        """The household of the demo grid worker 张强 (the ``grid`` account)."""
        return [
            _Member(Resident.Relation.HEAD, "male", 36, "张", name=GRID_ACCOUNT_PERSON),
            _Member(Resident.Relation.SPOUSE, "female", 34, self.surname()),
            _Member(Resident.Relation.CHILD, "female", 7, "张"),
        ]

    def residents(
        self,
        people: Sequence[int],
        members: Sequence[_Member],
        *,
        moved_in: dt.date | None,
        rural: bool,
    ) -> tuple[ResidentPlan, ...]:
        """Relations, 人户分离 and care tags of one household's people."""
        rng = self.rng
        living = [member for member in members if member.lives_here]
        low_income = rng.random() < SUBSISTENCE_HOUSEHOLDS
        parents_away = any(
            not member.lives_here
            and member.relation in (Resident.Relation.HEAD, Resident.Relation.SPOUSE)
            for member in members
        )
        result = []
        for index, member in zip(people, members, strict=True):
            tags: set[str] = set()
            age = member.age
            if member.lives_here:
                if len(living) == 1 and age >= 60:
                    tags.add("lives_alone_elderly")
                    if rng.random() < 0.06:
                        tags.add("extreme_hardship")
                elif len(living) >= 2 and all(m.age >= 60 for m in living) and rng.random() < 0.6:
                    tags.add("empty_nest_elderly")
                if low_income:
                    tags.add("subsistence_allowance")
                if rng.random() < (0.015 if age < 60 else 0.045):
                    tags.add("disabled")
                if member.sex == "male" and age >= 70 and rng.random() < 0.05:
                    tags.add("entitled_group")
                if age >= 40 and rng.random() < 0.01:
                    tags.add("serious_illness")
                if age < 16 and rural and parents_away:
                    tags.add("left_behind_child")
                elif age < 16 and rng.random() < 0.004:
                    tags.add("child_in_difficulty")
            restricted: tuple[str, ...] = ()
            if 18 <= age <= 70 and rng.random() < RESTRICTED_SHARE:
                restricted = (weighted(rng, RESTRICTED_TAGS),)
            birth = self.plan.people[index].birth_date
            result.append(
                ResidentPlan(
                    person=index,
                    relation=member.relation,
                    registered_here=member.registered_here,
                    lives_here=member.lives_here,
                    care_tags=tuple(sorted(tags)),
                    restricted_tags=restricted,
                    moved_in_on=max(moved_in, birth) if moved_in else None,
                )
            )
        return tuple(result)

    # People ---------------------------------------------------------------------------------

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.surname_weights)[0]

    def person(
        self, member: _Member, *, spec: CommunitySpec, address: str, home: UnitPath, rural: bool
    ) -> int:
        rng = self.rng
        birth = dt.date(REFERENCE_DATE.year - member.age - 1, 1, 2) + dt.timedelta(
            days=rng.randrange(364)
        )
        given = rng.choice(GIVEN_NAMES[(_generation(birth), member.sex)])
        name = member.name or member.surname + given
        elderly = member.age >= 60
        landline = ""
        if member.age >= 18 and rng.random() < (0.4 if elderly else 0.06):
            landline = f"0315-{'5' if rural else '2'}{rng.randrange(10**6):06d}"
        self.ages.append(member.age)
        self.plan.people.append(
            PersonPlan(
                name=name,
                sex=member.sex,
                birth_date=birth,
                document_number=self.resident_id(member.area or spec.code[:6], birth, member.sex),
                mobile=self.mobile(member.age),
                landline=landline,
                address=address,
                home=home,
                rural=rural,
                household=self.household_number,
            )
        )
        return len(self.plan.people) - 1

    def resident_id(self, area: str, birth: dt.date, sex: str) -> str:
        while True:
            sequence = self.rng.randrange(100) * 10 + self.rng.randrange(5) * 2
            sequence += 1 if sex == "male" else 0  # odd for men, even for women
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_character(first17)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def mobile(self, age: int) -> str:
        share = next(share for below, share in MOBILE_SHARE_BY_AGE if age < below)
        if self.rng.random() >= share:
            return ""
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if number not in self.used_mobiles:
                self.used_mobiles.add(number)
                return number

    # Staff ----------------------------------------------------------------------------------

    def community_staff(self, spec: CommunitySpec, *, rural: bool, below_target: set[int]) -> None:
        """Staff of every grid of the community: one full-time worker with an account, part-time
        party members, residents' representatives and volunteers; the head is a party member
        wherever the grid has one."""
        rng = self.rng
        grids = [i for i, grid in enumerate(self.plan.grids) if grid.community == spec.code]
        grid_worker = None
        if spec.name == GRID_ACCOUNT_COMMUNITY:
            grid_worker = next(
                index
                for index in self.living[spec.code]
                if self.plan.people[index].name == GRID_ACCOUNT_PERSON
            )
            self.new_member(grid_worker, spec=spec, rural=rural, full_time=True)
            self.busy.add(grid_worker)
        for number, grid_index in enumerate(grids, start=1):
            grid = self.plan.grids[grid_index]
            if grid.kind == Kind.BASIC:
                size = weighted(rng, STAFF_SIZES)
                party = (size - 1) // 2 if grid_index in below_target else math.ceil(0.6 * size)
            else:
                size, party = 3, 2
            account = f"{community_pinyin(spec.name)}{number:02d}"
            if grid_worker is not None and number <= GRID_ACCOUNT_GRIDS:
                full_time, account = grid_worker, GRID_ACCOUNT
                full_time_party = True
            else:
                full_time_party = party > 0 and rng.random() < FULL_TIME_PARTY_SHARE
                full_time = self.pick(spec, rural=rural, party=full_time_party, ages=(24, 50))
            if number == GRID_ACCOUNT_GRIDS and grid_worker is not None:
                full_time_party = False  # 张强 works this grid; a party member heads it
            part_timers = [
                (self.pick(spec, rural=rural, party=True, ages=(25, 70)), True)
                for _slot in range(party - int(full_time_party))
            ]
            part_timers += [
                (self.pick(spec, rural=rural, party=False, ages=(25, 68)), False)
                for _slot in range(size - 1 - len(part_timers))
            ]
            head = full_time if full_time_party or not part_timers[0][1] else part_timers[0][0]
            started = self.started_on(full_time, since=(2019, 2025))
            if account == GRID_ACCOUNT:
                started = dt.date(2023, 3, 1) if number == 1 else dt.date(2024, 9, 1)
            elif not any(a.username == account for a in self.plan.accounts):
                self.plan.accounts.append(
                    AccountPlan(account, self.plan.people[full_time].name, spec.code)
                )
            self.plan.staff.append(
                StaffPlan(
                    grid=grid_index,
                    person=full_time,
                    role=GridStaff.Role.HEAD if head == full_time else GridStaff.Role.WORKER,
                    employment=GridStaff.Employment.FULL_TIME,
                    background=GridStaff.Background.COMMUNITY_STAFF,
                    account=account,
                    started_on=started,
                )
            )
            for person, is_party in part_timers:
                background = (
                    GridStaff.Background.PARTY_MEMBER
                    if is_party
                    else rng.choices(
                        (
                            GridStaff.Background.RESIDENTS_REPRESENTATIVE,
                            GridStaff.Background.VOLUNTEER,
                        ),
                        (60, 40),
                    )[0]
                )
                self.plan.staff.append(
                    StaffPlan(
                        grid=grid_index,
                        person=person,
                        role=GridStaff.Role.HEAD if head == person else GridStaff.Role.WORKER,
                        employment=GridStaff.Employment.PART_TIME,
                        background=background,
                        account="",
                        started_on=self.started_on(person, since=(2020, 2025)),
                    )
                )

    def pick(self, spec: CommunitySpec, *, rural: bool, party: bool, ages: tuple[int, int]) -> int:
        """Someone living in the community, of the right age, not yet working a grid: a party
        member (a new one if no member is left) or not."""

        def fits(index: int) -> bool:
            return index not in self.busy and ages[0] <= self.ages[index] <= ages[1]

        members = [
            index
            for index in self.living[spec.code]
            if fits(index)
            and index in self.member_of
            and self.member_of[index].status != PartyMember.Status.FLOATING
        ]
        others = [i for i in self.living[spec.code] if fits(i) and i not in self.member_of]
        if party and members:
            chosen = self.rng.choice(members)
        else:
            chosen = self.rng.choice(others)
            if party:
                self.new_member(chosen, spec=spec, rural=rural, full_time=ages[1] <= 50)
        self.busy.add(chosen)
        return chosen

    def new_member(self, index: int, *, spec: CommunitySpec, rural: bool, full_time: bool) -> None:
        """Make a planned person a full party member (new to the people demo's ledger)."""
        rng = self.rng
        person = self.plan.people[index]
        age = person.age_on(REFERENCE_DATE)
        joining_age = min(age - 2, int(rng.triangular(18, 40, 24)))
        joined = _add_years(person.birth_date, joining_age) + dt.timedelta(days=rng.randrange(300))
        joined = min(joined, REFERENCE_DATE - dt.timedelta(days=400))
        community: UnitPath = (spec.code,)
        if age >= (60 if person.sex == "male" else 55):
            member = MemberPlan(
                index,
                person.home[:2],
                PartyMember.Status.RETIRED,
                PartyMember.Membership.FULL,
                joined,
            )
        else:
            employer = (
                f"{spec.name}{'村' if rural else '居'}民委员会"
                if full_time
                else rng.choice(EMPLOYERS_RURAL if rural else EMPLOYERS_URBAN)
            )
            registered = max(joined, dt.date(2019, 3, 1)) + dt.timedelta(days=rng.randrange(700))
            member = MemberPlan(
                index,
                community,
                PartyMember.Status.IN_SERVICE,
                PartyMember.Membership.FULL,
                joined,
                home_community=community,
                employer=employer,
                dual_registered_on=min(registered, REFERENCE_DATE - dt.timedelta(days=10)),
                # Community staff belong to the community's party organisation.
                employer_party_org=EMPLOYER_PARTY_ORGS.get(employer, ""),
            )
        self.member_of[index] = member
        self.plan.members.append(member)

    def started_on(self, person: int, *, since: tuple[int, int]) -> dt.date:
        rng = self.rng
        started = dt.date(rng.randint(*since), rng.randint(1, 12), rng.randint(1, 28))
        started = max(started, _add_years(self.plan.people[person].birth_date, 18))
        return min(started, REFERENCE_DATE)


def _boundary(place: tuple[int, int], grid_number: int) -> dict[str, Any]:
    """A small rectangle for a basic grid, laid out four grids to a row per community; the
    communities of a street side by side in one band, the streets one below the other (so a
    street, and a district, covers one piece of the map)."""
    street, position = place
    row, column = divmod(grid_number - 1, 4)
    west = ORIGIN[0] + position * 5 * CELL[0] + column * CELL[0]
    north = ORIGIN[1] - street * 4 * CELL[1] - row * CELL[1]
    east, south = west + CELL[0], north - CELL[1]
    ring = [[west, north], [east, north], [east, south], [west, south], [west, north]]
    return {
        "type": "Polygon",
        "coordinates": [[[round(lon, 6), round(lat, 6)] for lon, lat in ring]],
    }


def grids_plan(seed: int = GRIDS_SEED) -> GridsPlan:
    """The demo grids, households, residents, party members and staff: a pure function of
    ``seed`` (and of the people demo's plan, whose people it houses)."""
    return _GridsPlanner(seed).run()
