"""The access policy: what each role sees, and what it may do inside that."""

from __future__ import annotations

import pytest

from governance.errors import NotAllowed, OutOfScope
from orgchart.models import Department, OrgUnit, User
from orgchart.policy import can, policy, require
from tests.conftest import Personas, Tree, make_user


def names(user: User) -> set[str]:
    return set(policy(user, OrgUnit).values_list("name", flat=True))


def test_each_role_sees_its_anchor_subtree(tree: Tree, people: Personas) -> None:
    everything = set(OrgUnit.objects.values_list("name", flat=True))
    guangming = {"光明社区", "光明小区", "1号楼", "2号楼", "下沉党员支部"}
    assert names(people.superuser) == everything
    assert names(people.official) == guangming | {"东城街道", "和平社区"}
    assert names(people.street_admin) == names(people.official)
    assert names(people.worker) == guangming
    assert names(people.grid) == guangming
    assert names(people.volunteer) == guangming
    assert names(people.other_worker) == {"新华社区"}
    # A handler works across its department's jurisdiction (the district).
    assert names(people.handler) == everything - {"云州市"}


def test_departments_visible_are_those_serving_my_area(tree: Tree, people: Personas) -> None:
    def visible(user: User) -> set[str]:
        return set(policy(user, Department).values_list("name", flat=True))

    assert visible(people.worker) == {"城管局", "东城派出所"}  # from above: district and street
    assert visible(people.other_worker) == {"城管局"}
    assert visible(people.official) == {"城管局", "东城派出所"}
    assert visible(people.handler) == {"城管局"}  # only its own department
    assert visible(people.superuser) == {"城管局", "东城派出所"}


def test_accounts_visible_to_admins_in_their_subtree_others_see_themselves(
    tree: Tree, people: Personas
) -> None:
    def visible(user: User) -> set[str]:
        return set(policy(user, User).values_list("username", flat=True))

    assert visible(people.worker) == {"worker"}
    assert visible(people.street_admin) == {
        "street_admin",
        "official",
        "worker",
        "grid",
        "volunteer",
    }
    assert len(visible(people.superuser)) == 8


def test_inactive_and_anonymous_users_see_nothing(tree: Tree, people: Personas) -> None:
    from django.contrib.auth.models import AnonymousUser

    people.worker.is_active = False
    people.worker.save()
    worker = User.objects.get(pk=people.worker.pk)
    assert names(worker) == set()
    assert not policy(AnonymousUser(), OrgUnit).exists()
    assert not can(AnonymousUser(), "orgunit.view", tree.guangming)


def test_require_distinguishes_out_of_scope_from_not_allowed(tree: Tree, people: Personas) -> None:
    with pytest.raises(OutOfScope):
        require(people.worker, "orgunit.view", tree.xinhua)
    with pytest.raises(NotAllowed):
        require(people.worker, "orgunit.change", tree.guangming)
    require(people.worker, "orgunit.view", tree.guangming)
    require(people.street_admin, "orgunit.change", tree.guangming)
    with pytest.raises(OutOfScope):
        require(people.street_admin, "orgunit.change", tree.xinhua)


@pytest.mark.parametrize(
    ("persona", "action", "unit", "allowed"),
    [
        ("street_admin", "orgunit.move", "heping", True),
        ("street_admin", "orgunit.move", "east", False),  # not its own anchor
        ("street_admin", "orgunit.delete", "building_1", True),
        ("official", "orgunit.change", "guangming", False),
        ("worker", "orgunit.add_child", "guangming", False),
        ("superuser", "orgunit.move", "east", True),
    ],
)
def test_actions_by_role(
    tree: Tree, people: Personas, persona: str, action: str, unit: str, allowed: bool
) -> None:
    assert can(getattr(people, persona), action, getattr(tree, unit)) is allowed


def test_scope_follows_the_anchor_after_a_move(tree: Tree, people: Personas) -> None:
    from orgchart import services

    services.orgunit_move(actor=None, unit=tree.heping, target=tree.west)
    official = User.objects.get(pk=people.official.pk)  # a new request loads the user afresh
    assert "和平社区" not in names(official)
    other = make_user("west_official", User.Role.OFFICIAL, unit=tree.west)
    assert "和平社区" in names(other)
