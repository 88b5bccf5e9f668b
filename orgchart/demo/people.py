"""Demo people, party members and posts for the demo tree (part of ``seed_demo``)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction

from governance.identity import check_character
from orgchart import services
from orgchart.demo.tree import (
    BUILDINGS_PER_COMPOUND,
    CITY,
    DISTRICTS,
    RURAL,
    URBAN,
    CommunitySpec,
    Kind,
    _party_org_name,
)
from orgchart.models import UNIQUE_POSTS, OrgUnit, PartyMember, Person, Post

# --- People, party members and posts ------------------------------------------------------

PEOPLE_SEED = 20_240_701
# Ages and dates are planned against a fixed day, not today: a run next year must plan the very
# same people (same ID numbers), or it would not be idempotent.
REFERENCE_DATE = dt.date(2026, 1, 1)
# People per community; the rest of the urban communities get DEFAULT_URBAN_PEOPLE.
PEOPLE_PER_COMMUNITY = {"光明社区": 96, "石桥村": 28, "柳树村": 20, "王家庄村": 20}
DEFAULT_URBAN_PEOPLE = 42
PARTY_MEMBERS = 150

# Common surnames with their share in per mille (national figures, rounded), and a few
# two-character ones (复姓), over-weighted so that the demo shows some.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71.2), ("李", 70.0), ("张", 67.4), ("刘", 51.0), ("陈", 46.1), ("杨", 32.2),
    ("黄", 24.5), ("赵", 22.9), ("吴", 20.5), ("周", 19.8), ("徐", 16.8), ("孙", 15.4),
    ("马", 14.5), ("朱", 12.9), ("胡", 12.8), ("郭", 12.6), ("何", 11.8), ("林", 11.3),
    ("罗", 10.5), ("高", 10.3), ("郑", 9.5), ("梁", 8.9), ("谢", 8.4), ("宋", 7.8),
    ("唐", 7.7), ("许", 7.3), ("韩", 7.0), ("冯", 6.7), ("邓", 6.6), ("曹", 6.3),
    ("彭", 5.9), ("曾", 5.8), ("肖", 5.7), ("田", 5.5), ("董", 5.3), ("袁", 5.2),
    ("潘", 4.9), ("于", 4.9), ("蒋", 4.8), ("蔡", 4.7), ("余", 4.6), ("杜", 4.5),
    ("叶", 4.4), ("程", 4.3), ("苏", 4.2), ("魏", 4.1), ("吕", 4.0), ("丁", 3.9),
    ("任", 3.8), ("沈", 3.7), ("姚", 3.6), ("卢", 3.5), ("姜", 3.4), ("崔", 3.3),
    ("钟", 3.2), ("谭", 3.1), ("陆", 3.0), ("汪", 2.9), ("范", 2.8), ("金", 2.7),
    ("石", 2.6), ("廖", 2.5), ("贾", 2.5), ("夏", 2.4), ("付", 2.3), ("方", 2.3),
    ("白", 2.2), ("邹", 2.2), ("孟", 2.1), ("熊", 2.1), ("秦", 2.0), ("邱", 2.0),
    ("江", 2.0), ("尹", 1.9), ("薛", 1.9), ("闫", 1.8), ("段", 1.8), ("雷", 1.8),
    ("侯", 1.7), ("龙", 1.7), ("史", 1.7), ("陶", 1.6), ("贺", 1.6), ("顾", 1.5),
    ("毛", 1.5), ("郝", 1.5), ("龚", 1.4), ("邵", 1.4), ("万", 1.4), ("钱", 1.3),
    ("严", 1.3), ("武", 1.3), ("戴", 1.2), ("孔", 1.2), ("汤", 1.1),
    ("欧阳", 4.0), ("司马", 2.0), ("上官", 1.5), ("诸葛", 1.0), ("皇甫", 1.0), ("东方", 1.0),
)  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names by generation (birth year) and sex, one or two characters, as they were given.
GIVEN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("before_1960", "male"): _words(
        "建国 建华 建军 国庆 国强 国栋 卫国 卫东 德胜 德明 志明 振华 振兴 福生 长山 树林 宝山 "
        "玉林 文生 永福 学军 红旗 跃进 援朝 胜利 金贵 庆丰 凤山 占元 殿臣 玉堂 万里 华 明 山 "
        "林 忠 海"
    ),
    ("before_1960", "female"): _words(
        "秀英 桂英 秀兰 玉兰 桂兰 淑珍 淑兰 凤英 玉珍 桂芳 秀珍 玉梅 素芬 淑贞 翠花 玉芬 凤兰 "
        "桂珍 秀芳 兰英 金凤 淑英 玉英 秀云 英 兰 珍 芳"
    ),
    ("1960s_1980s", "male"): _words(
        "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宁 亮 建平 志强 海涛 永强 晓东 "
        "立新 红军 文斌 志刚 海军 建新 晓明 国华 春生 建忠 卫华 东升 宏伟 俊峰 立军"
    ),
    ("1960s_1980s", "female"): _words(
        "丽 静 敏 燕 艳 娟 霞 芳 玲 红 梅 莉 萍 颖 丹 雪 慧 晶 海燕 丽娟 红梅 艳红 秀梅 晓燕 "
        "丽华 春燕 雪梅 丽萍 晓红 美玲 翠萍 淑芬 彩霞 红霞 桂香 亚楠 晓丽 凤霞"
    ),
    ("1990s_2000s", "male"): _words(
        "浩 宇 鹏 帅 博 凯 旭 航 晨 昊 子豪 浩然 宇航 俊杰 博文 天宇 子轩 浩宇 明轩 一鸣 家豪 "
        "志远 嘉伟 鑫磊 晨阳 文博 宇飞 泽宇 思远 佳乐"
    ),
    ("1990s_2000s", "female"): _words(
        "婷 雪 琳 欣 悦 倩 璐 佳 妍 蕾 婷婷 欣怡 佳怡 思雨 雨婷 梦瑶 晓雪 佳琪 雨欣 心怡 诗琪 "
        "梦琪 文静 慧敏 紫涵 佳慧 思佳 雅琪 梦洁 雨晴"
    ),
    ("since_2010", "male"): _words(
        "子轩 浩宇 宇轩 梓豪 沐宸 浩然 一诺 俊熙 奕辰 梓睿 宇泽 皓轩 子墨 睿泽 铭泽 博涵 景行 "
        "煜祺 锦程 嘉懿 轩 睿 航 宸"
    ),
    ("since_2010", "female"): _words(
        "梓涵 一诺 欣怡 子涵 雨桐 可馨 诗涵 梓萱 若汐 语桐 依诺 思彤 雨涵 芷若 梦琪 佳琪 米乐 "
        "安琪 悦溪 沐瑶 诗琪 可欣 萱 彤 妍"
    ),
}

# Household make-up: (kind, weight). Elderly households are common in old compounds.
HOUSEHOLD_KINDS: tuple[tuple[str, int], ...] = (
    ("elderly_single", 12),  # 独居老人
    ("elderly_couple", 20),
    ("single", 9),
    ("couple", 12),
    ("family", 35),
    ("three_generations", 12),
)
# Who has a mobile, by age (under 6: nobody; the oldest less often): (below this age, share).
MOBILE_SHARE_BY_AGE = ((6, 0.0), (12, 0.5), (16, 0.9), (75, 0.995), (85, 0.9), (200, 0.7))
MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
)
EMPLOYERS_URBAN = _words(
    "云阳区住房和城乡建设局 云阳区城市管理综合行政执法局 云阳区民政局 云阳区市场监督管理局 "
    "云阳区人民医院 云阳区实验小学 云州市第一中学 云州市中心医院 云州市税务局云阳分局 "
    "国网云州供电公司 中国移动云州分公司 云州银行东城支行 云州钢铁集团有限公司 云州市自来水公司"
)
EMPLOYERS_RURAL = _words(
    "青山县人民政府 青山镇人民政府 青山镇中心小学 青山县人民医院 青山县农业农村局 "
    "国网青山县供电公司"
)
# An in-service member's own party organisation is their employer's (组织关系在单位).
EMPLOYER_PARTY_ORGS = {
    "云阳区住房和城乡建设局": "中共云阳区住房和城乡建设局机关委员会",
    "云阳区城市管理综合行政执法局": "中共云阳区城市管理综合行政执法局机关委员会",
    "云阳区民政局": "中共云阳区民政局机关支部委员会",
    "云阳区市场监督管理局": "中共云阳区市场监督管理局机关委员会",
    "云阳区人民医院": "中共云阳区人民医院委员会",
    "云阳区实验小学": "中共云阳区实验小学支部委员会",
    "云州市第一中学": "中共云州市第一中学委员会",
    "云州市中心医院": "中共云州市中心医院委员会",
    "云州市税务局云阳分局": "中共云州市税务局云阳分局委员会",
    "国网云州供电公司": "中共国网云州供电公司委员会",
    "中国移动云州分公司": "中共中国移动云州分公司委员会",
    "云州银行东城支行": "中共云州银行东城支行支部委员会",
    "云州钢铁集团有限公司": "中共云州钢铁集团有限公司委员会",
    "云州市自来水公司": "中共云州市自来水公司委员会",
    "青山县人民政府": "中共青山县人民政府机关委员会",
    "青山镇人民政府": "中共青山镇机关支部委员会",
    "青山镇中心小学": "中共青山镇中心小学支部委员会",
    "青山县人民医院": "中共青山县人民医院委员会",
    "青山县农业农村局": "中共青山县农业农村局机关支部委员会",
    "国网青山县供电公司": "中共国网青山县供电公司委员会",
}
# Deliberate vacancies (the demo shows how vacancies look): a weak community without a
# secretary, a village without its chief grid head. Compounds and buildings get a few more
# from the seeded generator.
VACANT_POSTS = {("友谊社区", Post.Kind.SECRETARY), ("柳树村", Post.Kind.CHIEF_GRID_HEAD)}
# Posts for party members go to members of some standing: the terms start from 2021.
PARTY_POSTS_NEED_MEMBERS_SINCE = dt.date(2019, 1, 1)
# Villages with a first secretary stationed from above (驻村第一书记).
FIRST_SECRETARY_VILLAGES = ("柳树村", "王家庄村")
# The secretaries of the upper levels and the functional branches that have one.
UPPER_SECRETARIES = ("云州市", "云阳区", "青山县", "东城街道", "西城街道", "南湖街道", "青山镇")
BRANCH_SECRETARIES = ("光明社区下沉党员功能型党支部", "和平社区物业服务企业联合党支部")

# A unit: the division code of a unit down to community level, then child names below it.
UnitPath = tuple[str, ...]


@dataclass(frozen=True)
class PersonPlan:
    """One planned resident. The plan holds plain numbers; they reach the database only
    through ``person_register``, which seals them."""

    name: str
    sex: str
    birth_date: dt.date
    document_number: str
    mobile: str
    landline: str
    address: str
    home: UnitPath  # where the person is registered: a building, or a villagers' group
    rural: bool  # lives in a village
    household: int  # people of one household share it (and their address)

    def age_on(self, day: dt.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


@dataclass(frozen=True)
class MemberPlan:
    person: int  # index into PeoplePlan.people
    organisation: UnitPath
    status: str
    membership: str
    joined_on: dt.date
    home_community: UnitPath | None = None
    employer: str = ""
    dual_registered_on: dt.date | None = None
    employer_party_org: str = ""


@dataclass(frozen=True)
class PostPlan:
    unit: UnitPath
    kind: str
    person: int
    started_on: dt.date


@dataclass
class PeoplePlan:
    people: list[PersonPlan] = field(default_factory=list)
    members: list[MemberPlan] = field(default_factory=list)
    posts: list[PostPlan] = field(default_factory=list)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def _generation(birth: dt.date) -> str:
    if birth.year < 1960:
        return "before_1960"
    if birth.year < 1990:
        return "1960s_1980s"
    if birth.year < 2010:
        return "1990s_2000s"
    return "since_2010"


def _retired(person: PersonPlan) -> bool:
    return person.age_on(REFERENCE_DATE) >= (60 if person.sex == "male" else 55)


class _PeoplePlanner:
    """Plans the demo people from a seeded generator only: the same seed, the same plan."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not cryptography
        self.plan = PeoplePlan()
        self.used_numbers: set[str] = set()
        self.used_mobiles: set[str] = set()
        self.used_addresses: set[str] = set()
        self.surnames, self.surname_weights = zip(*SURNAMES, strict=True)
        self.households = 0
        self.households_by_building: dict[UnitPath, list[int]] = defaultdict(
            lambda: [0] * BUILDINGS_PER_COMPOUND
        )
        # Filled by posts(): membership by person, people leading a unit, residents by unit.
        self.member_of: dict[int, MemberPlan] = {}
        self.leading: set[int] = set()
        self.building_heads: set[int] = set()  # one building each; they may lead a unit too
        self.residents: dict[UnitPath, list[int]] = defaultdict(list)

    # People ---------------------------------------------------------------------------------

    def people(self) -> None:
        for _district, _code, area_type, streets in DISTRICTS:
            for street in streets:
                for community in street.communities:
                    quota = PEOPLE_PER_COMMUNITY.get(community.name, DEFAULT_URBAN_PEOPLE)
                    self.community_people(community, area_type, quota)

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.surname_weights)[0]

    def household_members(self) -> list[tuple[str, int, str]]:
        """(sex, age, surname) of each member; children take the father's surname."""
        rng = self.rng
        kind = rng.choices(*zip(*HOUSEHOLD_KINDS, strict=True))[0]
        family = self.surname()
        if kind == "elderly_single":
            return [(rng.choices(("female", "male"), (65, 35))[0], rng.randint(65, 95), family)]
        if kind == "elderly_couple":
            husband = rng.randint(62, 93)
            return [
                ("male", husband, family),
                ("female", max(60, husband - rng.randint(0, 5)), self.surname()),
            ]
        if kind == "single":
            return [(rng.choice(("male", "female")), rng.randint(22, 58), family)]
        father = rng.randint(28, 45) if kind == "three_generations" else rng.randint(25, 58)
        mother = max(23, father - rng.randint(-1, 5))
        members = [("male", father, family), ("female", mother, self.surname())]
        if kind in ("family", "three_generations"):
            oldest_child = min(28, mother - 22)
            for _child in range(rng.choices((1, 2), (75, 25))[0]):
                members.append(
                    (rng.choice(("male", "female")), rng.randint(1, oldest_child), family)
                )
        if kind == "three_generations":
            grandfather = min(95, father + rng.randint(24, 32))
            grandmother = min(95, grandfather - rng.randint(0, 4))
            if rng.random() < 0.6:
                members.append(("male", grandfather, family))
            members.append(("female", grandmother, self.surname()))
        return members

    def community_people(self, community: CommunitySpec, area_type: str, quota: int) -> None:
        rng = self.rng
        start = len(self.plan.people)
        people_by_compound = [0] * len(community.compounds)
        while len(self.plan.people) - start < quota:
            self.households += 1
            # The least populated compound, so that every compound has people to lead it.
            fewest = min(people_by_compound)
            compound_index = rng.choice(
                [index for index, count in enumerate(people_by_compound) if count == fewest]
            )
            compound = community.compounds[compound_index]
            address = ""
            if area_type == URBAN:
                # The emptiest building of the compound, so that most buildings have residents.
                filled = self.households_by_building[(community.code, compound)]
                fewest = min(filled)
                building = rng.choice([n for n, count in enumerate(filled, 1) if count == fewest])
                filled[building - 1] += 1
                floors = (6, 6, 11, 18)[compound_index % 4]
                while not address or address in self.used_addresses:
                    address = (
                        f"{compound}{building}号楼{rng.randint(1, 3)}单元"
                        f"{rng.randint(1, floors)}{rng.randint(1, 2):02d}"
                    )
                home: UnitPath = (community.code, compound, f"{building}号楼")
                landline_prefix = "0315-2"
            else:
                while not address or address in self.used_addresses:
                    address = f"{community.name}{compound}{rng.randint(1, 160)}号"
                home = (community.code, compound)
                landline_prefix = "0315-5"
            self.used_addresses.add(address)
            members = self.household_members()
            people_by_compound[compound_index] += len(members)
            elderly = min(age for _sex, age, _surname in members) >= 60
            has_landline = rng.random() < (0.45 if elderly else 0.08)
            landline = f"{landline_prefix}{rng.randrange(10**6):06d}" if has_landline else ""
            guardian_mobile = ""
            for sex, age, surname in members[: quota - (len(self.plan.people) - start)]:
                mobile = self.mobile(age)
                if age >= 18:
                    guardian_mobile = guardian_mobile or mobile
                elif not mobile and guardian_mobile and rng.random() < 0.5:
                    mobile = guardian_mobile  # a child's contact number is a parent's
                birth = dt.date(REFERENCE_DATE.year - age - 1, 1, 2) + dt.timedelta(
                    days=rng.randrange(364)
                )
                given = rng.choice(GIVEN_NAMES[(_generation(birth), sex)])
                self.plan.people.append(
                    PersonPlan(
                        name=surname + given,
                        sex=sex,
                        birth_date=birth,
                        document_number=self.resident_id(community.code[:6], birth, sex),
                        mobile=mobile,
                        landline=landline if age >= 18 else "",
                        address=address,
                        home=home,
                        rural=area_type == RURAL,
                        household=self.households,
                    )
                )

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

    # Party members --------------------------------------------------------------------------

    def members(self) -> None:
        """About PARTY_MEMBERS adults, older ones and men more often (as in the party)."""
        rng = self.rng
        keys = []
        for index, person in enumerate(self.plan.people):
            age = person.age_on(REFERENCE_DATE)
            if age < 20:
                continue
            weight = (1.0 if age < 35 else 1.3 if age < 60 else 1.8) * (
                1.6 if person.sex == "male" else 1.0
            )
            keys.append((rng.random() ** (1 / weight), index))  # weighted sampling
        chosen = sorted(index for _key, index in sorted(keys, reverse=True)[:PARTY_MEMBERS])
        for index in chosen:
            self.plan.members.append(self.member(index))

    def member(self, index: int) -> MemberPlan:
        rng = self.rng
        person = self.plan.people[index]
        age = person.age_on(REFERENCE_DATE)
        community: UnitPath = person.home[:1]
        branch: UnitPath = person.home[:2] if len(person.home) > 2 else community
        if age < 40 and rng.random() < 0.2:
            membership = PartyMember.Membership.PROBATIONARY
            joined = REFERENCE_DATE - dt.timedelta(days=rng.randint(30, 330))
        else:
            membership = PartyMember.Membership.FULL
            joining_age = min(age - 2, int(rng.triangular(18, 45, 24)))
            joined = _add_years(person.birth_date, joining_age) + dt.timedelta(
                days=rng.randrange(300)
            )
        if _retired(person):
            return MemberPlan(index, branch, PartyMember.Status.RETIRED, membership, joined)
        if age <= 50 and rng.random() < 0.12:  # 流动党员: working away from home
            return MemberPlan(index, branch, PartyMember.Status.FLOATING, membership, joined)
        registered = max(joined, dt.date(2019, 3, 1)) + dt.timedelta(days=rng.randrange(700))
        employer = rng.choice(EMPLOYERS_RURAL if person.rural else EMPLOYERS_URBAN)
        return MemberPlan(
            index,
            community,
            PartyMember.Status.IN_SERVICE,
            membership,
            joined,
            home_community=community,
            employer=employer,
            dual_registered_on=min(registered, REFERENCE_DATE - dt.timedelta(days=10)),
            employer_party_org=EMPLOYER_PARTY_ORGS[employer],
        )

    # Posts ----------------------------------------------------------------------------------

    def posts(self) -> None:
        """Secretaries and grid heads for most units, a few vacancies, some central households
        and supervisors. Secretaries are full party members; one person leads one unit and
        heads at most one building."""
        self.member_of = {member.person: member for member in self.plan.members}
        for index, person in enumerate(self.plan.people):
            for depth in range(1, len(person.home) + 1):
                self.residents[person.home[:depth]].append(index)
        units = {name: (code, kind) for name, code, kind in _upper_units()}
        urban_in_service = [
            member.person
            for member in self.plan.members
            if member.status == PartyMember.Status.IN_SERVICE
            and not self.plan.people[member.person].rural
        ]
        for name in UPPER_SECRETARIES:
            code, kind = units[name]
            holder = self.pick(urban_in_service, ages=(45, 58))
            self.fill((code,), Post.Kind.SECRETARY, holder, since=(2021, 2022))
            party_org = _party_org_name(name, kind)[0]
            self.employ(holder, party_org, party_org)
        for _district, _code, area_type, streets in DISTRICTS:
            for street in streets:
                for community in street.communities:
                    self.community_posts(community, rural=area_type == RURAL)
        for village in FIRST_SECRETARY_VILLAGES:  # cadres stationed from town
            holder = self.pick(urban_in_service, ages=(28, 50))
            self.fill((units[village][0],), Post.Kind.FIRST_SECRETARY, holder, since=(2023, 2024))

    def community_posts(self, spec: CommunitySpec, *, rural: bool) -> None:
        rng = self.rng
        community: UnitPath = (spec.code,)
        residents = self.residents[community]
        secretary = None
        if (spec.name, Post.Kind.SECRETARY) not in VACANT_POSTS:
            # A town community's secretary is a full-time cadre (in service); a village's may be
            # older. Failing that, any full member of working age.
            secretary = self.pick(
                residents, statuses=() if rural else ("in_service",), ages=(32, 66 if rural else 58)
            )
            if secretary is None:
                secretary = self.pick(residents, ages=(30, 65))
            self.fill(community, Post.Kind.SECRETARY, secretary, since=(2021, 2021))
            self.employ(secretary, f"{spec.name}{'村' if rural else '居'}民委员会")
        if (spec.name, Post.Kind.CHIEF_GRID_HEAD) not in VACANT_POSTS:
            # The community secretary is usually also the chief grid head (书记兼总网格长).
            chief = secretary if secretary is not None else self.pick(residents, ages=(30, 58))
            self.fill(community, Post.Kind.CHIEF_GRID_HEAD, chief, since=(2021, 2022))
            self.employ(chief, f"{spec.name}{'村' if rural else '居'}民委员会")
        for compound in spec.compounds:
            path: UnitPath = (spec.code, compound)
            if rng.random() < 0.92:
                # A party member of the compound, else one living elsewhere in the community.
                holder = self.pick(self.residents[path], residents, ages=(30, 80))
                self.fill(path, Post.Kind.SECRETARY, holder)
            if rng.random() < 0.92:
                holder = self.pick_preferring_members(
                    self.residents[path], residents, ages=(28, 62)
                )
                self.fill(path, Post.Kind.AREA_GRID_HEAD, holder)
            for number in range(1, BUILDINGS_PER_COMPOUND + 1):
                building: UnitPath = (*path, f"{number}号楼")
                # Someone living in the building, else a neighbour from the compound (villagers'
                # groups register their people by group, not by building).
                if rng.random() < 0.95:
                    holder = self.pick_preferring_members(
                        self.residents[building],
                        self.residents[path],
                        ages=(25, 80),
                        busy=self.building_heads,
                    )
                    self.fill(building, Post.Kind.BUILDING_HEAD, holder, since=(2018, 2025))
                if not rural and rng.random() < 0.3:
                    holder = self.pick(self.residents[building], ages=(30, 88), busy=set())
                    self.fill(building, Post.Kind.CENTRAL_HOUSEHOLD, holder, since=(2019, 2025))
        for branch_name, _branch_type in spec.branches:
            if branch_name in BRANCH_SECRETARIES:
                holder = self.pick(residents, statuses=("in_service",), ages=(28, 58))
                if holder is None:
                    holder = self.pick(residents, ages=(28, 65))
                self.fill((spec.code, branch_name), Post.Kind.SECRETARY, holder)
        # Supervisory committee members (监委会) from whoever is left: not every community has
        # recorded them.
        for _supervisor in range(rng.choice((0, 1, 2, 3, 3))):
            self.fill(community, Post.Kind.SUPERVISOR, self.pick(residents, ages=(40, 80)))

    def pick(
        self,
        *pools: Sequence[int],
        party: bool = True,
        statuses: tuple[str, ...] = (),
        ages: tuple[int, int] = (25, 75),
        busy: set[int] | None = None,
    ) -> int | None:
        """A candidate from the first pool that has one: of the right age, not away (floating
        members are), a full party member since before PARTY_POSTS_NEED_MEMBERS_SINCE unless
        ``party`` is False, not in ``busy`` (by default: the people who already lead a unit),
        then added to it. None: the post stays vacant."""
        busy = self.leading if busy is None else busy
        for candidates in pools:
            pool = []
            for index in candidates:
                member = self.member_of.get(index)
                if index in busy:
                    continue
                if not ages[0] <= self.plan.people[index].age_on(REFERENCE_DATE) <= ages[1]:
                    continue
                if member is not None and member.status == PartyMember.Status.FLOATING:
                    continue
                if party and (
                    member is None
                    or member.membership != PartyMember.Membership.FULL
                    or member.joined_on >= PARTY_POSTS_NEED_MEMBERS_SINCE
                ):
                    continue
                if statuses and (member is None or member.status not in statuses):
                    continue
                pool.append(index)
            if pool:
                chosen = self.rng.choice(pool)
                busy.add(chosen)
                return chosen
        return None

    def pick_preferring_members(
        self, *pools: Sequence[int], ages: tuple[int, int], busy: set[int] | None = None
    ) -> int | None:
        """A party member of the first pool, else anyone of it, else the next pool."""
        for candidates in pools:
            for party in (True, False):
                chosen = self.pick(candidates, party=party, ages=ages, busy=busy)
                if chosen is not None:
                    return chosen
        return None

    def employ(self, person: int | None, employer: str, party_org: str = "") -> None:
        """An in-service holder works where they lead (a street secretary for the street), and
        belongs to that unit's party organisation (``party_org``; "" for their community's)."""
        for position, member in enumerate(self.plan.members):
            if member.person == person and member.status == PartyMember.Status.IN_SERVICE:
                self.plan.members[position] = replace(
                    member, employer=employer, employer_party_org=party_org
                )
                self.member_of[member.person] = self.plan.members[position]

    def fill(
        self,
        unit: UnitPath,
        kind: str,
        person: int | None,
        *,
        since: tuple[int, int] = (2021, 2024),
    ) -> None:
        if person is None:
            return
        rng = self.rng
        started = dt.date(rng.randint(*since), rng.randint(1, 12), rng.randint(1, 28))
        member = self.member_of.get(person)
        if member is not None and kind != Post.Kind.BUILDING_HEAD:
            started = max(started, member.joined_on + dt.timedelta(days=1))
        started = max(started, _add_years(self.plan.people[person].birth_date, 18))
        self.plan.posts.append(PostPlan(unit, kind, person, min(started, REFERENCE_DATE)))


