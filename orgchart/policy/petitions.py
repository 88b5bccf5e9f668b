"""Rules for petitions, dispatches, escalations, events and deadline policies (by label); the
notifications about petitions follow ``orgchart.policy.notifications``."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from orgchart.models import OrgUnit, User
from orgchart.policy.core import (
    ACTION_RULES,
    LIST_RULES,
    VISIBILITY_RULES,
    AnyUser,
    Role,
    Scope,
    scope_of,
    staffed_grids_q,
)
from orgchart.policy.people import REVEAL_ROLES

# Roles that see every petition arising in their subtree.
PETITION_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})


def _petition_q(user: AnyUser, scope: Scope, path: str = "", subtree: Q | None = None) -> Q:
    """Petitions (reached by ``path``) the user may see: arising in their subtree; for grid
    workers those they logged or that concern a grid they staff; for handlers those whistled
    to their department (petitioner masked). ``subtree`` words "the petition's community
    lies in the subtree" another way (``_petition_list_rule``)."""
    prefix = f"{path}__" if path else ""
    if scope.everything:
        return Q()
    if not isinstance(user, User):
        return Q(pk__in=[])
    arising_here = subtree if subtree is not None else scope.units_q(f"{prefix}community")
    if user.role in PETITION_ROLES:
        return arising_here
    if user.role == Role.GRID_WORKER:
        return arising_here & (
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


# A subtree of at most this many communities is named by their ids in the long petition lists.
LISTED_BY_COMMUNITY_IDS = 100


def _petition_list_rule(user: AnyUser, scope: Scope) -> Q:
    """The petitions of ``_petition_rule``, for the long lists (``listed``): a subtree of up to
    ``LISTED_BY_COMMUNITY_IDS`` communities is named by their ids (one query for them) rather
    than by a join to the tree. PostgreSQL then plans ``community_id IN (…)`` with each
    community's own statistics: a community worker's page is read from the per-community
    index, newest first, where behind the join the planner cannot tell one community from a
    city and sorts every case of the community. A larger subtree keeps the join, whose share
    of all cases is large enough for the newest-first index to find a page in a few hundred
    rows. A petition's community is always a unit of kind community (intake sets it)."""
    if scope.everything or scope.empty or not isinstance(user, User):
        return _petition_rule(user, scope)
    if user.role not in PETITION_ROLES and user.role != Role.GRID_WORKER:
        return _petition_rule(user, scope)
    communities = list(
        OrgUnit.objects.filter(scope.units_q(), kind=OrgUnit.Kind.COMMUNITY)
        .order_by()
        .values_list("pk", flat=True)[: LISTED_BY_COMMUNITY_IDS + 1]
    )
    if len(communities) > LISTED_BY_COMMUNITY_IDS:
        return _petition_rule(user, scope)
    return _petition_q(user, scope, subtree=Q(community_id__in=communities))


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


def _escalation_rule(user: AnyUser, scope: Scope) -> Q:
    """Escalations are seen with their petitions."""
    return _petition_q(user, scope, "petition")


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


def _whistle_open_to(user: User, petition: Any) -> bool:
    dispatch = apps.get_model("petitions", "Dispatch")
    return bool(
        dispatch.objects.filter(
            petition_id=petition.pk,
            department_id=user.anchor_department_id,
            status__in=["pending", "reported"],
        ).exists()
    )


def _reveals_petitioner(user: User, petition: Any) -> bool:
    """The roles that reveal personal data, and the handler of a department whose whistle on
    the case is still open (报到 needs the resident's name and phone; DESIGN §6)."""
    if user.role in REVEAL_ROLES:
        return True
    return (
        user.role == Role.DEPARTMENT_HANDLER
        and user.anchor_department_id is not None
        and _whistle_open_to(user, petition)
    )


def petitioner_in_scope(user: AnyUser, petition: Any) -> bool:
    """Whether the petitioner's contact exists for the user at all: for a department handler
    only while the department's whistle on the case is open (afterwards, as for another
    department, it is not there: 404); for everyone else whenever the petition is visible."""
    if isinstance(user, User) and user.role == Role.DEPARTMENT_HANDLER and not user.is_superuser:
        return user.anchor_department_id is not None and _whistle_open_to(user, petition)
    return True


def _may_change_policy(user: User, obj: Any) -> bool:
    return user.role == Role.ADMIN


VISIBILITY_RULES.update(
    {
        "petitions.Petition": _petition_rule,
        "petitions.Dispatch": _dispatch_rule,
        "petitions.PetitionEvent": _petition_event_rule,
        "petitions.Escalation": _escalation_rule,
        "petitions.DeadlinePolicy": _deadline_policy_rule,
    }
)
LIST_RULES["petitions.Petition"] = _petition_list_rule
ACTION_RULES.update(
    {
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
        "petition.tag_complex": lambda user, obj: (
            _is_unit_staff(user, obj) or _supervises(user, obj)
        ),
        "petition.reveal_petitioner": _reveals_petitioner,
        "dispatch.view": lambda user, obj: True,
        "dispatch.report": _handles_dispatch,
        "dispatch.return": _handles_dispatch,
        "dispatch.complete": _handles_dispatch,
        "dispatch.rate": _rates_dispatch,
        "deadlinepolicy.view": lambda user, obj: True,
        "deadlinepolicy.change": _may_change_policy,
        "calendar.change": _may_change_policy,  # the working-day calendar (no unit)
    }
)
