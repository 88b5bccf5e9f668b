"""The access policy: the one place that says which rows a user sees and what they may do.

* ``policy(user, resource)`` returns the queryset of rows of ``resource`` the user may see.
  Outside it a row does not exist for them: pages and the API answer 404, the admin treats
  the row as missing.
* ``can(user, action, obj)`` says whether the user may take ``action`` on ``obj``;
  ``require(user, action, obj)`` raises ``OutOfScope`` (404) when the row is not visible and
  ``NotAllowed`` (403) when it is visible but the role may not act.

Resources are named by model label (``"orgchart.OrgUnit"``) or given as the model class. The
apps above ``orgchart`` (grids, petitions, volunteers) get their rules here too, written against
model labels and field paths so this module never imports them (DESIGN §3 layers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Exists, OuterRef, Q

from governance.errors import NotAllowed, OutOfScope
from orgchart.models import Department, OrgUnit, PersonRegistration, User

Role = User.Role
AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class Scope:
    """The part of the tree a user works in: one subtree (or all of it, for superusers)."""

    everything: bool = False
    tree_id: int | None = None
    lft: int | None = None
    rght: int | None = None
    department_id: int | None = None

    @property
    def empty(self) -> bool:
        return not self.everything and self.tree_id is None

    def units_q(self, path: str = "") -> Q:
        """Rows whose unit (reached by ``path``; "" for OrgUnit itself) lies in the subtree."""
        if self.everything:
            return Q()
        if self.empty:
            return Q(pk__in=[])
        prefix = f"{path}__" if path else ""
        return Q(
            **{
                f"{prefix}tree_id": self.tree_id,
                f"{prefix}lft__gte": self.lft,
                f"{prefix}lft__lte": self.rght,
            }
        )

    def covers_unit_q(self, path: str) -> Q:
        """Rows whose unit (by ``path``) is the scope root or one of its ancestors."""
        if self.everything:
            return Q()
        if self.empty:
            return Q(pk__in=[])
        return Q(
            **{
                f"{path}__tree_id": self.tree_id,
                f"{path}__lft__lte": self.lft,
                f"{path}__rght__gte": self.rght,
            }
        )

    def contains(self, unit: OrgUnit) -> bool:
        if self.everything:
            return True
        if self.empty or self.lft is None or self.rght is None:
            return False
        return unit.tree_id == self.tree_id and self.lft <= unit.lft <= self.rght


def scope_of(user: AnyUser) -> Scope:
    """The user's subtree, from their anchor (cached on the user object for the request)."""
    cached = getattr(user, "_policy_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if isinstance(user, User):
        user._policy_scope = scope  # type: ignore[attr-defined]
    return scope


def refresh_scope(user: AnyUser) -> Scope:
    """Recompute the scope from the database (for writers holding the tree lock: a move that
    committed since the request began may have shifted the anchor's lft/rght)."""
    if isinstance(user, User):
        # delattr, not __dict__: request.user is a lazy proxy that forwards attribute access.
        with contextlib.suppress(AttributeError):
            delattr(user, "_policy_scope")
        if user.anchor_unit_id is not None:
            user.anchor_unit = OrgUnit.objects.get(pk=user.anchor_unit_id)
    return scope_of(user)


def _compute_scope(user: AnyUser) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope()
    if not isinstance(user, User):
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    if user.role == Role.DEPARTMENT_HANDLER:
        if user.anchor_department_id is None:
            return Scope()
        department = (
            Department.objects.select_related("jurisdiction")
            .filter(pk=user.anchor_department_id, is_active=True)
            .first()
        )
        if department is None:
            return Scope()
        root = department.jurisdiction
        return Scope(
            tree_id=root.tree_id, lft=root.lft, rght=root.rght, department_id=department.pk
        )
    if user.anchor_unit_id is None:
        return Scope()
    # The anchor is loaded with the user at the start of each request (orgchart.auth), so its
    # lft/rght are current; loaded lazily otherwise.
    anchor = user.anchor_unit
    assert anchor is not None  # noqa: S101 - anchor_unit_id is set
    return Scope(tree_id=anchor.tree_id, lft=anchor.lft, rght=anchor.rght)


# --- Visibility rules, one per resource ------------------------------------------------------

VisibilityRule = Callable[[AnyUser, Scope], Q]


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


def sees_full_names(user: AnyUser) -> bool:
    """Roles that keep the people ledger see names in full; everyone else sees ``张*``.
    ID numbers and phones are masked for every role until revealed (audited)."""
    if not user.is_authenticated or not isinstance(user, User):
        return False
    return user.is_superuser or user.role in (Role.ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER)


def _person_rule(user: AnyUser, scope: Scope) -> Q:
    if not _works_with_people(user, scope):
        return Q(pk__in=[])
    if scope.everything:
        return Q()
    registered_here = PersonRegistration.objects.filter(
        scope.units_q("unit"), person=OuterRef("pk")
    )
    return Q(Exists(registered_here))


def _party_member_rule(user: AnyUser, scope: Scope) -> Q:
    if not _works_with_people(user, scope):
        return Q(pk__in=[])
    return scope.units_q("organisation") | scope.units_q("home_community")


def _post_rule(user: AnyUser, scope: Scope) -> Q:
    # Who holds which post is public inside the area (names are masked for all but staff).
    return scope.units_q("unit")


# --- Grids (the grids app; named by label and field path, never imported) -------------------

# Roles that see grids, households and residents of their whole subtree. Grid workers see the
# grids they currently staff; handlers and volunteers see none.
GRID_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})


