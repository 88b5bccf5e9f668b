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

import gc
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.test import Client
from django.utils import timezone, translation
from hypothesis import settings as hypothesis_settings
from whitenoise.middleware import WhiteNoiseMiddleware

from governance.audit import audit_changes
from governance.models import AuditEvent
from orgchart import services
from orgchart.models import Department, OrgUnit, User
from tests import factories
from tests.factories import PASSWORD as PASSWORD

# Property tests check what is true, never how fast: no per-example deadline (a loaded CI
# machine would fail them at random). Speed lives in `make bench`.
hypothesis_settings.register_profile("governance", deadline=None)
hypothesis_settings.load_profile("governance")

# Every test client builds the middleware chain anew, and WhiteNoise (WHITENOISE_USE_FINDERS in
# the test settings) then scans and stats every static file: a sixth of a page test's time. The
# files do not change during a run: scan once per configuration and hand later middlewares the
# same entries. tests/test_conftest.py checks they equal a fresh scan.
WHITENOISE_SCAN_SETTINGS = (
    "DEBUG",
    "FORCE_SCRIPT_NAME",
    "INSTALLED_APPS",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "STATIC_ROOT",
    "STATIC_URL",
    "STORAGES",
)
_scan_static_files = WhiteNoiseMiddleware.add_files_from_finders
_scanned_static_files: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}


def _static_files_key() -> tuple[tuple[str, str], ...]:
    names = {*WHITENOISE_SCAN_SETTINGS, *(n for n in dir(settings) if n.startswith("WHITENOISE_"))}
    return tuple((name, repr(getattr(settings, name, None))) for name in sorted(names))


def _add_files_from_finders_once(self: WhiteNoiseMiddleware) -> None:
    if type(self) is not WhiteNoiseMiddleware:
        _scan_static_files(self)
        return
    key = _static_files_key()
    if key not in _scanned_static_files:
        before = dict(self.files)
        _scan_static_files(self)
        _scanned_static_files[key] = {
            url: found for url, found in self.files.items() if before.get(url) is not found
        }
    self.files.update(_scanned_static_files[key])


WhiteNoiseMiddleware.add_files_from_finders = _add_files_from_finders_once

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LEG = os.environ.get("TEST_LEG", "")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


# Redis has databases 0-15; each pytest-xdist worker takes its own above the leg's one.
REDIS_DATABASES = 16
CELERY_URL_SETTINGS = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL")


