"""Writes about people: registration, personal data, party members, posts.

Document numbers and phones are validated and normalised here, then sealed
(``governance.pii``); the plaintext never reaches the database, the audit log or a response
other than ``person_reveal``'s.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from governance import pii
from governance.audit import audit_record
from governance.errors import ConcurrentUpdate, ValidationFailed
from governance.identity import (
    IdentityError,
    normalise_document_number,
    parse_phone,
    parse_resident_id,
)
from governance.models import AuditEvent
from governance.ratelimit import limited
from orgchart import policy
from orgchart.models import (
    POSTS_BY_UNIT_KIND,
    UNIQUE_POSTS,
    OrgUnit,
    PartyMember,
    Person,
    PersonRegistration,
    Post,
    User,
)
from orgchart.policy import AnyUser

REVEALABLE_FIELDS = ("document_number", "mobile", "landline")


def _check(actor: AnyUser | None, action: str, obj: Any) -> None:
    if actor is not None:
        policy.require(actor, action, obj)


def _as_user(actor: AnyUser | None) -> User | None:
    return actor if isinstance(actor, User) else None


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin (for sorting) and initials (for searching) of a Chinese name."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return " ".join(syllables).lower()[:200], "".join(initials).lower()[:50]


@dataclass(frozen=True)
class PersonalData:
    """Validated, normalised personal data, ready to seal onto a Person."""

    fields: dict[str, Any]
    document_hash: str


def person_clean(
    *,
    name: str | None = None,
    document_type: str | None = None,
    document_number: str | None = None,
    mobile: str | None = None,
    landline: str | None = None,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    address: str | None = None,
) -> PersonalData:
    """Validate and seal what was given (None = not given). Raises ``ValidationFailed``
    with a message per field, e.g. "The check digit of the ID number is wrong."."""
    errors: dict[str, list[str]] = defaultdict(list)
    fields: dict[str, Any] = {}
    document_hash = ""
    if name is not None:
        name = name.strip()
        if not name:
            errors["name"].append(_("This field is required."))
        elif len(name) > 50:
            errors["name"].append(_("A name has at most 50 characters."))
        else:
            fields["name"] = name
            fields["name_pinyin"], fields["name_initials"] = name_pinyin(name)
    if sex is not None:
        if sex and sex not in Person.Sex.values:
            errors["sex"].append(_("Not a valid choice."))
        fields["sex"] = sex
    if birth_date is not None:
        if birth_date > dt.date.today():  # noqa: DTZ011 - a calendar date
            errors["birth_date"].append(_("The date cannot be in the future."))
        fields["birth_date"] = birth_date
    if address is not None:
        fields["address"] = address.strip()[:200]
    if document_number is not None or document_type is not None:
        document_type = document_type or (
            Person.DocumentType.RESIDENT_ID if document_number else ""
        )
        document_number = document_number or ""
        if document_type and document_type not in Person.DocumentType.values:
            errors["document_type"].append(_("Not a valid choice."))
        elif document_number:
            try:
                if document_type == Person.DocumentType.RESIDENT_ID:
                    resident = parse_resident_id(document_number)
                    number = resident.number
                    # Derived, never typed twice: the ID decides birth date and sex.
                    fields["birth_date"], fields["sex"] = resident.birth_date, resident.sex
                    head, tail = number[:6], number[-4:]
                else:
                    number = normalise_document_number(document_number)
                    # Other documents are short (a passport has 9 characters): first 6 + last
                    # 4 would show every character. Show at most a quarter at each end.
                    shown = len(number) // 4
                    head = number[: min(6, shown)]
                    tail = number[len(number) - min(4, shown) :]
            except IdentityError as error:
                errors["document_number"].append(str(error))
            else:
                document_hash = pii.blind_index(number, purpose=f"document:{document_type}")
                fields.update(
                    document_type=document_type,
                    document_number_encrypted=pii.encrypt(number),
                    document_number_hash=document_hash,
                    document_number_head=head,
                    document_number_tail=tail,
                    document_number_length=len(number),
                )
        elif document_type:
            errors["document_number"].append(_("Enter the number of the document."))
        else:
            fields.update(
                document_type="",
                document_number_encrypted="",
                document_number_hash="",
                document_number_head="",
                document_number_tail="",
                document_number_length=0,
            )
    for field, want_mobile in (("mobile", True), ("landline", False)):
        value = mobile if want_mobile else landline
        if value is None:
            continue
        if not value.strip():
            fields.update(
                {
                    f"{field}_encrypted": "",
                    f"{field}_hash": "",
                    f"{field}_head": "",
                    f"{field}_tail": "",
                }
            )
            if not want_mobile:
                fields["landline_length"] = 0
            continue
        try:
            phone = parse_phone(value)
        except IdentityError as error:
            errors[field].append(str(error))
            continue
        if phone.is_mobile != want_mobile:
            errors[field].append(
                _("This is not a mobile number.") if want_mobile else _("This is a mobile number.")
            )
            continue
        fields[f"{field}_encrypted"] = pii.encrypt(phone.number)
        fields[f"{field}_hash"] = pii.blind_index(phone.number, purpose="phone")
        if want_mobile:
            fields.update(mobile_head=phone.number[:3], mobile_tail=phone.number[-4:])
        else:
            area = phone.number.split("-", 1)[0]
            fields.update(
                landline_head=area + "-",
                landline_tail=phone.number.split("-")[1][-4:],
                landline_length=len(area) + 1 + len(phone.number.split("-")[1]),
            )
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=dict(errors))
    return PersonalData(fields=fields, document_hash=document_hash)


def _register_at(*, actor: AnyUser | None, person_id: int, unit: OrgUnit) -> None:
    """Record that ``unit`` knows the person (idempotent); a new link is audited."""
    _, linked = PersonRegistration.objects.get_or_create(
        person_id=person_id, unit=unit, defaults={"registered_by": _as_user(actor)}
    )
    if linked:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="orgchart.PersonRegistration",
            object_id=f"{person_id}@{unit.pk}",
            changes={"person": person_id, "unit": unit.pk},
        )


def link_person_to_unit(*, actor: AnyUser | None, person: Person, unit: OrgUnit) -> None:
    """Record that ``unit`` knows an existing person (idempotent; a new link is audited).
    For apps that attach a person to a unit (a resident to a household's community)."""
    _register_at(actor=actor, person_id=person.pk, unit=unit)


@dataclass(frozen=True)
class Registration:
    person: Person
    created: bool  # False: the person was already known (here or elsewhere)


@transaction.atomic
def person_register(
    *,
    actor: AnyUser | None,
    unit: OrgUnit,
    name: str,
    document_type: str = "",
    document_number: str = "",
    mobile: str = "",
    landline: str = "",
    sex: str = "",
    birth_date: dt.date | None = None,
    address: str = "",
) -> Registration:
    """Register a person at ``unit``. Idempotent by document number.

    A person already known by the same document (here or at any other unit) is linked to
    ``unit`` and returned as it is: the caller learns neither where else the person is known
    nor anything they did not type themselves (the stored data stays masked).
    """
    _check(actor, "orgunit.register_person", unit)
    data = person_clean(
        name=name,
        document_type=document_type or None,
        document_number=document_number,
        mobile=mobile,
        landline=landline,
        sex=sex,
        birth_date=birth_date,
        address=address,
    )
    person = None
    if data.document_hash:
        person = Person.objects.filter(
            document_type=data.fields["document_type"], document_number_hash=data.document_hash
        ).first()
    created = person is None
    if person is None:
        try:
            with transaction.atomic():
                person = Person.objects.create(**data.fields)
        except IntegrityError:
            # Registered concurrently by someone else: link to that record.
            person = Person.objects.get(
                document_type=data.fields["document_type"],
                document_number_hash=data.document_hash,
            )
            created = False
        else:
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, obj=person, changes=data.fields
            )
    _register_at(actor=actor, person_id=person.pk, unit=unit)
    return Registration(person=person, created=created)


