"""Who is told: the accounts that act for a unit or a department."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from orgchart.models import User


def _unit_staff() -> QuerySet[User]:
    return User.objects.filter(
        role__in=(User.Role.COMMUNITY_WORKER, User.Role.OFFICIAL), is_active=True
    )


def _department_handlers() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.DEPARTMENT_HANDLER, is_active=True)


def unit_staff(unit_id: int) -> QuerySet[User]:
    """Active accounts that act for a unit (DESIGN §5 "unit staff"): its community workers
    and officials."""
    return _unit_staff().filter(anchor_unit_id=unit_id)


def department_handlers(department_id: int) -> QuerySet[User]:
    """Active accounts that handle a department's work."""
    return _department_handlers().filter(anchor_department_id=department_id)


def unit_staff_by_unit(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """``unit_staff`` of many units in one query: unit id → its staff (none: absent)."""
    staff: defaultdict[int, list[User]] = defaultdict(list)
    for user in _unit_staff().filter(anchor_unit_id__in=set(unit_ids)):
        if user.anchor_unit_id is not None:
            staff[user.anchor_unit_id].append(user)
    return dict(staff)


def department_handlers_by_department(department_ids: Iterable[int]) -> dict[int, list[User]]:
    """``department_handlers`` of many departments in one query."""
    handlers: defaultdict[int, list[User]] = defaultdict(list)
    for user in _department_handlers().filter(anchor_department_id__in=set(department_ids)):
        if user.anchor_department_id is not None:
            handlers[user.anchor_department_id].append(user)
    return dict(handlers)