def staffed_grids_q(user: AnyUser, path: str = "") -> Q:
    """Rows whose grid (reached by ``path``; "" for Grid itself) the user currently staffs."""
    grid_staff = apps.get_model("grids", "GridStaff")
    current = grid_staff.objects.filter(
        account_id=user.pk, ended_on__isnull=True, grid_id=OuterRef(path or "pk")
    )
    return Q(Exists(current))


def _grid_scoped(user: AnyUser, scope: Scope, grid_path: str, unit_q: Q) -> Q:
    if scope.everything:
        return Q()
    if not isinstance(user, User):
        return Q(pk__in=[])
    if user.role == Role.GRID_WORKER:
        return staffed_grids_q(user, grid_path) & unit_q
    if user.role in GRID_ROLES:
        return unit_q
    return Q(pk__in=[])


def _grid_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "", scope.units_q("community"))


def _grid_staff_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "grid", scope.units_q("grid__community"))


def _household_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "grid", scope.units_q("community"))


def _resident_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "household__grid", scope.units_q("household__community"))


def _visit_rule(user: AnyUser, scope: Scope) -> Q:
    rule = _grid_scoped(user, scope, "grid", scope.units_q("grid__community"))
    if isinstance(user, User) and user.role == Role.GRID_WORKER:
        # A grid worker keeps seeing the visits they recorded after leaving a grid.
        rule |= Q(visitor_id=user.pk) & scope.units_q("grid__community")
    return rule


# --- Petitions (the petitions app; by label and field path) ----------------------------------

# Roles that see every petition arising in their subtree.
PETITION_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})


def _petition_q(user: AnyUser, scope: Scope, path: str = "") -> Q:
    """Petitions (reached by ``path``) the user may see: arising in their subtree; for grid
    workers those they logged or that concern a grid they staff; for handlers those whistled
    to their department (petitioner masked)."""
    prefix = f"{path}__" if path else ""
    if scope.everything:
        return Q()
    if not isinstance(user, User):
        return Q(pk__in=[])
    if user.role in PETITION_ROLES:
        return scope.units_q(f"{prefix}community")
    if user.role == Role.GRID_WORKER:
        return scope.units_q(f"{prefix}community") & (
            Q(**{f"{prefix}created_by_id": user.pk}) | staffed_grids_q(user, f"{prefix}grid")
        )
    if user.role == Role.DEPARTMENT_HANDLER and scope.department_id is not None:
        dispatch = apps.get_model("petitions", "Dispatch")
        whistled = dispatch.objects.filter(
            petition_id=OuterRef(path or "pk"),
            department_id=scope.department_id,
        )
        return Q(Exists(whistled))
    return Q(pk__in=[])