@transaction.atomic
def person_update(*, actor: AnyUser | None, person: Person, **changes: Any) -> Person:
    """Change a person's data (fields as in ``person_register``; omitted = unchanged).

    A new document number keeps the person's document type unless another is given. Sex and
    birth date follow a resident ID and may not contradict it. Nothing given, nothing written.
    """
    allowed = {
        "name",
        "document_type",
        "document_number",
        "mobile",
        "landline",
        "sex",
        "birth_date",
        "address",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    person = Person.objects.select_for_update().get(pk=person.pk)
    _check(actor, "person.change", person)
    if changes.get("document_number") and "document_type" not in changes:
        # A new number of the same document (a passport stays a passport).
        changes["document_type"] = person.document_type or None
    data = person_clean(**changes)
    if "document_number" not in changes and person.document_type == Person.DocumentType.RESIDENT_ID:
        # Never a second, conflicting copy of what the ID number says (DESIGN §9).
        derived: dict[str, list[str]] = {
            field: [_("This is derived from the ID number.")]
            for field in ("sex", "birth_date")
            if field in data.fields and data.fields[field] != getattr(person, field)
        }
        if derived:
            raise ValidationFailed(_("Please correct the errors below."), fields=derived)
    if not data.fields:
        return person
    clash_error = ValidationFailed(
        fields={"document_number": [_("Another person is registered with this document.")]}
    )
    if data.document_hash:
        clash = Person.objects.filter(
            document_type=data.fields["document_type"], document_number_hash=data.document_hash
        ).exclude(pk=person.pk)
        if clash.exists():
            raise clash_error
    for field, value in data.fields.items():
        setattr(person, field, value)
    try:
        with transaction.atomic():
            person.save(update_fields=[*data.fields, "updated_at"])
    except IntegrityError as error:  # the same document registered concurrently
        raise clash_error from error
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=person, changes=data.fields)
    return person