def worker_redis_url(url: str, worker: str) -> str:
    """``url`` moved to the Redis database of the pytest-xdist worker ``worker`` ("gw0" -> the
    leg's database + 1, "gw1" -> + 2...), so the Celery workers and beats that two test workers
    start never take each other's tasks or results. Other URLs stay as they are."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        return url
    database = int(parts.path.strip("/") or 0) + 1 + int(worker.removeprefix("gw"))
    if database >= REDIS_DATABASES:
        raise pytest.UsageError(
            f"Redis has databases 0-{REDIS_DATABASES - 1}: too many test workers for {url}"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    # Django and Celery have read the environment already: move the settings, the Celery app
    # and the environment the compose services get (tests/compose.py) together.
    from governance.celery import app as celery_app

    for name in CELERY_URL_SETTINGS:
        if name in os.environ:
            os.environ[name] = worker_redis_url(os.environ[name], worker)
        value = getattr(settings, name, None)
        if isinstance(value, str):
            setattr(settings, name, worker_redis_url(value, worker))
    celery_app.conf.update(
        broker_url=settings.CELERY_BROKER_URL, result_backend=settings.CELERY_RESULT_BACKEND
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what this leg cannot run, and say so (the harness makes CI run every leg)."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    keep, dropped = [], []
    for item in items:
        wrong_leg = (
            item.get_closest_marker("postgres")
            if not on_postgres
            else item.get_closest_marker("embedded")
        )
        if wrong_leg:
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
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items[:] = slow_first(items)


# Python's cyclic garbage collector runs every 700 net allocations and then walks every object
# that survived, including the collected tests and all of Django. Tests allocate and drop objects
# by the million: after collection the long-lived objects are frozen out of its walks and it runs
# less often (about a tenth of the suite's CPU time otherwise).
GC_THRESHOLDS = (10_000, 50, 100)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


TRANSACTIONAL_FIXTURES = {"transactional_db", "django_db_reset_sequences", "live_server"}


def db_group(item: pytest.Item) -> int:
    """pytest-django's order: 0 for a test in a transaction rolled back at its end, 1 for one
    whose database is flushed afterwards (transactional, live server), 2 for one without a
    database."""
    fixtures = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction = marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
        reset = marker.kwargs.get(
            "reset_sequences", marker.args[1] if len(marker.args) > 1 else False
        )
        if transaction or reset or fixtures & TRANSACTIONAL_FIXTURES:
            return 1
        return 0
    if fixtures & TRANSACTIONAL_FIXTURES:
        return 1
    return 0 if "db" in fixtures else 2


def slow_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """pytest-xdist hands tests out in collection order: a test that takes a minute near the
    end keeps one worker busy while the other has nothing left. Tests marked ``slow`` go first
    within their group of pytest-django's order (tests rolled back, then those that flush the
    database, which removes the rows the data migrations wrote, then those without one): the
    order of the groups stays."""
    return sorted(items, key=lambda item: (db_group(item), not item.get_closest_marker("slow")))


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
        """Re-read every unit and department from the database (one query per model)."""
        for model in (OrgUnit, Department):
            names = [name for name, value in vars(self).items() if isinstance(value, model)]
            fresh = model.objects.in_bulk([getattr(self, name).pk for name in names])
            for name in names:
                pk = getattr(self, name).pk
                if pk not in fresh:
                    raise model.DoesNotExist(f"{model.__name__} {pk} ({name}) no longer exists")
                setattr(self, name, fresh[pk])


def make_unit(parent: OrgUnit | None, name: str, kind: str, **fields: Any) -> OrgUnit:
    return services.orgunit_create(actor=None, parent=parent, name=name, kind=kind, **fields)


# The named tree in the order the services create it: (attribute, parent attribute, name, kind,
# further fields of ``orgunit_create``). Departments: (attribute, name, jurisdiction attribute).
TREE_UNITS: list[tuple[str, str | None, str, str, dict[str, Any]]] = [
    ("city", None, "云州市", OrgUnit.Kind.CITY, {"division_code": "139900000000"}),
    ("district", "city", "云阳区", OrgUnit.Kind.DISTRICT, {"division_code": "139902000000"}),
    ("east", "district", "东城街道", OrgUnit.Kind.STREET, {"division_code": "139902001000"}),
    (
        "guangming",
        "east",
        "光明社区",
        OrgUnit.Kind.COMMUNITY,
        {"division_code": "139902001001", "rating": "A"},
    ),
    ("guangming_compound", "guangming", "光明小区", OrgUnit.Kind.COMPOUND, {}),
    ("building_1", "guangming_compound", "1号楼", OrgUnit.Kind.BUILDING, {}),
    ("building_2", "guangming_compound", "2号楼", OrgUnit.Kind.BUILDING, {}),
    ("branch", "guangming", "下沉党员支部", OrgUnit.Kind.BRANCH, {"branch_type": "sinking"}),
    ("heping", "east", "和平社区", OrgUnit.Kind.COMMUNITY, {"division_code": "139902001002"}),
    ("west", "district", "西城街道", OrgUnit.Kind.STREET, {"division_code": "139902002000"}),
    ("xinhua", "west", "新华社区", OrgUnit.Kind.COMMUNITY, {"division_code": "139902002001"}),
]
TREE_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("chengguan", "城管局", "district"),
    ("police", "东城派出所", "east"),
]


def build_tree_through_services() -> Tree:
    """The named tree written by ``orgunit_create`` and ``department_create``, one at a time."""
    built: dict[str, Any] = {}
    for attr, parent, name, kind, extra in TREE_UNITS:
        built[attr] = make_unit(built[parent] if parent else None, name, kind, **extra)
    for attr, name, jurisdiction in TREE_DEPARTMENTS:
        built[attr] = services.department_create(
            actor=None, name=name, jurisdiction=built[jurisdiction]
        )
    result = Tree(**built)
    result.refresh()
    return result


def _nested_sets() -> dict[str, tuple[int, int, int]]:
    """(lft, rght, level) of each unit of TREE_UNITS: django-mptt's values when every unit is
    inserted as the last child of its parent."""
    children: dict[str | None, list[str]] = defaultdict(list)
    for attr, parent, *_rest in TREE_UNITS:
        children[parent].append(attr)
    values: dict[str, tuple[int, int, int]] = {}
    edge = 0

    def visit(attr: str, level: int) -> None:
        nonlocal edge
        edge += 1
        left = edge
        for child in children[attr]:
            visit(child, level + 1)
        edge += 1
        values[attr] = (left, edge, level)

    (root,) = children[None]
    visit(root, 0)
    return values


def insert_tree() -> Tree:
    """The rows ``build_tree_through_services`` writes (units, departments, their audit rows,
    in the same order), in five statements. tests/test_conftest.py checks both are equal."""
    tree_id = (OrgUnit.objects.aggregate(top=Max("tree_id"))["top"] or 0) + 1
    positions = _nested_sets()
    area_type = OrgUnit.AreaType.URBAN
    units: dict[str, OrgUnit] = {}
    unit_fields: dict[str, dict[str, Any]] = {}
    for attr, _parent, name, kind, extra in TREE_UNITS:
        unit_fields[attr] = {
            "name": name,
            "area_type": area_type,
            "division_code": extra.get("division_code"),
            "party_org_name": "",
            "party_org_type": "",
            "branch_type": extra.get("branch_type", ""),
            "rating": extra.get("rating", ""),
            "is_weak": False,
            "phone": "",
        }
        lft, rght, level = positions[attr]
        units[attr] = OrgUnit(
            kind=kind, lft=lft, rght=rght, level=level, tree_id=tree_id, **unit_fields[attr]
        )
    OrgUnit.objects.bulk_create(units.values())
    for attr, parent, *_rest in TREE_UNITS:
        units[attr].parent = units[parent] if parent else None
    OrgUnit.objects.bulk_update(
        [units[attr] for attr, parent, *_ in TREE_UNITS if parent], ["parent"]
    )
    departments = {
        attr: Department(name=name, jurisdiction=units[jurisdiction])
        for attr, name, jurisdiction in TREE_DEPARTMENTS
    }
    Department.objects.bulk_create(departments.values())
    audit = [
        _created(
            units[attr],
            {"kind": kind, "parent": units[parent] if parent else None, **unit_fields[attr]},
        )
        for attr, parent, _name, kind, _extra in TREE_UNITS
    ] + [
        _created(
            departments[attr],
            {"name": name, "jurisdiction": units[jurisdiction], "phone": ""},
        )
        for attr, name, jurisdiction in TREE_DEPARTMENTS
    ]
    AuditEvent.objects.bulk_create(audit)
    result = Tree(**cast(dict[str, Any], {**units, **departments}))
    result.refresh()
    return result


def _created(obj: OrgUnit | Department, changes: dict[str, Any]) -> AuditEvent:
    """The row ``governance.audit.audit_record`` writes for a creation by the system."""
    return AuditEvent(
        at=timezone.now(),
        actor=None,
        action=AuditEvent.Action.CREATE,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=audit_changes(changes),
    )


@pytest.fixture(autouse=True)
def factory_seed() -> None:
    """The same Faker names and titles in a test whichever worker runs it, in whatever order."""
    factories.reseed()


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Every test starts with no request counted (the rate limits' counters are in the cache,
    which outlives a test's transaction)."""
    cache.clear()