def people_plan(seed: int = PEOPLE_SEED) -> PeoplePlan:
    """The demo people, party members and posts: a pure function of ``seed``."""
    planner = _PeoplePlanner(seed)
    planner.people()
    planner.members()
    planner.posts()
    return planner.plan


def _upper_units() -> Iterable[tuple[str, str, str]]:
    """Name, division code and kind of every unit down to community level."""
    yield CITY[0], CITY[1], Kind.CITY
    for district_name, district_code, _area, streets in DISTRICTS:
        yield district_name, district_code, Kind.DISTRICT
        for street in streets:
            yield street.name, street.code, Kind.STREET
            for community in street.communities:
                yield community.name, community.code, Kind.COMMUNITY


@dataclass
class PeopleSeedResult:
    created_people: int = 0
    created_party_members: int = 0
    created_posts: int = 0


class _UnitLookup:
    """Units by path: the division code down to community level, then names under it."""

    def __init__(self) -> None:
        self.units: dict[UnitPath, OrgUnit] = {}

    def __call__(self, path: UnitPath) -> OrgUnit:
        unit = self.units.get(path)
        if unit is None:
            if len(path) == 1:
                unit = OrgUnit.objects.get(division_code=path[0])
            else:
                unit = OrgUnit.objects.get(parent=self(path[:-1]), name=path[-1])
            self.units[path] = unit
        return unit


