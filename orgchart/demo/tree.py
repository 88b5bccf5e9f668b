"""Demo data for the org tree, departments and demo accounts (``manage.py seed_demo``).

Deterministic and idempotent: units are found by division code (down to community level) or
by name under their parent, so running it again creates nothing new. Everything is written
through the services, as the system (``actor=None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from orgchart import services
from orgchart.models import Department, OrgUnit, User

DEMO_PASSWORD = "demo12345"  # noqa: S105 (documented demo accounts)

Kind = OrgUnit.Kind
Party = OrgUnit.PartyOrgType
URBAN = OrgUnit.AreaType.URBAN
RURAL = OrgUnit.AreaType.RURAL


@dataclass
class CommunitySpec:
    name: str
    code: str
    compounds: list[str]
    rating: str = "B"
    is_weak: bool = False
    branches: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class StreetSpec:
    name: str
    code: str
    area_type: str
    communities: list[CommunitySpec]


CITY = ("云州市", "139900000000")
DISTRICTS: list[tuple[str, str, str, list[StreetSpec]]] = [
    (
        "云阳区",
        "139902000000",
        URBAN,
        [
            StreetSpec(
                "东城街道",
                "139902001000",
                URBAN,
                [
                    CommunitySpec(
                        "光明社区",
                        "139902001001",
                        ["光明小区", "阳光花园", "锦绣家园", "和顺里"],
                        rating="A",
                        branches=[
                            ("光明社区下沉党员功能型党支部", OrgUnit.BranchType.SINKING),
                            ("光明社区快递外卖骑手党支部", OrgUnit.BranchType.SOCIAL),
                        ],
                    ),
                    CommunitySpec(
                        "和平社区",
                        "139902001002",
                        ["和平小区", "翠苑", "电力宿舍", "金色家园"],
                        rating="B",
                        branches=[("和平社区物业服务企业联合党支部", OrgUnit.BranchType.SOCIAL)],
                    ),
                    CommunitySpec(
                        "建设社区", "139902001003", ["建设新村", "铁路小区", "康乐苑", "丽景湾"]
                    ),
                ],
            ),
            StreetSpec(
                "西城街道",
                "139902002000",
                URBAN,
                [
                    CommunitySpec(
                        "新华社区", "139902002001", ["新华里", "长虹小区", "育才小区", "盛世华庭"]
                    ),
                    CommunitySpec(
                        "文化社区",
                        "139902002002",
                        ["文化北里", "文化南里", "书香苑", "教师公寓"],
                        rating="C",
                    ),
                    CommunitySpec(
                        "友谊社区",
                        "139902002003",
                        ["友谊小区", "纺织厂宿舍", "东方明珠", "碧水湾"],
                        rating="D",
                        is_weak=True,
                    ),
                ],
            ),
            StreetSpec(
                "南湖街道",
                "139902003000",
                URBAN,
                [
                    CommunitySpec(
                        "湖畔社区",
                        "139902003001",
                        ["湖畔人家", "南湖花园", "荷塘月色", "湖景苑"],
                        rating="A",
                    ),
                    CommunitySpec(
                        "滨河社区", "139902003002", ["滨河小区", "河西新村", "水岸名都", "柳岸"]
                    ),
                    CommunitySpec(
                        "幸福社区", "139902003003", ["幸福家园", "幸福里", "安居小区", "惠民小区"]
                    ),
                ],
            ),
        ],
    ),
    (
        "青山县",
        "139921000000",
        RURAL,
        [
            StreetSpec(
                "青山镇",
                "139921100000",
                RURAL,
                [
                    CommunitySpec("石桥村", "139921100201", ["第一村民小组", "第二村民小组"]),
                    CommunitySpec("柳树村", "139921100202", ["第一村民小组"], rating="C"),
                    CommunitySpec("王家庄村", "139921100203", ["第一村民小组"]),
                ],
            ),
        ],
    ),
]
BUILDINGS_PER_COMPOUND = 5

# The office phones of the streets and communities, printed on the acceptance notices.
# 王家庄村 has none: its notices give 青山镇's.
OFFICE_PHONES = {
    "东城街道": "0315-2871001",
    "光明社区": "0315-2871101",
    "和平社区": "0315-2871102",
    "建设社区": "0315-2871103",
    "西城街道": "0315-2872001",
    "新华社区": "0315-2872101",
    "文化社区": "0315-2872102",
    "友谊社区": "0315-2872103",
    "南湖街道": "0315-2873001",
    "湖畔社区": "0315-2873101",
    "滨河社区": "0315-2873102",
    "幸福社区": "0315-2873103",
    "青山镇": "0315-5861001",
    "石桥村": "0315-5861201",
    "柳树村": "0315-5861202",
}

# (name, jurisdiction name, duty phone)
DEPARTMENTS = [
    ("云阳区城市管理综合行政执法局", "云阳区", "0315-2812345"),
    ("云阳区住房和城乡建设局", "云阳区", "0315-2823456"),
    ("云阳区民政局", "云阳区", "0315-2834567"),
    ("云阳区市场监督管理局", "云阳区", "0315-2845678"),
    ("云阳区公安分局东城派出所", "东城街道", "0315-2856789"),
    ("青山县自然资源和规划局", "青山县", "0315-5867890"),
]

# username, full name, role, anchor (unit name or department name)
ACCOUNTS = [
    ("official", "李建国", User.Role.OFFICIAL, "东城街道"),
    ("worker", "王丽", User.Role.COMMUNITY_WORKER, "光明社区"),
    ("grid", "张强", User.Role.GRID_WORKER, "光明社区"),
    ("handler", "赵敏", User.Role.DEPARTMENT_HANDLER, "云阳区城市管理综合行政执法局"),
    ("volunteer", "丁俊峰", User.Role.VOLUNTEER, "光明社区"),
]


@dataclass
class SeedResult:
    created_units: int = 0
    created_departments: int = 0
    created_accounts: int = 0


def _party_org_name(unit_name: str, kind: str) -> tuple[str, str]:
    if kind in (Kind.CITY, Kind.DISTRICT):
        return f"中共{unit_name}委员会", Party.COMMITTEE
    if kind == Kind.STREET:
        suffix = "工作委员会" if unit_name.endswith("街道") else "委员会"
        return f"中共{unit_name}{suffix}", Party.COMMITTEE
    if kind == Kind.COMMUNITY:
        return f"中共{unit_name}委员会", Party.COMMITTEE
    if kind == Kind.COMPOUND:
        return f"{unit_name}党支部", Party.BRANCH
    if kind == Kind.BUILDING:
        return f"{unit_name}党小组", Party.GROUP
    return unit_name, Party.BRANCH


class _Seeder:
    def __init__(self) -> None:
        self.result = SeedResult()
        self.password_hash = ""

    def unit(
        self,
        *,
        parent: OrgUnit | None,
        name: str,
        kind: str,
        code: str | None = None,
        area_type: str | None = None,
        rating: str = "",
        is_weak: bool = False,
        branch_type: str = "",
        party_name: str | None = None,
    ) -> OrgUnit:
        phone = OFFICE_PHONES.get(name, "") if kind in (Kind.STREET, Kind.COMMUNITY) else ""
        existing = (
            OrgUnit.objects.filter(division_code=code).first()
            if code
            else OrgUnit.objects.filter(parent=parent, name=name).first()
        )
        if existing is not None:
            if phone and not existing.phone:  # a demo database from before office phones
                existing = services.orgunit_update(actor=None, unit=existing, phone=phone)
            return existing
        default_name, party_type = _party_org_name(name, kind)
        self.result.created_units += 1
        return services.orgunit_create(
            actor=None,
            parent=parent,
            name=name,
            kind=kind,
            area_type=area_type,
            division_code=code,
            party_org_name=party_name or default_name,
            party_org_type=party_type,
            branch_type=branch_type,
            rating=rating,
            is_weak=is_weak,
            phone=phone,
        )

    def tree(self) -> None:
        city = self.unit(parent=None, name=CITY[0], kind=Kind.CITY, code=CITY[1], area_type=URBAN)
        for district_name, district_code, district_area, streets in DISTRICTS:
            district = self.unit(
                parent=city,
                name=district_name,
                kind=Kind.DISTRICT,
                code=district_code,
                area_type=district_area,
            )
            for street_spec in streets:
                street = self.unit(
                    parent=district,
                    name=street_spec.name,
                    kind=Kind.STREET,
                    code=street_spec.code,
                    area_type=street_spec.area_type,
                    rating="A",
                )
                for community_spec in street_spec.communities:
                    self.community(street, community_spec)

    def community(self, street: OrgUnit, spec: CommunitySpec) -> None:
        community = self.unit(
            parent=street,
            name=spec.name,
            kind=Kind.COMMUNITY,
            code=spec.code,
            rating=spec.rating,
            is_weak=spec.is_weak,
        )
        for index, compound_name in enumerate(spec.compounds):
            compound = self.unit(
                parent=community,
                name=compound_name,
                kind=Kind.COMPOUND,
                rating="ABBC"[index % 4],
            )
            for number in range(1, BUILDINGS_PER_COMPOUND + 1):
                self.unit(
                    parent=compound,
                    name=f"{number}号楼",
                    kind=Kind.BUILDING,
                    party_name=f"{compound_name}{number}号楼党小组",
                )
        for branch_name, branch_type in spec.branches:
            self.unit(
                parent=community,
                name=branch_name,
                kind=Kind.BRANCH,
                branch_type=branch_type,
                party_name=branch_name,
            )

    def departments(self) -> None:
        for name, jurisdiction_name, phone in DEPARTMENTS:
            jurisdiction = OrgUnit.objects.get(name=jurisdiction_name, level__lte=2)
            if Department.objects.filter(name=name, jurisdiction=jurisdiction).exists():
                continue
            services.department_create(
                actor=None, name=name, jurisdiction=jurisdiction, phone=phone
            )
            self.result.created_departments += 1

    def demo_password_hash(self) -> str:
        """One hash for every demo account: hashing takes ~0.3 s by design (PBKDF2), and the
        demo accounts share a published password anyway."""
        if not self.password_hash:
            self.password_hash = make_password(DEMO_PASSWORD)
        return self.password_hash

    def accounts(self) -> None:
        if not User.objects.filter(username="admin").exists():
            User.objects.create(
                username="admin",
                email="admin@example.org",
                first_name="系统管理员",
                is_staff=True,
                is_superuser=True,
                password=self.demo_password_hash(),
            )
            self.result.created_accounts += 1
        for username, full_name, role, anchor_name in ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            anchor_unit = anchor_department = None
            if role == User.Role.DEPARTMENT_HANDLER:
                anchor_department = Department.objects.get(name=anchor_name)
            else:
                anchor_unit = OrgUnit.objects.get(
                    name=anchor_name, kind__in=["street", "community"]
                )
            user = User(
                username=username,
                first_name=full_name,
                role=role,
                anchor_unit=anchor_unit,
                anchor_department=anchor_department,
            )
            user.password = self.demo_password_hash()
            user.save()
            self.result.created_accounts += 1


def seed_org_demo() -> SeedResult:
    """Create the demo tree, departments and accounts that are missing. Idempotent."""
    seeder = _Seeder()
    with transaction.atomic():
        seeder.tree()
        seeder.departments()
        seeder.accounts()
    return seeder.result