@pytest.fixture
def tree(db: None) -> Tree:
    return insert_tree()


def new_user(
    username: str,
    role: str,
    *,
    unit: OrgUnit | None = None,
    department: Department | None = None,
    **extra: object,
) -> User:
    """An account as ``make_user`` makes it, not saved yet (password ``PASSWORD``)."""
    return factories.UserFactory.build(
        username=username, role=role, anchor_unit=unit, anchor_department=department, **extra
    )


def make_user(
    username: str,
    role: str,
    *,
    unit: OrgUnit | None = None,
    department: Department | None = None,
    **extra: object,
) -> User:
    return factories.UserFactory.create(
        username=username, role=role, anchor_unit=unit, anchor_department=department, **extra
    )


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


def personas_of(tree: Tree) -> dict[str, User]:
    R = User.Role
    return {
        "superuser": new_user("root", R.ADMIN, is_superuser=True, is_staff=True),
        "street_admin": new_user("street_admin", R.ADMIN, unit=tree.east, is_staff=True),
        "official": new_user("official", R.OFFICIAL, unit=tree.east),
        "worker": new_user("worker", R.COMMUNITY_WORKER, unit=tree.guangming),
        "other_worker": new_user("other_worker", R.COMMUNITY_WORKER, unit=tree.xinhua),
        "grid": new_user("grid", R.GRID_WORKER, unit=tree.guangming),
        "handler": new_user("handler", R.DEPARTMENT_HANDLER, department=tree.chengguan),
        "volunteer": new_user("volunteer", R.VOLUNTEER, unit=tree.guangming),
    }


def save_people_one_by_one(tree: Tree) -> Personas:
    users = personas_of(tree)
    for user in users.values():
        user.save()
    return Personas(**users)


def insert_people(tree: Tree) -> Personas:
    """The accounts ``save_people_one_by_one`` writes, in one statement (no signal, no
    validator's ``password_changed`` hook exists for accounts; tests/test_conftest.py checks)."""
    users = personas_of(tree)
    User.objects.bulk_create(users.values())
    for user in users.values():
        vars(user)["_password"] = None  # as ``AbstractBaseUser.save`` leaves it
    return Personas(**users)


@pytest.fixture
def people(tree: Tree) -> Personas:
    return insert_people(tree)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English (their msgids), whatever the catalogue translates them to."""
    with translation.override("en"):
        yield


@pytest.fixture
def chromium_path() -> str:
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), f"{CHROMIUM} missing"
    return CHROMIUM
