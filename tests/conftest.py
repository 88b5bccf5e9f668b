"""A small named tree and personas shared by every test.

云州市 (city)
└── 云阳区 (district)
    ├── 东城街道 (street)          official "official", admin "street_admin"
    │   ├── 光明社区 (community)   worker, grid, volunteer
    │   │   ├── 光明小区 (compound)
    │   │   │   ├── 1号楼, 2号楼 (buildings)
    │   │   └── 下沉党员支部 (branch)
    │   └── 和平社区 (community)
    └── 西城街道 (street)
        └── 新华社区 (community)   other_worker
Departments: 城管局 (jurisdiction 云阳区, handler "handler"), 东城派出所 (东城街道)
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from orgchart import services
from orgchart.models import Department, OrgUnit, User

# Property tests check what is true, never how fast: no per-example deadline (a loaded CI
# machine would fail them at random). Speed lives in `make bench`.
hypothesis_settings.register_profile("governance", deadline=None)
hypothesis_settings.load_profile("governance")

PASSWORD = "correct-horse-battery"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LEG = os.environ.get("TEST_LEG", "")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what this leg cannot run, and say so (the harness makes CI run every leg)."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    keep, dropped = [], []
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            dropped.append(item)
        elif item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
            if IN_CI:
                raise pytest.UsageError(f"CI=true but {CHROMIUM} is missing for browser tests")
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        config._governance_not_run = len(dropped)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: object, config: pytest.Config) -> None:
    not_run = getattr(config, "_governance_not_run", 0)
    if not_run and not LEG:
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"NOTE: {not_run} tests need PostgreSQL/Redis or Chromium and were not run here; "
            "`make test` runs every leg.",
            yellow=True,
        )


@dataclass
class Tree:
    city: OrgUnit
    district: OrgUnit
    east: OrgUnit
    guangming: OrgUnit
    guangming_compound: OrgUnit
    building_1: OrgUnit
    building_2: OrgUnit
    branch: OrgUnit
    heping: OrgUnit
    west: OrgUnit
    xinhua: OrgUnit
    chengguan: Department
    police: Department

    def refresh(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, OrgUnit | Department):
                setattr(self, name, type(value).objects.get(pk=value.pk))


def make_unit(parent: OrgUnit | None, name: str, kind: str, **fields: Any) -> OrgUnit:
    return services.orgunit_create(actor=None, parent=parent, name=name, kind=kind, **fields)


@pytest.fixture
def tree(db: None) -> Tree:
    K = OrgUnit.Kind
    city = make_unit(None, "云州市", K.CITY, division_code="139900000000")
    district = make_unit(city, "云阳区", K.DISTRICT, division_code="139902000000")
    east = make_unit(district, "东城街道", K.STREET, division_code="139902001000")
    guangming = make_unit(east, "光明社区", K.COMMUNITY, division_code="139902001001", rating="A")
    compound = make_unit(guangming, "光明小区", K.COMPOUND)
    building_1 = make_unit(compound, "1号楼", K.BUILDING)
    building_2 = make_unit(compound, "2号楼", K.BUILDING)
    branch = make_unit(guangming, "下沉党员支部", K.BRANCH, branch_type="sinking")
    heping = make_unit(east, "和平社区", K.COMMUNITY, division_code="139902001002")
    west = make_unit(district, "西城街道", K.STREET, division_code="139902002000")
    xinhua = make_unit(west, "新华社区", K.COMMUNITY, division_code="139902002001")
    chengguan = services.department_create(actor=None, name="城管局", jurisdiction=district)
    police = services.department_create(actor=None, name="东城派出所", jurisdiction=east)
    result = Tree(
        city,
        district,
        east,
        guangming,
        compound,
        building_1,
        building_2,
        branch,
        heping,
        west,
        xinhua,
        chengguan,
        police,
    )
    result.refresh()
    return result


def make_user(
    username: str,
    role: str,
    *,
    unit: OrgUnit | None = None,
    department: Department | None = None,
    **extra: object,
) -> User:
    user = User(
        username=username,
        role=role,
        anchor_unit=unit,
        anchor_department=department,
        first_name=username,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@dataclass
class Personas:
    superuser: User
    street_admin: User
    official: User
    worker: User
    other_worker: User
    grid: User
    handler: User
    volunteer: User


@pytest.fixture
def people(tree: Tree) -> Personas:
    R = User.Role
    return Personas(
        superuser=make_user("root", R.ADMIN, is_superuser=True, is_staff=True),
        street_admin=make_user("street_admin", R.ADMIN, unit=tree.east, is_staff=True),
        official=make_user("official", R.OFFICIAL, unit=tree.east),
        worker=make_user("worker", R.COMMUNITY_WORKER, unit=tree.guangming),
        other_worker=make_user("other_worker", R.COMMUNITY_WORKER, unit=tree.xinhua),
        grid=make_user("grid", R.GRID_WORKER, unit=tree.guangming),
        handler=make_user("handler", R.DEPARTMENT_HANDLER, department=tree.chengguan),
        volunteer=make_user("volunteer", R.VOLUNTEER, unit=tree.guangming),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def chromium_path() -> str:
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), f"{CHROMIUM} missing"
    return CHROMIUM
