"""Rules for the org tree, departments, accounts, people, party members and posts."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from orgchart.models import Department, OrgUnit, PersonRegistration, User
from orgchart.policy.core import (
    ACTION_RULES,
    VISIBILITY_RULES,
    AnyUser,
    Role,
    Scope,
    policy,
    scope_of,
    staffed_grids_q,
)


def _orgunit_rule(user: AnyUser, scope: Scope) -> Q:
    return scope.units_q()


def _department_rule(user: AnyUser, scope: Scope) -> Q:
    if scope.department_id is not None:
        return Q(pk=scope.department_id)
    # Departments serving any part of my subtree: their jurisdiction lies inside it, or
    # covers it from above (a district's 城管 serves every community in the district).
    return scope.units_q("jurisdiction") | scope.covers_unit_q("jurisdiction")


def _user_rule(user: AnyUser, scope: Scope) -> Q:
    own = Q(pk=user.pk) if user.is_authenticated else Q(pk__in=[])
    if scope.everything:
        return Q()
    if isinstance(user, User) and user.role == Role.ADMIN:
        # Superuser accounts are invisible to non-superusers, wherever they are anchored.
        return own | (
            (scope.units_q("anchor_unit") | scope.units_q("anchor_department__jurisdiction"))
            & Q(is_superuser=False)
        )
    return own


# Roles that work with residents' personal data at all (DESIGN §6). Handlers see petitioners
# masked through their petitions only; volunteers see no one's records but their own.
PEOPLE_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER})


def _works_with_people(user: AnyUser, scope: Scope) -> bool:
    return scope.everything or (isinstance(user, User) and user.role in PEOPLE_ROLES)


FULL_NAME_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER})


def sees_full_names(user: AnyUser) -> bool:
    """Staff roles see the names of the people in their scope in full (DESIGN §6: admins,
    officials, community and grid workers; a street leader must tell residents apart);
    everyone else sees ``张*``. ID numbers and phones are masked for every role until revealed
    (audited)."""
    if not user.is_authenticated or not isinstance(user, User):
        return False
    return user.is_superuser or user.role in FULL_NAME_ROLES


def _sees_grid_residents_only(user: AnyUser, scope: Scope) -> bool:
    """DESIGN §6: a grid worker's people are the residents of the grids they staff, not the
    rest of the community (superusers see everyone, whatever their role)."""
    return isinstance(user, User) and user.role == Role.GRID_WORKER and not scope.everything


def _grid_residents_q(user: AnyUser, person_path: str) -> Q:
    """Rows whose person (the column ``person_path``) is a resident the user sees: the very
    residents the resident rule shows them (their grids', through ``staffed_grids_q``)."""
    residents = policy(user, "grids.Resident").filter(person_id=OuterRef(person_path))
    return Q(Exists(residents))


def sees_area_people(user: AnyUser) -> bool:
    """Whether the user sees every person registered in their area, so that a holder of a
    post there has a person page for them (no query). False for the roles that work with no
    one's records and for grid workers, who see their grids' residents."""
    if not user.is_authenticated or not isinstance(user, User):
        return False
    scope = scope_of(user)
    return _works_with_people(user, scope) and not _sees_grid_residents_only(user, scope)


def _person_rule(user: AnyUser, scope: Scope) -> Q:
    if not _works_with_people(user, scope):
        return Q(pk__in=[])
    if scope.everything:
        return Q()
    if _sees_grid_residents_only(user, scope):
        return _grid_residents_q(user, "pk")
    registered_here = PersonRegistration.objects.filter(
        scope.units_q("unit"), person=OuterRef("pk")
    )
    return Q(Exists(registered_here))


def _party_member_rule(user: AnyUser, scope: Scope) -> Q:
    if not _works_with_people(user, scope):
        return Q(pk__in=[])
    rule = scope.units_q("organisation") | scope.units_q("home_community")
    if _sees_grid_residents_only(user, scope):
        return rule & _grid_residents_q(user, "person_id")  # the members among their people
    return rule


def _post_rule(user: AnyUser, scope: Scope) -> Q:
    # Who holds which post is public inside the area (names are masked for all but staff).
    return scope.units_q("unit")


def _is_admin(user: User, obj: Any) -> bool:
    return user.role == Role.ADMIN


def _may_change_department(user: User, obj: Department) -> bool:
    # An admin edits departments whose jurisdiction lies inside their own subtree, not the
    # district departments that merely serve it.
    return user.role == Role.ADMIN and scope_of(user).contains(obj.jurisdiction)


def _may_move_or_delete(user: User, obj: OrgUnit) -> bool:
    # An admin may restructure below their anchor, never the anchor itself.
    return user.role == Role.ADMIN and obj.pk != user.anchor_unit_id


def _keeps_ledgers(user: User, obj: Any) -> bool:
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER)


