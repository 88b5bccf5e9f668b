"""The rules of the pages (``orgchart.policy.pages``) and of accounts
(``orgchart.policy.accounts``): for each rule, which roles may and which may not, with no
query."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from orgchart import policy
from orgchart.models import OrgUnit, User
from petitions.models import Petition
from tests.conftest import Personas, Tree, make_user

pytestmark = pytest.mark.django_db

PERSONAS = (
    "superuser",
    "street_admin",
    "official",
    "worker",
    "other_worker",
    "grid",
    "handler",
    "volunteer",
)


def _table(*allowed: str) -> dict[str, bool]:
    return {name: name in allowed for name in PERSONAS}


STAFF = ("superuser", "street_admin", "official", "worker", "other_worker", "grid")

# Object-less rules, asked with ``role_may(user, rule, None)``: the personas that pass.
PAGE_RULES = {
    "page.org": _table(*STAFF),
    "page.people": _table(*STAFF),
    "page.grids": _table(*STAFF),
    "page.petitions": _table(*STAFF, "handler"),
    "page.petition_intake": _table("superuser", "worker", "other_worker", "grid"),
    "page.petition_inbox": _table("superuser", "handler"),
    "page.petition_supervision": _table("superuser", "street_admin", "official"),
    "page.petition_complex_cases": _table(
        "superuser", "street_admin", "official", "worker", "other_worker"
    ),
    "page.volunteers": _table(*STAFF, "volunteer"),
    "page.volunteer_staff": _table(*STAFF),
    "page.manage_volunteers": _table("superuser", "street_admin", "worker", "other_worker"),
    "page.admin_site": _table("superuser", "street_admin"),
    "ledger.import_org_tree": _table("superuser", "street_admin"),
    "ledger.import_party_members": _table("superuser", "street_admin", "worker", "other_worker"),
    "ledger.import_households": _table("superuser", "street_admin", "worker", "other_worker"),
    "ledger.import_residents": _table("superuser", "street_admin", "worker", "other_worker"),
}


@pytest.mark.parametrize("rule", sorted(PAGE_RULES))
def test_page_rules_by_role(
    tree: Tree, people: Personas, django_assert_num_queries: Any, rule: str
) -> None:
    with django_assert_num_queries(0):
        answers = {name: policy.role_may(getattr(people, name), rule, None) for name in PERSONAS}
        anonymous = policy.role_may(AnonymousUser(), rule, None)
    assert answers == PAGE_RULES[rule]
    assert anonymous is False


@pytest.mark.parametrize("rule", sorted(PAGE_RULES))
def test_page_rules_refuse_inactive_accounts(tree: Tree, people: Personas, rule: str) -> None:
    for name in ("superuser", "street_admin", "worker", "handler", "volunteer"):
        user = getattr(people, name)
        user.is_active = False
        assert policy.role_may(user, rule, None) is False


def test_who_prints_the_acceptance_notice(
    tree: Tree, people: Personas, django_assert_num_queries: Any
) -> None:
    """Everyone but department handlers, by the rule alone: the petition's visibility (404)
    keeps volunteers away before the rule is asked."""
    petition = Petition(community=tree.guangming, handling_unit=tree.guangming)
    with django_assert_num_queries(0):
        answers = {
            name: policy.role_may(getattr(people, name), "petition.print_notice", petition)
            for name in PERSONAS
        }
    assert answers == _table(*STAFF, "volunteer")


@pytest.mark.parametrize("action", ["orgunit.log_petition", "orgunit.post_wish"])
def test_anchor_for_is_the_community_of_community_and_grid_workers(
    tree: Tree, people: Personas, django_assert_num_queries: Any, action: str
) -> None:
    with django_assert_num_queries(0):
        answers = {name: policy.anchor_for(getattr(people, name), action) for name in PERSONAS}
        anonymous = policy.anchor_for(AnonymousUser(), action)
    assert answers == {
        "superuser": None,
        "street_admin": None,
        "official": None,
        "worker": tree.guangming,
        "other_worker": tree.xinhua,
        "grid": tree.guangming,
        "handler": None,
        "volunteer": None,
    }
    assert anonymous is None


def test_intake_community_follows_the_intake_rule(tree: Tree, people: Personas) -> None:
    for name in PERSONAS:
        user = getattr(people, name)
        assert policy.intake_community(user) == policy.anchor_for(user, "orgunit.log_petition")
    # The one intake rule: where a community has been found, the rule allows logging there.
    assert policy.role_may(people.worker, "orgunit.log_petition", tree.guangming) is True
    assert policy.role_may(people.worker, "orgunit.log_petition", tree.east) is False


def test_anchor_for_follows_a_superusers_role_and_anchor(tree: Tree) -> None:
    root_worker = make_user(
        "root_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_superuser=True
    )
    root_admin = make_user("root_admin", User.Role.ADMIN, unit=tree.guangming, is_superuser=True)
    assert policy.intake_community(root_worker) == tree.guangming
    assert policy.intake_community(root_admin) is None


def test_anchor_for_refuses_inactive_accounts(tree: Tree, people: Personas) -> None:
    people.worker.is_active = False
    assert policy.anchor_for(people.worker, "orgunit.log_petition") is None


def test_anchor_for_needs_a_community_anchor(tree: Tree) -> None:
    # A community worker's account anchored elsewhere (not something the services create).
    stray = User(username="stray", role=User.Role.COMMUNITY_WORKER, anchor_unit=tree.east)
    assert isinstance(stray.anchor_unit, OrgUnit)
    assert policy.anchor_for(stray, "orgunit.log_petition") is None


# Functions of the pages, by persona: the personas for which they answer True.
PAGE_FUNCTIONS = {
    "works_with_people": _table(*STAFF),
    "sees_staffed_grids_only": _table("grid"),
    "browses_units": _table(*STAFF, "volunteer"),
    "sees_source_visits": _table(*STAFF, "volunteer"),
    "receives_petition_notifications": _table(
        "official", "worker", "other_worker", "grid", "handler"
    ),
    "has_own_points": _table("volunteer"),
    "uses_admin_site": _table("superuser", "street_admin"),
    "is_volunteer_account": _table("volunteer"),
    "is_grid_worker_account": _table("grid"),
}


@pytest.mark.parametrize("function", sorted(PAGE_FUNCTIONS))
def test_page_functions_by_role(
    tree: Tree, people: Personas, django_assert_num_queries: Any, function: str
) -> None:
    ask = getattr(policy, function)
    with django_assert_num_queries(0):
        answers = {name: ask(getattr(people, name)) for name in PERSONAS}
    assert answers == PAGE_FUNCTIONS[function]


def test_page_functions_for_anonymous_users() -> None:
    anonymous = AnonymousUser()
    assert policy.works_with_people(anonymous) is False
    assert policy.sees_staffed_grids_only(anonymous) is False
    assert policy.receives_petition_notifications(anonymous) is False
    assert policy.uses_admin_site(anonymous) is False
    assert policy.is_volunteer_account(anonymous) is False
    assert policy.is_grid_worker_account(anonymous) is False


def test_superuser_accounts_answer_by_their_role_where_the_pages_always_have(tree: Tree) -> None:
    root_grid = make_user(
        "root_grid", User.Role.GRID_WORKER, unit=tree.guangming, is_superuser=True
    )
    root_handler = make_user("root_handler", User.Role.DEPARTMENT_HANDLER, is_superuser=True)
    # A superuser sees every grid: no "my grids", whatever the role.
    assert policy.is_grid_worker_account(root_grid) is True
    assert policy.sees_staffed_grids_only(root_grid) is False
    # The unit filter, the visit link and the notification count follow the role.
    assert policy.browses_units(root_handler) is False
    assert policy.sees_source_visits(root_handler) is False
    assert policy.receives_petition_notifications(root_handler) is True


def test_the_admin_site_needs_the_staff_flag(tree: Tree, people: Personas) -> None:
    people.street_admin.is_staff = False
    assert policy.role_may(people.street_admin, "page.admin_site", None) is True
    assert policy.uses_admin_site(people.street_admin) is False


ROLES = [str(role) for role in User.Role]


@pytest.mark.parametrize("role", ROLES)
def test_what_a_role_means_for_its_accounts(role: str) -> None:
    assert policy.anchored_at_department(role) is (role == User.Role.DEPARTMENT_HANDLER)
    assert policy.role_uses_admin_site(role) is (role == User.Role.ADMIN)


def test_only_an_account_of_the_same_role_takes_over(people: Personas) -> None:
    answers = {
        name: policy.may_take_over(getattr(people, name), people.worker) for name in PERSONAS
    }
    assert answers == _table("worker", "other_worker")
