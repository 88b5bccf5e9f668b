"""The core of the access policy: scopes, the rule registries, and the questions every
page asks (``policy``, ``can``, ``require``, ``actions_for``; ``role_may`` for the rule
alone; ``overseen`` for the admin site; ``listed`` for the long lists). The rules live beside
it, one module per app."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Exists, OuterRef, Q

from governance.errors import NotAllowed, OutOfScope
from orgchart.models import Department, OrgUnit, User

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


class _ScopeCache(Protocol):
    """An account carrying its scope for the rest of the request (``scope_of`` sets it)."""

    _policy_scope: Scope


def scope_of(user: AnyUser) -> Scope:
    """The user's subtree, from their anchor (cached on the user object for the request)."""
    cached = getattr(user, "_policy_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if isinstance(user, User):
        cast(_ScopeCache, user)._policy_scope = scope
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


VisibilityRule = Callable[[AnyUser, Scope], Q]
VISIBILITY_RULES: dict[str, VisibilityRule] = {}
# What the admin site shows, for the few resources where that is more than the pages show: a
# message is read by its recipient alone, while the admin of an area looks after the messages
# of that area. A resource without a rule here is overseen as it is seen (``overseen``).
OVERSIGHT_RULES: dict[str, VisibilityRule] = {}


# How the long lists read the rows of a resource, where that needs other SQL than the rule of
# ``VISIBILITY_RULES`` for the database to plan it well: the same rows, written for the planner
# (``listed``). A resource without a rule here is listed as it is seen.
LIST_RULES: dict[str, VisibilityRule] = {}


ActionRule = Callable[[User, Any], bool]
ACTION_RULES: dict[str, ActionRule] = {}


def staffed_grids_q(user: AnyUser, path: str = "") -> Q:
    """Rows whose grid (reached by ``path``; "" for Grid itself) the user currently staffs."""
    grid_staff = apps.get_model("grids", "GridStaff")
    current = grid_staff.objects.filter(
        account_id=user.pk, ended_on__isnull=True, grid_id=OuterRef(path or "pk")
    )
    return Q(Exists(current))


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


def listed(user: AnyUser, resource: str | type[models.Model]) -> models.QuerySet[Any]:
    """The rows of ``policy(user, resource)``, for a long list read a page at a time in index
    order: written by the resource's rule in ``LIST_RULES`` where it has one (which may run a
    query of its own), else the visibility rule."""
    label = _label(resource)
    rule = LIST_RULES.get(label)
    if rule is None:
        return policy(user, label)
    model = apps.get_model(label)
    if not user.is_authenticated:
        return model._default_manager.none()
    return model._default_manager.filter(rule(user, scope_of(user)))


def overseen(user: AnyUser, resource: str | type[models.Model]) -> models.QuerySet[Any]:
    """The rows of ``resource`` the admin site shows ``user``: those of its oversight rule
    where it has one (``OVERSIGHT_RULES``), else ``policy(user, resource)``."""
    label = _label(resource)
    rule = OVERSIGHT_RULES.get(label)
    if rule is None:
        return policy(user, label)
    model = apps.get_model(label)
    if not user.is_authenticated:
        return model._default_manager.none()
    return model._default_manager.filter(rule(user, scope_of(user)))


def is_visible(user: AnyUser, obj: models.Model) -> bool:
    if isinstance(obj, OrgUnit):
        return user.is_authenticated and scope_of(user).contains(obj)
    return policy(user, type(obj)).filter(pk=obj.pk).exists()


def role_may(user: AnyUser, action: str, obj: models.Model | None) -> bool:
    """Whether the user's role may take ``action`` on ``obj``: the rule of ``ACTION_RULES``
    alone, without ``can``'s visibility check (no query of its own).

    Right only where visibility is settled some other way: the caller has already
    established that the user sees ``obj`` (a row of the user's own scoped list, a row not
    yet saved under a parent they see), or ``obj`` belongs to no unit and so has no scope to
    be seen in (``None`` then). Everywhere else ask ``can`` or ``require``.

    Like ``can``: False for anonymous and inactive users, True for an active superuser (for
    any ``action``), else the rule's answer (``KeyError`` for an action without a rule).
    """
    if not user.is_authenticated or not user.is_active or not isinstance(user, User):
        return False
    if user.is_superuser:
        return True
    return ACTION_RULES[action](user, obj)


def can(user: AnyUser, action: str, obj: models.Model) -> bool:
    """True when ``obj`` is in the user's scope and their role may take ``action`` on it."""
    if not user.is_authenticated or not user.is_active or not is_visible(user, obj):
        return False
    return role_may(user, action, obj)


def require(user: AnyUser, action: str, obj: models.Model) -> None:
    """Raise ``OutOfScope`` (404) or ``NotAllowed`` (403) unless ``can(user, action, obj)``."""
    if action not in ACTION_RULES:
        raise KeyError(action)
    if not user.is_authenticated or not is_visible(user, obj):
        raise OutOfScope()
    if not role_may(user, action, obj):
        raise NotAllowed()


def actions_for(user: AnyUser, obj: models.Model, actions: list[str]) -> set[str]:
    """The subset of ``actions`` the user may take on ``obj`` (for showing buttons): one
    visibility check for all of them."""
    if not user.is_authenticated or not user.is_active or not is_visible(user, obj):
        return set()
    return {action for action in actions if role_may(user, action, obj)}
