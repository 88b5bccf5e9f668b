"""The demo data: the promised shape, deterministic, idempotent, valid."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from orgchart.models import Department, OrgUnit, User
from orgchart.policy import policy
from orgchart.services import orgtree_check

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {kind: OrgUnit.objects.filter(kind=kind).count() for kind in OrgUnit.Kind.values}


def test_seed_demo_builds_the_promised_city_and_is_idempotent() -> None:
    call_command("seed_demo")
    first = counts()
    assert first == {
        "city": 1,
        "district": 2,
        "street": 4,
        "community": 12,
        "compound": 40,
        "building": 200,
        "branch": 3,
    }
    assert OrgUnit.objects.filter(kind="street", area_type="rural").count() == 1
    assert str(OrgUnit.objects.get(kind="street", area_type="rural").kind_label) == "乡镇"
    assert Department.objects.count() == 6
    snapshot = list(OrgUnit.objects.order_by("pk").values_list("pk", "name", "lft", "rght"))

    call_command("seed_demo")
    assert counts() == first
    assert list(OrgUnit.objects.order_by("pk").values_list("pk", "name", "lft", "rght")) == snapshot
    assert Department.objects.count() == 6
    assert User.objects.count() == 6
    assert orgtree_check() == []
    codes = OrgUnit.objects.exclude(division_code=None).values_list("division_code", flat=True)
    assert all(len(code) == 12 and code.isdigit() for code in codes)
    assert len(codes) == 1 + 2 + 4 + 12


@pytest.mark.parametrize(
    ("username", "role", "sees_communities"),
    [
        ("admin", "admin", 12),
        ("official", "official", 3),
        ("worker", "community_worker", 1),
        ("grid", "grid_worker", 1),
        ("handler", "department_handler", 9),
        ("volunteer", "volunteer", 1),
    ],
)
def test_demo_accounts_log_in_with_their_role_and_scope(
    username: str, role: str, sees_communities: int
) -> None:
    call_command("seed_demo")
    user = authenticate(username=username, password="demo12345")
    assert user is not None
    assert user.role == role
    assert policy(user, OrgUnit).filter(kind="community").count() == sees_communities


def test_worker_grid_and_volunteer_share_the_officials_street() -> None:
    call_command("seed_demo")
    official = User.objects.get(username="official")
    for username in ("worker", "grid", "volunteer"):
        community = User.objects.get(username=username).anchor_unit
        assert community is not None
        assert community.kind == "community"
        assert community.parent_id == official.anchor_unit_id
