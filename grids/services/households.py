"""Households: recording dwellings in a basic grid, describing and regridding them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from grids.models import Grid, Household
from grids.services.core import _check, _fail
from orgchart import policy
from orgchart.models import OrgUnit
from orgchart.policy import AnyUser

_ENTRANCE_SUFFIX = re.compile(r"(单元|门|entrance)$", re.IGNORECASE)
_ROOM_SUFFIX = re.compile(r"(室|号|room)$", re.IGNORECASE)


def household_address(
    *, building: OrgUnit | None, building_label: str, entrance: str, room: str
) -> str:
    """The written address of a dwelling: "1号楼2单元301室"."""
    parts = [building.name if building is not None else building_label.strip()]
    entrance, room = entrance.strip(), room.strip()
    if entrance:
        parts.append(entrance if _ENTRANCE_SUFFIX.search(entrance) else f"{entrance}单元")
    if room:
        parts.append(room if _ROOM_SUFFIX.search(room) else f"{room}室")
    return "".join(part for part in parts if part)[:200]


HOUSEHOLD_FIELDS = frozenset(
    {"building", "building_label", "entrance", "room", "address", "floor_area", "tenure", "notes"}
)


def _household_fields(
    *, community_id: int, current: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    merged = {**current, **changes}
    fields: dict[str, Any] = {}
    building = merged.get("building")
    if "building" in changes and building is not None:
        community = OrgUnit.objects.get(pk=community_id)
        if (
            building.kind != OrgUnit.Kind.BUILDING
            or building.tree_id != community.tree_id
            or not community.lft < building.lft < community.rght
        ):
            errors["building"] = [_("Choose a building of the grid's community.")]
    for field, limit in (("building_label", 50), ("entrance", 10), ("room", 20)):
        if field in changes:
            value = (changes[field] or "").strip()
            if len(value) > limit:
                errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
            fields[field] = value
    if "building" in changes:
        fields["building"] = building
    if "tenure" in changes:
        if changes["tenure"] not in Household.Tenure.values:
            errors["tenure"] = [_("Not a valid choice.")]
        fields["tenure"] = changes["tenure"]
    if "floor_area" in changes:
        area = changes["floor_area"]
        if area in ("", None):
            fields["floor_area"] = None
        else:
            try:
                area = Decimal(str(area)).quantize(Decimal("0.01"))
            except ArithmeticError:
                errors["floor_area"] = [_("Enter a number.")]
            else:
                if not Decimal("1") <= area <= Decimal("99999"):
                    errors["floor_area"] = [_("A floor area lies between 1 and 99,999 m².")]
                fields["floor_area"] = area
    if "notes" in changes:
        fields["notes"] = (changes["notes"] or "").strip()
    address = (changes.get("address") or "").strip()
    if not address and ({"building", "building_label", "entrance", "room"} & set(changes)):
        address = household_address(
            building=building,
            building_label=merged.get("building_label") or "",
            entrance=merged.get("entrance") or "",
            room=merged.get("room") or "",
        )
    if address or "address" in changes:
        if not address:
            errors["address"] = [_("Give the address, or the building and room.")]
        fields["address"] = address[:200]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    return fields


def _save_household(household: Household, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                household.save()
            else:
                household.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as error:
        raise _fail(
            "address", _("A household with this address is already recorded in the community.")
        ) from error


def _basic_grid_errors(grid: Grid) -> list[str]:
    if grid.kind != Grid.Kind.BASIC:
        return [_("A household belongs to a basic grid.")]
    if not grid.is_active:
        return [_("This grid is no longer active.")]
    return []


@transaction.atomic
def household_create(
    *,
    actor: AnyUser | None,
    grid: Grid,
    building: OrgUnit | None = None,
    building_label: str = "",
    entrance: str = "",
    room: str = "",
    address: str = "",
    floor_area: Any = None,
    tenure: str = Household.Tenure.OWNED,
    notes: str = "",
) -> Household:
    """Record a dwelling in a basic grid. The address is made from building, stairwell and
    room unless given, and is unique within the community (``ValidationFailed`` on
    ``address`` for a second one: not idempotent, the caller finds the existing one)."""
    _check(actor, "grid.add_household", grid)
    grid_errors = _basic_grid_errors(grid)
    if grid_errors:
        raise ValidationFailed(_("Please correct the errors below."), fields={"grid": grid_errors})
    fields = _household_fields(
        community_id=grid.community_id,
        current={},
        changes={
            "building": building,
            "building_label": building_label,
            "entrance": entrance,
            "room": room,
            "address": address,
            "floor_area": floor_area,
            "tenure": tenure,
            "notes": notes,
        },
    )
    household = Household(grid=grid, community_id=grid.community_id, **fields)
    _save_household(household)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=household,
        changes={"grid": grid, **fields},
    )
    return household


@transaction.atomic
def household_update(*, actor: AnyUser | None, household: Household, **changes: Any) -> Household:
    """Change a dwelling's description (fields of ``household_create`` but the grid; use
    ``household_move`` for that). A changed building or room rewrites the address unless an
    address is given. Nothing given, nothing written."""
    unknown = set(changes) - HOUSEHOLD_FIELDS
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    household = Household.objects.select_for_update().get(pk=household.pk)
    _check(actor, "household.change", household)
    current = {field: getattr(household, field) for field in HOUSEHOLD_FIELDS}
    fields = _household_fields(
        community_id=household.community_id, current=current, changes=changes
    )
    fields = {field: value for field, value in fields.items() if current.get(field) != value}
    if not fields:
        return household
    for field, value in fields.items():
        setattr(household, field, value)
    _save_household(household, fields=list(fields))
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=household, changes=fields)
    return household


@transaction.atomic
def household_move(*, actor: AnyUser | None, household: Household, grid: Grid) -> Household:
    """Move a household to another basic grid of the same community (regridding). Idempotent:
    moving it to its own grid changes nothing."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    _check(actor, "household.move", household)
    if actor is not None:
        policy.require(actor, "grid.view", grid)
    if grid.pk == household.grid_id:
        return household
    errors = _basic_grid_errors(grid)
    if grid.community_id != household.community_id:
        errors.append(_("A household moves only between grids of its community."))
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields={"grid": errors})
    previous = household.grid_id
    household.grid = grid
    household.save(update_fields=["grid", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=household,
        changes={"grid": grid.pk, "previous_grid": previous},
    )
    return household
