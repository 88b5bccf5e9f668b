"""Every write about grids, their staff, households, residents and visits.

Each function checks the actor against ``orgchart.policy`` (``actor=None`` is the system:
imports already checked, demo data, tests), validates, writes in one transaction and appends
an audit row. Restricted tags are sealed like ID numbers; the plaintext leaves only through
``resident_reveal_restricted`` (audited).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from governance import pii
from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from grids.models import (
    Grid,
    GridStaff,
    Household,
    Resident,
    ResidentCareTag,
    Visit,
    VisitPhoto,
)
from orgchart import policy
from orgchart.models import OrgUnit, Person, User
from orgchart.policy import AnyUser
from orgchart.services import link_person_to_unit, person_register, register_handover_hook

# How far back a visit may be recorded (field workers write up their rounds later) and how far
# ahead of the server clock a phone's clock may run.
VISIT_BACKDATE_DAYS = 30
CLOCK_SKEW = dt.timedelta(minutes=10)


def _check(actor: AnyUser | None, action: str, obj: Any) -> None:
    if actor is not None:
        policy.require(actor, action, obj)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields={field: [message]})


def _today() -> dt.date:
    return timezone.localdate()


# --- Grids -----------------------------------------------------------------------------------


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
    school, industrial park…), special grids their topic. Not idempotent: a second grid with
    the same name in the community is a ``ValidationFailed`` on ``name``.
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
    fixed once created. Nothing given, nothing written.
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
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=grid, changes=fields)
    return grid


@transaction.atomic
def grid_delete(*, actor: AnyUser | None, grid: Grid) -> None:
    """Delete a grid nothing refers to. Staff terms, households, visits and petitions keep a
    grid (``on_delete=PROTECT``): such a grid is refused with a message (deactivate it)."""
    _check(actor, "grid.delete", grid)
    try:
        with transaction.atomic():
            audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=grid)
            grid.delete()
    except ProtectedError as error:
        raise ValidationFailed(
            _(
                "This grid still has staff, households or visits and cannot be deleted; "
                "deactivate it instead."
            )
        ) from error


# --- Grid staff ------------------------------------------------------------------------------


@transaction.atomic
def grid_staff_appoint(
    *,
    actor: AnyUser | None,
    grid: Grid,
    person: Person,
    role: str = GridStaff.Role.WORKER,
    employment: str = GridStaff.Employment.FULL_TIME,
    background: str = GridStaff.Background.COMMUNITY_STAFF,
    account: User | None = None,
    started_on: dt.date | None = None,
) -> GridStaff:
    """Appoint ``person`` to work ``grid`` (as its 网格长 when ``role`` is ``head``).

    ``account``, when given, must be a grid worker's account of the grid's community: it then
    sees this grid. One current head per grid and one current term per person and grid
    (``ValidationFailed`` otherwise: end the current term first).
    """
    _check(actor, "grid.manage_staff", grid)
    if actor is not None:
        policy.require(actor, "person.view", person)
    errors: dict[str, list[str]] = {}
    if role not in GridStaff.Role.values:
        errors["role"] = [_("Not a valid choice.")]
    if employment not in GridStaff.Employment.values:
        errors["employment"] = [_("Not a valid choice.")]
    if background not in GridStaff.Background.values:
        errors["background"] = [_("Not a valid choice.")]
    if account is not None and (
        not policy.is_grid_worker_account(account)
        or account.anchor_unit_id != grid.community_id
        or not account.is_active
    ):
        errors["account"] = [_("Choose an active grid worker account of this community.")]
    if not grid.is_active:
        errors["grid"] = [_("This grid is no longer active.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    started_on = started_on or _today()
    try:
        with transaction.atomic():
            staff = GridStaff.objects.create(
                grid=grid,
                person=person,
                role=role,
                employment=employment,
                background=background,
                account=account,
                started_on=started_on,
            )
    except IntegrityError as error:
        if (
            role == GridStaff.Role.HEAD
            and GridStaff.objects.filter(
                grid=grid, role=GridStaff.Role.HEAD, ended_on__isnull=True
            ).exists()
        ):
            raise _fail(
                "role", _("This grid already has a grid head. End that term first.")
            ) from error
        raise _fail("person", _("This person already works this grid.")) from error
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=staff,
        changes={
            "grid": grid,
            "person": person,
            "role": role,
            "employment": employment,
            "background": background,
            "account": account,
            "started_on": started_on,
        },
    )
    return staff


@transaction.atomic
def grid_staff_end(
    *, actor: AnyUser | None, staff: GridStaff, ended_on: dt.date | None = None
) -> GridStaff:
    """End a staff member's term (idempotent: an ended term stays as it is). From the next
    request their account no longer sees the grid."""
    staff = (
        GridStaff.objects.select_for_update(of=("self",)).select_related("grid").get(pk=staff.pk)
    )
    _check(actor, "grid.manage_staff", staff.grid)
    if staff.ended_on is not None:
        return staff
    ended_on = ended_on or _today()
    if ended_on < staff.started_on:
        raise _fail("ended_on", _("A term cannot end before it starts."))
    staff.ended_on = ended_on
    staff.save(update_fields=["ended_on", "updated_at"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=staff, changes={"ended_on": ended_on}
    )
    return staff


@register_handover_hook
def _hand_over_grids(*, leaving: User, successor: User) -> dict[str, int]:
    """A leaving grid worker's terms end; the community appoints the successor's person to
    the grids (an account is not a person, so the term is not moved to another name)."""
    if not policy.is_grid_worker_account(leaving):
        return {}
    today = _today()
    ended = 0
    for staff in GridStaff.objects.select_for_update().filter(
        account=leaving, ended_on__isnull=True
    ):
        staff.ended_on = max(today, staff.started_on)
        staff.save(update_fields=["ended_on", "updated_at"])
        audit_record(
            actor=None,
            action=AuditEvent.Action.UPDATE,
            obj=staff,
            changes={"ended_on": staff.ended_on, "successor": successor},
        )
        ended += 1
    return {"grids.GridStaff": ended} if ended else {}


# --- Households ------------------------------------------------------------------------------

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


# --- Residents -------------------------------------------------------------------------------


def _clean_tags(values: Iterable[str] | None, allowed: Sequence[str], field: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [value for value in re.split(r"[,，;；\s]+", values) if value]
    tags = sorted(set(values))
    unknown = [tag for tag in tags if tag not in allowed]
    if unknown:
        raise _fail(field, _("Unknown tags: %(tags)s.") % {"tags": ", ".join(unknown)})
    return tags


def seal_restricted_tags(tags: list[str]) -> str:
    return pii.encrypt(json.dumps(tags)) if tags else ""


def restricted_tags_of(resident: Resident) -> list[str]:
    """The plaintext of the sealed restricted tags (for services only; pages use
    ``resident_reveal_restricted``, which audits)."""
    if not resident.restricted_tags_encrypted:
        return []
    return list(json.loads(pii.decrypt(resident.restricted_tags_encrypted)))


def _set_care_tags(resident: Resident, tags: list[str]) -> None:
    current = set(resident.care_tags.values_list("tag", flat=True))
    wanted = set(tags)
    if current - wanted:
        resident.care_tags.filter(tag__in=current - wanted).delete()
    ResidentCareTag.objects.bulk_create(
        [ResidentCareTag(resident=resident, tag=tag) for tag in sorted(wanted - current)],
        ignore_conflicts=True,
    )


def _resident_errors(*, registered_here: bool, lives_here: bool) -> dict[str, list[str]]:
    if not registered_here and not lives_here:
        return {
            "lives_here": [
                _("A resident is registered here, lives here, or both (人户分离 is one of them).")
            ]
        }
    return {}


def _save_resident(resident: Resident, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                resident.save()
            else:
                resident.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as error:
        if resident.relation == Resident.Relation.HEAD:
            raise _fail("relation", _("This household already has a head of household.")) from error
        raise _fail("person", _("This person already lives in this household.")) from error


@transaction.atomic
def resident_add(
    *,
    actor: AnyUser | None,
    household: Household,
    person: Person,
    relation: str = Resident.Relation.OTHER,
    registered_here: bool = True,
    lives_here: bool = True,
    care_tags: Iterable[str] | None = None,
    restricted_tags: Iterable[str] | None = None,
    moved_in_on: dt.date | None = None,
) -> Resident:
    """Record that a (registered) person lives in, or is registered at, a household.

    One current residence per person and household, one current head per household
    (``ValidationFailed`` otherwise). The person is linked to the household's community
    (``PersonRegistration``) if not yet known there. Restricted tags are sealed.
    """
    _check(actor, "household.add_resident", household)
    if actor is not None:
        policy.require(actor, "person.view", person)
    if relation not in Resident.Relation.values:
        raise _fail("relation", _("Not a valid choice."))
    errors = _resident_errors(registered_here=registered_here, lives_here=lives_here)
    if moved_in_on is not None and moved_in_on > _today():
        errors["moved_in_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    care = _clean_tags(care_tags, ResidentCareTag.Tag.values, "care_tags")
    restricted = _clean_tags(restricted_tags, Resident.RestrictedTag.values, "restricted_tags")
    resident = Resident(
        person=person,
        household=household,
        relation=relation,
        registered_here=registered_here,
        lives_here=lives_here,
        restricted_tags_encrypted=seal_restricted_tags(restricted),
        moved_in_on=moved_in_on,
    )
    _save_resident(resident)
    _set_care_tags(resident, care)
    link_person_to_unit(actor=actor, person=person, unit=household.community)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=resident,
        changes={
            "person": person,
            "household": household,
            "relation": relation,
            "registered_here": registered_here,
            "lives_here": lives_here,
            "care_tags": ",".join(care),
            "restricted_tags_encrypted": bool(restricted),
            "moved_in_on": moved_in_on,
        },
    )
    return resident


# The person fields ``resident_register`` passes on to ``person_register``.
PERSON_FIELDS = frozenset(
    {
        "name",
        "document_type",
        "document_number",
        "mobile",
        "landline",
        "sex",
        "birth_date",
        "address",
    }
)


@transaction.atomic
def resident_register(
    *,
    actor: AnyUser | None,
    household: Household,
    person_data: dict[str, Any],
    **resident_fields: Any,
) -> Resident:
    """Register a person at the household's community (``orgchart.services.person_register``:
    a person already known by the same document is linked, not copied) and add them to the
    household (``resident_add``), all or nothing. A ``ValidationFailed`` names the person's
    fields as ``person_register`` does and the resident's as ``resident_add`` does."""
    unknown = set(person_data) - PERSON_FIELDS
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    _check(actor, "household.add_resident", household)
    person = person_register(actor=actor, unit=household.community, **person_data).person
    return resident_add(actor=actor, household=household, person=person, **resident_fields)


