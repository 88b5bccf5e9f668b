"""``role_may``: the role's rule of an action alone, without ``can``'s visibility check."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from orgchart.models import User
from orgchart.policy import can, role_may
from tests.conftest import Personas, Tree

pytestmark = pytest.mark.django_db

# Admins, community workers and grid workers register people (``_registers_people``).
RULE = "orgunit.register_person"


def test_role_may_answers_the_rule_for_each_role_without_a_query(
    tree: Tree, people: Personas, django_assert_num_queries: Any
) -> None:
    expected = {
        "superuser": True,
        "street_admin": True,
        "official": False,
        "worker": True,
        "other_worker": True,
        "grid": True,
        "handler": False,
        "volunteer": False,
    }
    with django_assert_num_queries(0):
        answers = {name: role_may(getattr(people, name), RULE, tree.guangming) for name in expected}
    assert answers == expected


def test_role_may_leaves_visibility_to_the_caller_where_can_checks_it(
    tree: Tree, people: Personas
) -> None:
    # 新华社区's worker has the role but does not see 光明社区: can says no, the rule says yes.
    assert can(people.other_worker, RULE, tree.guangming) is False
    assert role_may(people.other_worker, RULE, tree.guangming) is True
    # Inside the scope both agree, yes and no.
    assert can(people.worker, RULE, tree.guangming) is True
    assert role_may(people.worker, RULE, tree.guangming) is True
    assert can(people.volunteer, RULE, tree.guangming) is False
    assert role_may(people.volunteer, RULE, tree.guangming) is False


def test_role_may_asks_the_rule_of_an_object_that_belongs_to_no_unit(people: Personas) -> None:
    # Deadline policies are nobody's row: only administrators change them.
    assert role_may(people.street_admin, "deadlinepolicy.change", None) is True
    assert role_may(people.superuser, "deadlinepolicy.change", None) is True
    assert role_may(people.worker, "deadlinepolicy.change", None) is False
    assert role_may(people.official, "deadlinepolicy.change", None) is False


def test_an_unknown_action_is_treated_as_can_treats_it(tree: Tree, people: Personas) -> None:
    # A role without a superuser's pass asks the registry: no rule is a KeyError, in both.
    with pytest.raises(KeyError):
        can(people.worker, "orgunit.no_such_action", tree.guangming)
    with pytest.raises(KeyError):
        role_may(people.worker, "orgunit.no_such_action", tree.guangming)
    # A superuser may do anything, in both, before any rule is looked up.
    assert can(people.superuser, "orgunit.no_such_action", tree.guangming) is True
    assert role_may(people.superuser, "orgunit.no_such_action", tree.guangming) is True


@pytest.mark.parametrize("name", ["superuser", "street_admin", "worker"])
def test_inactive_users_may_nothing(tree: Tree, people: Personas, name: str) -> None:
    user = getattr(people, name)
    assert role_may(user, RULE, tree.guangming) is True
    user.is_active = False
    user.save(update_fields=["is_active"])
    inactive = User.objects.get(pk=user.pk)
    assert role_may(inactive, RULE, tree.guangming) is False
    assert role_may(inactive, "deadlinepolicy.change", None) is False
    assert can(inactive, RULE, tree.guangming) is False


def test_anonymous_users_may_nothing(tree: Tree) -> None:
    anonymous = AnonymousUser()
    assert role_may(anonymous, RULE, tree.guangming) is False
    assert role_may(anonymous, "deadlinepolicy.change", None) is False
    assert can(anonymous, RULE, tree.guangming) is False