def _petition_rule(user: AnyUser, scope: Scope) -> Q:
    return _petition_q(user, scope)


def _dispatch_rule(user: AnyUser, scope: Scope) -> Q:
    if isinstance(user, User) and user.role == Role.DEPARTMENT_HANDLER and not scope.everything:
        if scope.department_id is None:
            return Q(pk__in=[])
        return Q(department_id=scope.department_id)
    return _petition_q(user, scope, "petition")


def _petition_event_rule(user: AnyUser, scope: Scope) -> Q:
    if isinstance(user, User) and user.role == Role.DEPARTMENT_HANDLER and not scope.everything:
        # A handler sees the timeline of the petitions whistled to them.
        return _petition_q(user, scope, "petition")
    return _petition_q(user, scope, "petition")


def _deadline_policy_rule(user: AnyUser, scope: Scope) -> Q:
    return Q() if user.is_authenticated else Q(pk__in=[])


def _notification_rule(user: AnyUser, scope: Scope) -> Q:
    return Q(recipient_id=user.pk) if user.is_authenticated else Q(pk__in=[])


VISIBILITY_RULES: dict[str, VisibilityRule] = {
    "orgchart.OrgUnit": _orgunit_rule,
    "orgchart.Department": _department_rule,
    "orgchart.User": _user_rule,
    "orgchart.Person": _person_rule,
    "orgchart.PartyMember": _party_member_rule,
    "orgchart.Post": _post_rule,
    "grids.Grid": _grid_rule,
    "grids.GridStaff": _grid_staff_rule,
    "grids.Household": _household_rule,
    "grids.Resident": _resident_rule,
    "grids.Visit": _visit_rule,
    "petitions.Petition": _petition_rule,
    "petitions.Dispatch": _dispatch_rule,
    "petitions.PetitionEvent": _petition_event_rule,
    "petitions.DeadlinePolicy": _deadline_policy_rule,
    "petitions.Notification": _notification_rule,
}


def _label(resource: str | type[models.Model]) -> str:
    return resource if isinstance(resource, str) else resource._meta.label


def policy(user: AnyUser, resource: str | type[models.Model]) -> models.QuerySet[Any]:
    """The rows of ``resource`` that ``user`` may see (an unevaluated queryset)."""
    label = _label(resource)
    rule = VISIBILITY_RULES[label]
    model = apps.get_model(label)
    scope = scope_of(user)
    if not user.is_authenticated:
        return model._default_manager.none()
    return model._default_manager.filter(rule(user, scope))


def is_visible(user: AnyUser, obj: models.Model) -> bool:
    if isinstance(obj, OrgUnit):
        return user.is_authenticated and scope_of(user).contains(obj)
    return policy(user, type(obj)).filter(pk=obj.pk).exists()


# --- Actions ---------------------------------------------------------------------------------

ActionRule = Callable[[User, Any], bool]


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


def _keeps_grids(user: User, obj: Any) -> bool:
    """Admins and community workers set grids up and appoint their staff."""
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER)


def _keeps_households(user: User, obj: Any) -> bool:
    """Households and residents are kept by the community and by the grid's own workers
    (who see only the grids they staff, so visibility already limits them)."""
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER)


def _visits(user: User, obj: Any) -> bool:
    return user.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER)


def _may_reveal_resident(user: User, obj: Any) -> bool:
    # Visibility already limits grid workers to their grids' residents.
    return user.role in (*REVEAL_ROLES, Role.GRID_WORKER)


def _logs_petitions(user: User, obj: OrgUnit) -> bool:
    """Intake (登记): community workers at their community, grid workers at theirs."""
    return (
        user.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER)
        and obj.kind == OrgUnit.Kind.COMMUNITY
    )


def _is_unit_staff(user: User, petition: Any) -> bool:
    """DESIGN §5 "unit staff": a community worker or official anchored at the petition's
    current handling unit (the community at first, its parent after each escalation)."""
    return (
        user.role in (Role.COMMUNITY_WORKER, Role.OFFICIAL)
        and user.anchor_unit_id == petition.handling_unit_id
    )