RESIDENT_FIELDS = frozenset(
    {"relation", "registered_here", "lives_here", "care_tags", "restricted_tags", "moved_in_on"}
)


@transaction.atomic
def resident_update(*, actor: AnyUser | None, resident: Resident, **changes: Any) -> Resident:
    """Change a current resident's relation, 人户分离 flags, care tags (the full set) or
    restricted tags (the full set; omitted = unchanged). Nothing given, nothing written."""
    unknown = set(changes) - RESIDENT_FIELDS
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _check(actor, "resident.change", resident)
    if resident.moved_out_on is not None:
        raise _fail("moved_out_on", _("This resident has moved out."))
    fields: dict[str, Any] = {}
    logged: dict[str, Any] = {}
    if "relation" in changes:
        if changes["relation"] not in Resident.Relation.values:
            raise _fail("relation", _("Not a valid choice."))
        fields["relation"] = changes["relation"]
    for flag in ("registered_here", "lives_here"):
        if flag in changes:
            fields[flag] = bool(changes[flag])
    errors = _resident_errors(
        registered_here=fields.get("registered_here", resident.registered_here),
        lives_here=fields.get("lives_here", resident.lives_here),
    )
    if "moved_in_on" in changes:
        if changes["moved_in_on"] is not None and changes["moved_in_on"] > _today():
            errors["moved_in_on"] = [_("The date cannot be in the future.")]
        fields["moved_in_on"] = changes["moved_in_on"]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    fields = {field: value for field, value in fields.items() if getattr(resident, field) != value}
    if "restricted_tags" in changes:
        restricted = _clean_tags(
            changes["restricted_tags"], Resident.RestrictedTag.values, "restricted_tags"
        )
        if restricted != restricted_tags_of(resident):
            fields["restricted_tags_encrypted"] = seal_restricted_tags(restricted)
    if "care_tags" in changes:
        care = _clean_tags(changes["care_tags"], ResidentCareTag.Tag.values, "care_tags")
        if set(care) != set(resident.care_tags.values_list("tag", flat=True)):
            _set_care_tags(resident, care)
            logged["care_tags"] = ",".join(care)
    for field, value in fields.items():
        setattr(resident, field, value)
    if fields:
        _save_resident(resident, fields=list(fields))
    if fields or logged:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=resident,
            changes={**fields, **logged},
        )
    return resident