def _registers_people(user: User, obj: Any) -> bool:
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER)


# Roles that may see personal data in full for anyone in their scope (audited).
REVEAL_ROLES = frozenset({Role.ADMIN, Role.COMMUNITY_WORKER})


def _lives_in_my_grids(user: User, person: Any) -> bool:
    resident = apps.get_model("grids", "Resident")
    return resident.objects.filter(
        staffed_grids_q(user, "household__grid"),
        person_id=person.pk,
        moved_out_on__isnull=True,
    ).exists()


def _may_reveal(user: User, obj: Any) -> bool:
    # Grid workers reveal only the current residents of the grids they staff (DESIGN §6).
    if user.role == Role.GRID_WORKER:
        return _lives_in_my_grids(user, obj)
    return user.role in REVEAL_ROLES


def may_reveal_in_bulk(user: AnyUser) -> bool:
    """Whether the role may reveal personal data of every person in its scope at once (an
    export with ``?reveal=1``). A role-level answer, asked once per export instead of per
    row; roles whose reveal right depends on the person (grid workers: their grids'
    residents) never qualify. The caller still makes sure every row's person is in scope."""
    if not user.is_authenticated or not user.is_active or not isinstance(user, User):
        return False
    return user.is_superuser or user.role in REVEAL_ROLES


def _manages_account(user: User, obj: User) -> bool:
    return user.role == Role.ADMIN and not obj.is_superuser and obj.pk != user.pk


VISIBILITY_RULES.update(
    {
        "orgchart.OrgUnit": _orgunit_rule,
        "orgchart.Department": _department_rule,
        "orgchart.User": _user_rule,
        "orgchart.Person": _person_rule,
        "orgchart.PartyMember": _party_member_rule,
        "orgchart.Post": _post_rule,
    }
)
ACTION_RULES.update(
    {
        "orgunit.view": lambda user, obj: True,
        "orgunit.change": _is_admin,
        "orgunit.add_child": _is_admin,
        "orgunit.move": _may_move_or_delete,
        "orgunit.delete": _may_move_or_delete,
        "department.view": lambda user, obj: True,
        "department.change": _may_change_department,
        "department.add": _is_admin,
        "user.view": lambda user, obj: True,
        "user.change": lambda user, obj: user.role == Role.ADMIN and not obj.is_superuser,
        "user.manage": _manages_account,  # reset password, deactivate, hand over
        "orgunit.add_account": _is_admin,
        "department.add_account": _may_change_department,
        "orgunit.register_person": _registers_people,
        "orgunit.manage_posts": _keeps_ledgers,
        "orgunit.manage_party_members": _keeps_ledgers,
        "person.view": lambda user, obj: True,
        "person.change": _keeps_ledgers,
        "person.reveal": _may_reveal,
        "partymember.view": lambda user, obj: True,
        "partymember.change": _keeps_ledgers,
        "post.view": lambda user, obj: True,
        "post.change": _keeps_ledgers,
    }
)
