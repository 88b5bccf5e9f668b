"""Residents: adding, registering, updating and moving out; the sealed restricted tags."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance import pii
from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from governance.ratelimit import limited
from grids.models import Household, Resident, ResidentCareTag
from grids.services.core import _check, _fail, _today
from orgchart import policy
from orgchart.models import Person
from orgchart.policy import AnyUser
from orgchart.services import link_person_to_unit, person_register


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
    return _add_resident(
        actor=actor,
        household=household,
        person=person,
        relation=relation,
        registered_here=registered_here,
        lives_here=lives_here,
        care_tags=care_tags,
        restricted_tags=restricted_tags,
        moved_in_on=moved_in_on,
    )


def _add_resident(
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
    """``resident_add`` once the household and the person are settled as the actor's."""
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
    # The actor has just registered this person at the community (or found them there by
    # their document): theirs to add, though a grid worker sees its grids' residents only,
    # which they become now.
    return _add_resident(actor=actor, household=household, person=person, **resident_fields)


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


@limited("reveal")
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
