"""Grids: creating, describing (boundary, site, topic), deactivating and deleting them."""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from grids.models import Grid
from grids.services.core import _check, _fail
from grids.services.outlines import community_outline_refresh
from orgchart.models import OrgUnit
from orgchart.policy import AnyUser


def _valid_position(position: Any) -> bool:
    return (
        isinstance(position, list | tuple)
        and len(position) in (2, 3)
        and all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in position
        )
        and -180 <= position[0] <= 180
        and -90 <= position[1] <= 90
    )


def _valid_polygon(rings: Any) -> bool:
    if not isinstance(rings, list) or not rings:
        return False
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            return False
        if not all(_valid_position(position) for position in ring):
            return False
        if list(ring[0]) != list(ring[-1]):
            return False
    return True


def grid_clean_boundary(boundary: Any) -> dict[str, Any] | None:
    """A GeoJSON Polygon or MultiPolygon (a bare geometry, or a Feature holding one), or None.

    Accepts the JSON as text too (pasted into a form). Raises ``ValidationFailed`` on
    ``boundary`` otherwise: rings need at least four positions, the first equal to the last,
    longitudes within ±180 and latitudes within ±90.
    """
    if boundary in (None, "", {}):
        return None
    if isinstance(boundary, str):
        try:
            boundary = json.loads(boundary)
        except ValueError as error:
            raise _fail("boundary", _("The boundary is not valid JSON.")) from error
    if isinstance(boundary, dict) and boundary.get("type") == "Feature":
        boundary = boundary.get("geometry")
    message = _("The boundary must be a GeoJSON Polygon or MultiPolygon with closed rings.")
    if not isinstance(boundary, dict):
        raise _fail("boundary", message)
    kind, coordinates = boundary.get("type"), boundary.get("coordinates")
    if kind == "Polygon" and _valid_polygon(coordinates):
        return {"type": kind, "coordinates": coordinates}
    if (
        kind == "MultiPolygon"
        and isinstance(coordinates, list)
        and coordinates
        and all(_valid_polygon(polygon) for polygon in coordinates)
    ):
        return {"type": kind, "coordinates": coordinates}
    raise _fail("boundary", message)


def _grid_fields(
    *, community: OrgUnit, changes: dict[str, Any], kind: str
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        fields["name"] = name[:100]
    if "code" in changes:
        fields["code"] = (changes["code"] or "").strip()[:30]
    if "compound" in changes:
        compound = changes["compound"]
        if compound is not None and (
            compound.kind != OrgUnit.Kind.COMPOUND
            or compound.tree_id != community.tree_id
            or not community.lft < compound.lft < community.rght
        ):
            errors["compound"] = [_("Choose a compound of the grid's community.")]
        fields["compound"] = compound
    if "area_type" in changes:
        area_type = changes["area_type"] or community.area_type
        if area_type not in OrgUnit.AreaType.values:
            errors["area_type"] = [_("Not a valid choice.")]
        fields["area_type"] = area_type
    if "site" in changes:
        site = changes["site"] or ""
        if site and site not in Grid.Site.values:
            errors["site"] = [_("Not a valid choice.")]
        elif site and kind != Grid.Kind.DEDICATED:
            errors["site"] = [_("Only a dedicated grid covers a site.")]
        fields["site"] = site
    if "topic" in changes:
        fields["topic"] = (changes["topic"] or "").strip()[:100]
    if "boundary" in changes:
        try:
            fields["boundary"] = grid_clean_boundary(changes["boundary"])
        except ValidationFailed as error:
            errors.update(error.fields)
    return fields, errors


def _save_grid(grid: Grid, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                grid.save()
            else:
                grid.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as error:
        message = str(error).lower()
        if "code" in message:
            raise _fail("code", _("Another grid of this community has this code.")) from error
        raise _fail("name", _("Another grid of this community has this name.")) from error


@transaction.atomic
def grid_create(
    *,
    actor: AnyUser | None,
    community: OrgUnit,
    name: str,
    kind: str = Grid.Kind.BASIC,
    compound: OrgUnit | None = None,
    code: str = "",
    site: str = "",
    topic: str = "",
    area_type: str = "",
    boundary: Any = None,
) -> Grid:
    """Create a grid in ``community`` (optionally inside one of its compounds).

    Urban or rural follows the community unless given. Dedicated grids name their site (mall,
    school, industrial park…), special grids their topic. A boundary redraws the community's
    outline (``community_outline_refresh``). Not idempotent: a second grid with the same name
    in the community is a ``ValidationFailed`` on ``name``.
    """
    _check(actor, "orgunit.add_grid", community)
    if community.kind != OrgUnit.Kind.COMMUNITY:
        raise _fail("community", _("A grid belongs to a community."))
    if kind not in Grid.Kind.values:
        raise _fail("kind", _("Not a valid choice."))
    fields, errors = _grid_fields(
        community=community,
        kind=kind,
        changes={
            "name": name,
            "code": code,
            "compound": compound,
            "area_type": area_type,
            "site": site,
            "topic": topic,
            "boundary": boundary,
        },
    )
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    grid = Grid(community=community, kind=kind, **fields)
    _save_grid(grid)
    if grid.boundary is not None:
        community_outline_refresh(community_id=community.pk)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=grid,
        changes={"community": community, "kind": kind, **fields},
    )
    return grid


GRID_CHANGEABLE = frozenset(
    {"name", "code", "compound", "area_type", "site", "topic", "boundary", "is_active"}
)


@transaction.atomic
def grid_update(*, actor: AnyUser | None, grid: Grid, **changes: Any) -> Grid:
    """Change a grid's description (fields of ``grid_create`` and ``is_active``).

    A grid that still has households cannot be deactivated (move them first). The kind is
    fixed once created. A new boundary, or a grid (de)activated, redraws the community's
    outline. Nothing given, nothing written.
    """
    unknown = set(changes) - GRID_CHANGEABLE
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    grid = Grid.objects.select_for_update(of=("self",)).select_related("community").get(pk=grid.pk)
    _check(actor, "grid.change", grid)
    fields, errors = _grid_fields(community=grid.community, kind=grid.kind, changes=changes)
    if "is_active" in changes:
        active = bool(changes["is_active"])
        if not active and grid.households.exists():
            errors["is_active"] = [_("Move this grid's households to another grid first.")]
        fields["is_active"] = active
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    fields = {field: value for field, value in fields.items() if getattr(grid, field) != value}
    if not fields:
        return grid
    for field, value in fields.items():
        setattr(grid, field, value)
    _save_grid(grid, fields=list(fields))
    if {"boundary", "is_active"} & set(fields):
        community_outline_refresh(community_id=grid.community_id)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=grid, changes=fields)
    return grid


@transaction.atomic
def grid_delete(*, actor: AnyUser | None, grid: Grid) -> None:
    """Delete a grid nothing refers to. Staff terms, households, visits and petitions keep a
    grid (``on_delete=PROTECT``): such a grid is refused with a message (deactivate it). The
    community's outline is redrawn without it."""
    _check(actor, "grid.delete", grid)
    community_id, drawn = grid.community_id, grid.boundary is not None
    try:
        with transaction.atomic():
            audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=grid)
            grid.delete()
            if drawn:
                community_outline_refresh(community_id=community_id)
    except ProtectedError as error:
        raise ValidationFailed(
            _(
                "This grid still has staff, households or visits and cannot be deleted; "
                "deactivate it instead."
            )
        ) from error