@limited("reveal")
@transaction.atomic
def person_reveal(*, actor: AnyUser, person: Person, field: str) -> str:
    """Show one personal field in full. Writes an audit row (who, whom, which field, when)."""
    if field not in REVEALABLE_FIELDS:
        raise ValidationFailed(fields={"field": [_("Not a valid choice.")]})
    policy.require(actor, "person.reveal", person)
    sealed = getattr(person, f"{field}_encrypted")
    value = pii.decrypt(sealed) if sealed else ""
    audit_record(actor=actor, action=AuditEvent.Action.REVEAL, obj=person, changes={"field": field})
    return value


@transaction.atomic
def person_rotate_keys(*, batch_size: int = 500) -> int:
    """Re-seal every value not sealed with the active key and cipher. Idempotent."""
    rotated = 0
    sealed_fields = ("document_number_encrypted", "mobile_encrypted", "landline_encrypted")
    for person in Person.objects.only("pk", *sealed_fields).iterator(chunk_size=batch_size):
        changed = [f for f in sealed_fields if pii.needs_rotation(getattr(person, f))]
        for field in changed:
            setattr(person, field, pii.encrypt(pii.decrypt(getattr(person, field))))
        if changed:
            person.save(update_fields=changed)
            rotated += 1
    return rotated


# --- Party members -------------------------------------------------------------------------


def _party_member_fields(changes: dict[str, Any], actor: AnyUser | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = defaultdict(list)
    if "status" in changes and changes["status"] not in PartyMember.Status.values:
        errors["status"].append(_("Not a valid choice."))
    if "membership" in changes and changes["membership"] not in PartyMember.Membership.values:
        errors["membership"].append(_("Not a valid choice."))
    organisation = changes.get("organisation")
    if (
        organisation is not None
        and actor is not None
        and not policy.can(actor, "orgunit.manage_party_members", organisation)
    ):
        errors["organisation"].append(_("Choose a party organisation in your area."))
    home = changes.get("home_community")
    if home is not None:
        if home.kind != OrgUnit.Kind.COMMUNITY:
            errors["home_community"].append(_("Dual registration is with a community."))
        elif actor is not None and not policy.is_visible(actor, home):
            errors["home_community"].append(_("Choose a community in your area."))
    joined = changes.get("joined_on")
    if joined is not None and joined > dt.date.today():  # noqa: DTZ011 - a calendar date
        errors["joined_on"].append(_("The date cannot be in the future."))
    for field in ("employer", "employer_party_org"):
        if field in changes:
            changes[field] = " ".join((changes[field] or "").split())
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=dict(errors))
    return changes


