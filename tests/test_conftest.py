"""The shared fixtures insert the named tree and the personas in a few statements: the rows must
be exactly those the services write one at a time (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, cast

import pytest
import time_machine
from django.conf import settings
from django.db import models, transaction
from whitenoise.middleware import WhiteNoiseMiddleware

from governance.celery import app as celery_app
from governance.models import AuditEvent
from orgchart.models import Department, OrgUnit, User
from orgchart.services import orgtree_check
from tests.conftest import (
    PASSWORD,
    Personas,
    Tree,
    build_tree_through_services,
    insert_people,
    insert_tree,
    make_unit,
    save_people_one_by_one,
    worker_redis_url,
)
from tests.conftest import _scan_static_files as scan_static_files

MOMENT = dt.datetime(2026, 5, 6, 9, 30, tzinfo=dt.UTC)


def _row(obj: models.Model) -> dict[str, Any]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


class Ranks:
    """Primary keys replaced by their rank in their table: the sequences of two builds differ
    (PostgreSQL does not roll them back), their order must not."""

    def __init__(self) -> None:
        self.units = {
            pk: rank
            for rank, pk in enumerate(OrgUnit.objects.order_by("pk").values_list("pk", flat=True))
        }
        self.departments = {
            pk: rank
            for rank, pk in enumerate(
                Department.objects.order_by("pk").values_list("pk", flat=True)
            )
        }
        self.users = {
            pk: rank
            for rank, pk in enumerate(User.objects.order_by("pk").values_list("pk", flat=True))
        }
        self.audit = {
            pk: rank
            for rank, pk in enumerate(
                AuditEvent.objects.order_by("pk").values_list("pk", flat=True)
            )
        }

    def unit(self, source: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(source)
        row["id"] = self.units[row["id"]]
        row["parent_id"] = None if row["parent_id"] is None else self.units[row["parent_id"]]
        return row

    def department(self, source: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(source)
        row["id"] = self.departments[row["id"]]
        row["jurisdiction_id"] = self.units[row["jurisdiction_id"]]
        return row

    def user(self, source: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(source)
        row["id"] = self.users[row["id"]]
        for field, ranks in (
            ("anchor_unit_id", self.units),
            ("anchor_department_id", self.departments),
        ):
            row[field] = None if row[field] is None else ranks[row[field]]
        # The salt is random: the same algorithm, and the password checks.
        algorithm = row.pop("password").split("$", 1)[0]
        row["password"] = algorithm
        return row

    def audit_event(self, source: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(source)
        row["id"] = self.audit[row["id"]]
        ranks = self.units if row["object_type"] == "orgchart.OrgUnit" else self.departments
        row["object_id"] = ranks[int(row["object_id"])]
        changes = dict(row["changes"])
        for field in ("parent", "jurisdiction"):
            if changes.get(field) is not None:
                changes[field] = self.units[changes[field]]
        row["changes"] = changes
        return row


def snapshot(tree: Tree, people: Personas) -> dict[str, Any]:
    """Every row and every fixture attribute, comparable between two builds."""
    ranks = Ranks()
    for persona in vars(people).values():
        assert persona.check_password(PASSWORD)
    return {
        "units": [ranks.unit(row) for row in OrgUnit.objects.order_by("pk").values()],
        "departments": [
            ranks.department(row) for row in Department.objects.order_by("pk").values()
        ],
        "users": [ranks.user(row) for row in User.objects.order_by("pk").values()],
        "audit": [ranks.audit_event(row) for row in AuditEvent.objects.order_by("pk").values()],
        "tree": {name: fixture_row(ranks, value) for name, value in vars(tree).items()},
        "people": {
            name: (
                ranks.user(_row(user)),
                user._password,
                user._state.adding,
                user._state.db,
                attribute_of(tree, user.anchor_unit),
                attribute_of(tree, user.anchor_department),
            )
            for name, user in vars(people).items()
        },
    }


def fixture_row(ranks: Ranks, value: OrgUnit | Department) -> tuple[Any, ...]:
    row = ranks.unit(_row(value)) if isinstance(value, OrgUnit) else ranks.department(_row(value))
    return (type(value), row, value._state.adding, value._state.db)


def attribute_of(tree: Tree, obj: object) -> str | None:
    """The tree's attribute holding this very instance (anchors are the tree's objects)."""
    if obj is None:
        return None
    (name,) = [name for name, value in vars(tree).items() if value is obj]
    return name


@pytest.mark.django_db
@pytest.mark.parametrize("other_tree_first", [False, True], ids=["alone", "after-another-tree"])
def test_the_inserted_tree_and_people_equal_those_the_services_write(
    other_tree_first: bool,
) -> None:
    with time_machine.travel(MOMENT, tick=False):
        if other_tree_first:
            make_unit(None, "青山县", OrgUnit.Kind.DISTRICT, area_type="rural")
        with transaction.atomic():
            by_services = build_tree_through_services()
            expected = snapshot(by_services, save_people_one_by_one(by_services))
            transaction.set_rollback(True)
        assert OrgUnit.objects.count() == int(other_tree_first)
        inserted = insert_tree()
        actual = snapshot(inserted, insert_people(inserted))
    assert actual == expected
    assert [row["tree_id"] for row in actual["units"]] == [1] * int(other_tree_first) + [
        1 + int(other_tree_first)
    ] * 11
    assert orgtree_check() == []


def test_refresh_rereads_every_unit_and_department(tree: Tree) -> None:
    OrgUnit.objects.filter(pk=tree.heping.pk).update(name="和平新社区")
    Department.objects.filter(pk=tree.police.pk).update(phone="110")
    before = dict(vars(tree))
    tree.refresh()
    assert (tree.heping.name, tree.police.phone) == ("和平新社区", "110")
    assert all(value is not before[name] for name, value in vars(tree).items())
    assert {name: value.pk for name, value in vars(tree).items()} == {
        name: value.pk for name, value in before.items()
    }


def test_refresh_of_a_deleted_unit_raises_as_before(tree: Tree) -> None:
    tree.building_2.delete()
    with pytest.raises(OrgUnit.DoesNotExist):
        tree.refresh()


def test_each_test_worker_takes_its_own_redis_database() -> None:
    assert worker_redis_url("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/1"
    assert worker_redis_url("redis://127.0.0.1:6379/0", "gw1") == "redis://127.0.0.1:6379/2"
    assert worker_redis_url("redis://:secret@cache:6380/3", "gw2") == "redis://:secret@cache:6380/6"
    assert worker_redis_url("redis://127.0.0.1:6379", "gw0") == "redis://127.0.0.1:6379/1"
    assert worker_redis_url("memory://", "gw1") == "memory://"
    with pytest.raises(pytest.UsageError, match="too many test workers"):
        worker_redis_url("redis://127.0.0.1:6379/0", "gw15")


def test_django_celery_and_the_compose_services_share_this_workers_broker() -> None:
    """What the tests send (the Celery app), what they read (settings) and what the worker and
    beat they start consume (the environment tests/compose.py hands on) are one broker."""
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert celery_app.conf.result_backend == settings.CELERY_RESULT_BACKEND
    assert os.environ["CELERY_BROKER_URL"] == settings.CELERY_BROKER_URL
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and settings.CELERY_BROKER_URL.startswith("redis://"):
        assert settings.CELERY_BROKER_URL.endswith(f"/{1 + int(worker.removeprefix('gw'))}")


def _described(value: Any) -> Any:
    """A whitenoise entry as plain data (its responses, headers, paths, patterns)."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, dict):
        return {key: _described(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_described(item) for item in value]
    if isinstance(value, re.Pattern):
        return value.pattern
    if hasattr(value, "__dict__"):
        return (type(value), _described(vars(value)))
    if hasattr(type(value), "__slots__"):
        names = type(value).__slots__
        return (type(value), {name: _described(getattr(value, name)) for name in names})
    return value


def test_whitenoise_serves_what_a_fresh_scan_of_the_static_files_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    WhiteNoiseMiddleware(get_response=None)
    from_the_scan_of_a_former_client = WhiteNoiseMiddleware(get_response=None).files
    monkeypatch.setattr(WhiteNoiseMiddleware, "add_files_from_finders", scan_static_files)
    fresh = WhiteNoiseMiddleware(get_response=None).files
    assert "/static/css/app.css" in fresh
    assert _described(from_the_scan_of_a_former_client) == _described(fresh)


def test_a_changed_static_setting_scans_again(settings: Any) -> None:
    before = WhiteNoiseMiddleware(get_response=None).files
    settings.WHITENOISE_MAX_AGE = 7
    after = WhiteNoiseMiddleware(get_response=None).files
    assert before.keys() == after.keys()
    headers = dict(after["/static/css/app.css"].alternatives[-1][2])
    assert headers["Cache-Control"] == "max-age=7, public"
    assert before["/static/css/app.css"] is not after["/static/css/app.css"]


class _Item:
    """What ``slow_first`` reads of a collected test."""

    def __init__(self, name: str, fixtures: tuple[str, ...], *marks: pytest.MarkDecorator) -> None:
        self.name = name
        self.fixturenames = fixtures
        self.marks = {mark.name: mark.mark for mark in marks}

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return self.marks.get(name)


def test_slow_tests_go_first_within_their_group_of_pytest_djangos_order() -> None:
    from tests.conftest import slow_first

    slow, db = pytest.mark.slow, pytest.mark.django_db
    items = [
        _Item("rolled back", ("db",)),
        _Item("rolled back, slow", ("db",), slow),
        _Item("marked, rolled back", (), db),
        _Item("transactional", ("transactional_db",)),
        _Item("live server, slow", ("live_server",), slow),
        _Item("marked transactional, slow", (), db(transaction=True), slow),
        _Item("no database", ()),
        _Item("no database, slow", (), slow),
    ]
    ordered = slow_first(cast(list[pytest.Item], items))
    assert [item.name for item in ordered] == [
        "rolled back, slow",
        "rolled back",
        "marked, rolled back",
        "live server, slow",
        "marked transactional, slow",
        "transactional",
        "no database, slow",
        "no database",
    ]