@transaction.atomic
def resident_move_out(
    *, actor: AnyUser | None, resident: Resident, moved_out_on: dt.date | None = None
) -> Resident:
    """Record that a resident left the household (kept in the history; idempotent)."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _check(actor, "resident.change", resident)
    if resident.moved_out_on is not None:
        return resident
    moved_out_on = moved_out_on or _today()
    if moved_out_on > _today() or (resident.moved_in_on and moved_out_on < resident.moved_in_on):
        raise _fail("moved_out_on", _("Give a date between moving in and today."))
    resident.moved_out_on = moved_out_on
    resident.save(update_fields=["moved_out_on", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=resident,
        changes={"moved_out_on": moved_out_on},
    )
    return resident


@transaction.atomic
def resident_reveal_restricted(*, actor: AnyUser, resident: Resident) -> list[str]:
    """Show a resident's restricted tags (their labels). Writes an audit row, like any
    reveal of personal data."""
    policy.require(actor, "resident.reveal_restricted", resident)
    tags = restricted_tags_of(resident)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REVEAL,
        obj=resident,
        changes={"field": "restricted_tags"},
    )
    labels = dict(Resident.RestrictedTag.choices)
    return [str(labels.get(tag, tag)) for tag in tags]


# --- Visits ----------------------------------------------------------------------------------


# Formats a phone camera produces that every browser shows; the stored name is made from the
# detected format, never from the client's file name.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def check_photos(photos: Sequence[UploadedFile]) -> None:
    """Refuse anything but a few JPEG, PNG or WebP images of a bounded size, and rename each
    upload to a random name with the extension of its real format."""
    if len(photos) > settings.VISIT_PHOTOS_MAX:
        raise _fail(
            "photos", _("At most %(count)d photos a visit.") % {"count": settings.VISIT_PHOTOS_MAX}
        )
    for photo in photos:
        if photo.size is not None and photo.size > settings.VISIT_PHOTO_MAX_BYTES:
            raise _fail(
                "photos",
                _("A photo may be at most %(size)d MB.")
                % {"size": settings.VISIT_PHOTO_MAX_BYTES // (1024 * 1024)},
            )
        try:
            with Image.open(photo) as image:
                image_format = image.format or ""
                image.verify()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
            raise _fail("photos", _("Upload photos as JPEG, PNG or WebP images.")) from error
        if image_format not in PHOTO_FORMATS:
            raise _fail("photos", _("Upload photos as JPEG, PNG or WebP images."))
        photo.seek(0)
        photo.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image_format]}"


@transaction.atomic
def visit_record(
    *,
    actor: User,
    grid: Grid | None = None,
    household: Household | None = None,
    purpose: str,
    notes: str = "",
    hazard_found: bool = False,
    visited_at: dt.datetime | None = None,
    photos: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Visit:
    """Record a visit to a household (its grid follows) or a round of a grid.

    The visitor is the actor: a grid worker of that grid or a community worker. A visit may be
    recorded up to 30 days after it took place, never in the future. Visits are append-only.
    A hazard found is flagged here; the petition intake turns it into a petition.
    """
    now = now or timezone.now()
    if household is not None:
        _check(actor, "household.visit", household)
        if grid is not None and grid.pk != household.grid_id:
            raise _fail("household", _("This household is not in that grid."))
        grid = Grid.objects.get(pk=household.grid_id)
    elif grid is not None:
        _check(actor, "grid.visit", grid)
    else:
        raise _fail("grid", _("Choose a grid or a household."))
    errors: dict[str, list[str]] = {}
    if purpose not in Visit.Purpose.values:
        errors["purpose"] = [_("Not a valid choice.")]
    visited_at = visited_at or now
    if visited_at > now + CLOCK_SKEW:
        errors["visited_at"] = [_("A visit cannot be in the future.")]
    elif visited_at < now - dt.timedelta(days=VISIT_BACKDATE_DAYS):
        errors["visited_at"] = [
            _("Visits are recorded within %(days)d days.") % {"days": VISIT_BACKDATE_DAYS}
        ]
    notes = (notes or "").strip()
    if hazard_found and not notes:
        errors["notes"] = [_("Describe the hazard you found.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    check_photos(photos)
    visit = Visit.objects.create(
        grid=grid,
        household=household,
        visitor=actor,
        visited_at=visited_at,
        purpose=purpose,
        notes=notes,
        hazard_found=hazard_found,
    )
    for photo in photos:
        VisitPhoto.objects.create(visit=visit, image=photo)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=visit,
        changes={
            "grid": grid,
            "household": household,
            "purpose": purpose,
            "hazard_found": hazard_found,
            "visited_at": visited_at,
            "photos": len(photos),
        },
        now=now,
    )
    return visit