@transaction.atomic
def party_member_create(
    *,
    actor: AnyUser | None,
    person: Person,
    organisation: OrgUnit,
    status: str,
    membership: str = PartyMember.Membership.FULL,
    joined_on: dt.date | None = None,
    home_community: OrgUnit | None = None,
    employer: str = "",
    employer_party_org: str = "",
    dual_registered_on: dt.date | None = None,
) -> PartyMember:
    """Record a person's party membership. The person is registered at the organisation and
    at the home community (双报到) too, so both see them. Not idempotent: a second membership
    of the same person is refused."""
    _check(actor, "orgunit.manage_party_members", organisation)
    if actor is not None:
        policy.require(actor, "person.view", person)
    fields = _party_member_fields(
        {
            "organisation": organisation,
            "status": status,
            "membership": membership,
            "joined_on": joined_on,
            "home_community": home_community,
            "employer": employer,
            "employer_party_org": employer_party_org,
            "dual_registered_on": dual_registered_on,
        },
        actor,
    )
    try:
        with transaction.atomic():  # one membership per person: the constraint decides
            member = PartyMember.objects.create(person=person, **fields)
    except IntegrityError as error:
        raise ValidationFailed(
            fields={"person": [_("This person is already a party member.")]}
        ) from error
    # Known where they are organised and where they live (双报到): both units see them.
    _register_at(actor=actor, person_id=person.pk, unit=organisation)
    if home_community is not None:
        _register_at(actor=actor, person_id=person.pk, unit=home_community)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=member, changes=fields)
    return member


@transaction.atomic
def party_member_update(
    *, actor: AnyUser | None, member: PartyMember, **changes: Any
) -> PartyMember:
    allowed = {
        "organisation",
        "status",
        "membership",
        "joined_on",
        "home_community",
        "employer",
        "employer_party_org",
        "dual_registered_on",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    _check(actor, "partymember.change", member)
    fields = _party_member_fields(changes, actor)
    if not fields:
        return member
    for field, value in fields.items():
        setattr(member, field, value)
    member.save(update_fields=[*fields, "updated_at"])
    for field in ("organisation", "home_community"):
        if fields.get(field) is not None:
            _register_at(actor=actor, person_id=member.person_id, unit=fields[field])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=member, changes=fields)
    return member


# --- Posts ---------------------------------------------------------------------------------


@transaction.atomic
def post_assign(
    *,
    actor: AnyUser | None,
    unit: OrgUnit,
    kind: str,
    holder: Person,
    started_on: dt.date,
) -> Post:
    """Give ``holder`` the post ``kind`` at ``unit`` from ``started_on``.

    Unique posts (secretary, grid heads, building head) have one current holder: assigning a
    taken one is refused (end the current term first). Not idempotent for plural posts; a
    person never holds the same current post twice.
    """
    _check(actor, "orgunit.manage_posts", unit)
    if actor is not None:
        policy.require(actor, "person.view", holder)
    if kind not in Post.Kind.values:
        raise ValidationFailed(fields={"kind": [_("Not a valid choice.")]})
    if kind not in POSTS_BY_UNIT_KIND[unit.kind]:
        raise ValidationFailed(fields={"kind": [_("A unit of this kind has no such post.")]})
    current = Post.objects.filter(unit=unit, kind=kind, ended_on__isnull=True)
    if kind in UNIQUE_POSTS and current.exists():
        raise ValidationFailed(
            fields={"kind": [_("This post is held; end the current term first.")]}
        )
    if current.filter(holder=holder).exists():
        raise ValidationFailed(fields={"holder": [_("This person already holds this post.")]})
    try:
        with transaction.atomic():
            post = Post.objects.create(unit=unit, kind=kind, holder=holder, started_on=started_on)
    except IntegrityError as error:  # a concurrent assignment won the race
        raise ConcurrentUpdate() from error
    _register_at(actor=actor, person_id=holder.pk, unit=unit)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=post,
        changes={"unit": unit, "kind": kind, "holder": holder, "started_on": started_on},
    )
    return post


@transaction.atomic
def post_end(*, actor: AnyUser | None, post: Post, ended_on: dt.date) -> Post:
    """End a term (the post becomes vacant). Idempotent for the same date."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    _check(actor, "post.change", post)
    if post.ended_on == ended_on:
        return post
    if post.ended_on is not None:
        raise ValidationFailed(fields={"ended_on": [_("This term has already ended.")]})
    if ended_on < post.started_on:
        raise ValidationFailed(fields={"ended_on": [_("A term cannot end before it starts.")]})
    post.ended_on = ended_on
    post.save(update_fields=["ended_on", "updated_at"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=post, changes={"ended_on": ended_on}
    )
    return post