def _supervises(user: User, petition: Any) -> bool:
    """督办: an official of a unit above the handling unit (the petition is visible, so the
    handling unit lies in the official's subtree or is the community below it)."""
    if user.role != Role.OFFICIAL or user.anchor_unit_id == petition.handling_unit_id:
        return False
    unit = petition.handling_unit
    scope = scope_of(user)
    return scope.contains(unit) and unit.pk != user.anchor_unit_id


def _decides_extension(user: User, petition: Any) -> bool:
    return (
        user.role == Role.OFFICIAL
        and petition.handling_unit.parent_id is not None
        and user.anchor_unit_id == petition.handling_unit.parent_id
    )


def _handles_dispatch(user: User, dispatch: Any) -> bool:
    return (
        user.role == Role.DEPARTMENT_HANDLER and user.anchor_department_id == dispatch.department_id
    )


def _rates_dispatch(user: User, dispatch: Any) -> bool:
    return _is_unit_staff(user, dispatch.petition)


def _may_change_policy(user: User, obj: Any) -> bool:
    return user.role == Role.ADMIN


def _manages_account(user: User, obj: User) -> bool:
    return user.role == Role.ADMIN and not obj.is_superuser and obj.pk != user.pk


ACTION_RULES: dict[str, ActionRule] = {
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
    "orgunit.add_grid": _keeps_grids,  # obj: the community
    "grid.view": lambda user, obj: True,
    "grid.change": _keeps_grids,
    "grid.manage_staff": _keeps_grids,
    "grid.add_household": _keeps_households,
    "grid.visit": _visits,
    "household.view": lambda user, obj: True,
    "household.change": _keeps_households,
    "household.move": _keeps_grids,  # to another grid of the community
    "household.add_resident": _keeps_households,
    "household.visit": _visits,
    "resident.view": lambda user, obj: True,
    "resident.change": _keeps_households,
    "resident.reveal_restricted": _may_reveal_resident,
    "visit.view": lambda user, obj: True,
    "orgunit.log_petition": _logs_petitions,  # obj: the community
    "petition.view": lambda user, obj: True,
    "petition.accept": _is_unit_staff,
    "petition.reject": _is_unit_staff,
    "petition.start": _is_unit_staff,
    "petition.dispatch": _is_unit_staff,
    "petition.reply": _is_unit_staff,
    "petition.evaluate": _is_unit_staff,
    "petition.close": _is_unit_staff,
    "petition.reopen": _is_unit_staff,
    "petition.supervise": _supervises,
    "petition.request_extension": _is_unit_staff,
    "petition.decide_extension": _decides_extension,
    "petition.tag_complex": lambda user, obj: _is_unit_staff(user, obj) or _supervises(user, obj),
    "petition.reveal_petitioner": lambda user, obj: user.role in REVEAL_ROLES,
    "dispatch.view": lambda user, obj: True,
    "dispatch.report": _handles_dispatch,
    "dispatch.return": _handles_dispatch,
    "dispatch.complete": _handles_dispatch,
    "dispatch.rate": _rates_dispatch,
    "deadlinepolicy.view": lambda user, obj: True,
    "deadlinepolicy.change": _may_change_policy,
}


def can(user: AnyUser, action: str, obj: models.Model) -> bool:
    """True when ``obj`` is in the user's scope and their role may take ``action`` on it."""
    if not user.is_authenticated or not user.is_active or not is_visible(user, obj):
        return False
    if not isinstance(user, User):
        return False
    if user.is_superuser:
        return True
    return ACTION_RULES[action](user, obj)


def require(user: AnyUser, action: str, obj: models.Model) -> None:
    """Raise ``OutOfScope`` (404) or ``NotAllowed`` (403) unless ``can(user, action, obj)``."""
    if action not in ACTION_RULES:
        raise KeyError(action)
    if not user.is_authenticated or not is_visible(user, obj):
        raise OutOfScope()
    if not can(user, action, obj):
        raise NotAllowed()


def actions_for(user: AnyUser, obj: models.Model, actions: list[str]) -> set[str]:
    """The subset of ``actions`` the user may take on ``obj`` (for showing buttons)."""
    return {action for action in actions if can(user, action, obj)}
