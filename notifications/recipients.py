"""Who is told: the accounts that act for a unit or a department."""

from __future__ import annotations

from django.db.models import QuerySet

from orgchart.models import User


def unit_staff(unit_id: int) -> QuerySet[User]:
    """Active accounts that act for a unit (DESIGN §5 "unit staff"): its community workers
    and officials."""
    return User.objects.filter(
        anchor_unit_id=unit_id,
        role__in=(User.Role.COMMUNITY_WORKER, User.Role.OFFICIAL),
        is_active=True,
    )


def department_handlers(department_id: int) -> QuerySet[User]:
    """Active accounts that handle a department's work."""
    return User.objects.filter(
        anchor_department_id=department_id,
        role=User.Role.DEPARTMENT_HANDLER,
        is_active=True,
    )