def seed_people_demo(seed: int = PEOPLE_SEED) -> PeopleSeedResult:
    """Register the planned demo people, party members and posts that are missing.

    Idempotent: people are found by their ID number (``person_register``), party members by
    person, posts by (unit, kind, holder) among current terms; a unique post someone else
    holds now is left to them. Needs the demo tree (``seed_org_demo``).
    """
    plan = people_plan(seed)
    result = PeopleSeedResult()
    unit = _UnitLookup()
    with transaction.atomic():
        people: list[Person] = []
        for planned in plan.people:
            registration = services.person_register(
                actor=None,
                unit=unit(planned.home),
                name=planned.name,
                document_type=Person.DocumentType.RESIDENT_ID,
                document_number=planned.document_number,
                mobile=planned.mobile,
                landline=planned.landline,
                address=planned.address,
            )
            result.created_people += registration.created
            people.append(registration.person)
        known_members = set(
            PartyMember.objects.filter(person__in=people).values_list("person_id", flat=True)
        )
        for member in plan.members:
            person = people[member.person]
            if person.pk in known_members:
                continue
            services.party_member_create(
                actor=None,
                person=person,
                organisation=unit(member.organisation),
                status=member.status,
                membership=member.membership,
                joined_on=member.joined_on,
                home_community=unit(member.home_community) if member.home_community else None,
                employer=member.employer,
                employer_party_org=member.employer_party_org,
                dual_registered_on=member.dual_registered_on,
            )
            result.created_party_members += 1
        current = set(
            Post.objects.filter(ended_on__isnull=True).values_list("unit_id", "kind", "holder_id")
        )
        held = {(unit_id, kind) for unit_id, kind, _holder in current}
        for post in plan.posts:
            post_unit, holder = unit(post.unit), people[post.person]
            if (post_unit.pk, post.kind, holder.pk) in current or (
                post.kind in UNIQUE_POSTS and (post_unit.pk, post.kind) in held
            ):
                continue
            services.post_assign(
                actor=None,
                unit=post_unit,
                kind=post.kind,
                holder=holder,
                started_on=post.started_on,
            )
            current.add((post_unit.pk, post.kind, holder.pk))
            held.add((post_unit.pk, post.kind))
            result.created_posts += 1
    return result
