"""What the volunteer selectors share: the subtree filter, the scoped get, the party-member
flag, local midnight and the hours field."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import DecimalField, Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from governance.errors import OutOfScope
from orgchart.models import OrgUnit, PartyMember

ModelT = TypeVar("ModelT", bound=Model)

HOURS: Any = DecimalField(max_digits=9, decimal_places=1)


def _within(prefix: str, unit: OrgUnit) -> Q:
    """Rows whose unit (by ``prefix``) lies in ``unit``'s subtree."""
    return Q(
        **{
            f"{prefix}__tree_id": unit.tree_id,
            f"{prefix}__lft__gte": unit.lft,
            f"{prefix}__lft__lte": unit.rght,
        }
    )


def _get(rows: QuerySet[ModelT], pk: Any) -> ModelT:
    try:
        return rows.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise OutOfScope() from error


def _is_party_member(person_path: str) -> Exists:
    return Exists(PartyMember.objects.filter(person_id=OuterRef(person_path)))


def local_day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the deployment's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
