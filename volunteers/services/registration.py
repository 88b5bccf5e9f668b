"""双报到 and the volunteer register: partner units and their pairings (包联), in-service party
members registering where they live (with a claimed post, 设岗定责), volunteers and teams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from orgchart import policy
from orgchart.models import OrgUnit, PartyMember, Person, User
from orgchart.policy import AnyUser
from orgchart.services import link_person_to_unit, party_member_update
from volunteers.models import (
    DualRegistration,
    Pairing,
    PartnerUnit,
    ServicePostKind,
    Skill,
    Team,
    Volunteer,
)
from volunteers.services.core import as_user, fail, require, text


def _audit(actor: AnyUser | None, action: str, obj: Any, changes: dict[str, Any]) -> None:
    audit_record(actor=as_user(actor), action=action, obj=obj, changes=changes)


def _in_subtree(unit: OrgUnit, root: OrgUnit) -> bool:
    return unit.tree_id == root.tree_id and root.lft <= unit.lft <= root.rght


@transaction.atomic
def partner_unit_create(
    *,
    actor: AnyUser | None,
    unit: OrgUnit,
    name: str,
    kind: str,
    contact: Person | None = None,
    contact_account: User | None = None,
) -> PartnerUnit:
    """Record a partner unit (机关企事业单位) kept by ``unit``."""
    require(actor, "orgunit.manage_volunteers", unit)
    if kind not in PartnerUnit.Kind.values:
        raise fail("kind", _("Not a valid choice."))
    if contact_account is not None and not policy.is_volunteer_account(contact_account):
        raise fail("contact_account", _("The contact's account must be a volunteer account."))
    try:
        with transaction.atomic():
            partner = PartnerUnit.objects.create(
                unit=unit,
                name=text(name, "name", required=True, limit=150),
                kind=kind,
                contact=contact,
                contact_account=contact_account,
            )
    except IntegrityError as error:
        raise fail("name", _("A partner unit with this name is already recorded here.")) from error
    _audit(actor, AuditEvent.Action.CREATE, partner, {"unit": unit, "name": partner.name})
    return partner


@transaction.atomic
def pairing_create(
    *,
    actor: AnyUser | None,
    partner: PartnerUnit,
    community: OrgUnit,
    commitments: str = "",
    started_on: dt.date | None = None,
) -> Pairing:
    """包联: pair a partner unit with a community (one current pairing per pair)."""
    require(actor, "orgunit.manage_volunteers", community)
    if community.kind != OrgUnit.Kind.COMMUNITY:
        raise fail("community", _("A partner unit pairs with a community."))
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                partner=partner,
                community=community,
                commitments=text(commitments, "commitments", required=False),
                started_on=started_on or timezone.localdate(),
            )
    except IntegrityError as error:
        raise fail(
            "partner", _("This partner unit is already paired with the community.")
        ) from error
    _audit(actor, AuditEvent.Action.CREATE, pairing, {"partner": partner, "community": community})
    return pairing


@transaction.atomic
def pairing_end(
    *, actor: AnyUser | None, pairing: Pairing, ended_on: dt.date | None = None
) -> Pairing:
    """End a pairing (idempotent)."""
    locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
    require(actor, "pairing.change", locked)
    if locked.ended_on is None:
        locked.ended_on = max(ended_on or timezone.localdate(), locked.started_on)
        locked.save(update_fields=["ended_on"])
        _audit(actor, AuditEvent.Action.UPDATE, locked, {"ended_on": locked.ended_on})
    return locked


@transaction.atomic
def dual_register(
    *,
    actor: AnyUser | None,
    party_member: PartyMember,
    community: OrgUnit,
    partner: PartnerUnit | None = None,
    post: str = "",
    post_unit: OrgUnit | None = None,
    registered_on: dt.date | None = None,
) -> DualRegistration:
    """双报到: an in-service party member registers at the community where they live, claims a
    post (设岗定责) and, through their employer, links to its partner unit. A current
    registration elsewhere is ended first (one at a time). The party member's home community
    and registration date follow (``orgchart``)."""
    require(actor, "orgunit.manage_volunteers", community)
    if actor is not None:
        require(actor, "person.view", party_member.person)
    errors: dict[str, list[str]] = {}
    if community.kind != OrgUnit.Kind.COMMUNITY:
        errors["community"] = [_("Register at a community.")]
    if post and post not in ServicePostKind.values:
        errors["post"] = [_("Not a valid choice.")]
    if post_unit is not None and not (
        post_unit.kind in (OrgUnit.Kind.COMPOUND, OrgUnit.Kind.BUILDING)
        and _in_subtree(post_unit, community)
    ):
        errors["post_unit"] = [_("Choose a compound or building of the community.")]
    if party_member.status != PartyMember.Status.IN_SERVICE:
        errors["party_member"] = [_("双报到 is for in-service party members.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    today = registered_on or timezone.localdate()
    # The party member's row is the lock: two registrations of one member (a double submit)
    # run one after the other, so the second finds the first instead of breaking the
    # one-current constraint.
    PartyMember.objects.select_for_update().filter(pk=party_member.pk).values_list(
        "pk", flat=True
    ).get()
    current = (
        DualRegistration.objects.select_for_update()
        .filter(party_member=party_member, ended_on__isnull=True)
        .first()
    )
    if current is not None:
        if current.community_id == community.pk:
            changed = {}
            for field, value in (("partner", partner), ("post", post), ("post_unit", post_unit)):
                if getattr(current, field) != value:
                    setattr(current, field, value)
                    changed[field] = value
            if changed:
                current.save(update_fields=list(changed))
                _audit(actor, AuditEvent.Action.UPDATE, current, changed)
            return current
        current.ended_on = max(today, current.registered_on)
        current.save(update_fields=["ended_on"])
        _audit(actor, AuditEvent.Action.UPDATE, current, {"ended_on": current.ended_on})
    registration = DualRegistration.objects.create(
        party_member=party_member,
        community=community,
        partner=partner,
        post=post,
        post_unit=post_unit,
        registered_on=today,
    )
    party_member_update(
        actor=None,
        member=party_member,
        home_community=community,
        dual_registered_on=today,
    )
    link_person_to_unit(actor=actor, person=party_member.person, unit=community)
    _audit(
        actor,
        AuditEvent.Action.CREATE,
        registration,
        {"party_member": party_member, "community": community, "post": post},
    )
    return registration


@transaction.atomic
def dual_registration_end(
    *, actor: AnyUser | None, registration: DualRegistration, ended_on: dt.date | None = None
) -> DualRegistration:
    """End a 双报到 registration (the member moved away or left in-service work). Idempotent;
    the date defaults to today and is never before the registration nor in the future. The
    member's home community stays as it is (they may still live there)."""
    locked = DualRegistration.objects.select_for_update().get(pk=registration.pk)
    require(actor, "orgunit.manage_volunteers", locked.community)
    if locked.ended_on is not None:
        return locked
    today = timezone.localdate()
    day = ended_on or today
    if day > today:
        raise fail("ended_on", _("The end cannot be in the future."))
    locked.ended_on = max(day, locked.registered_on)
    locked.save(update_fields=["ended_on"])
    _audit(actor, AuditEvent.Action.UPDATE, locked, {"ended_on": locked.ended_on})
    return locked


def _skills(values: Iterable[str] | str | None) -> str:
    if values is None:
        return ""
    if isinstance(values, str):
        values = [value for value in values.replace("，", ",").split(",") if value.strip()]
    cleaned = sorted({value.strip() for value in values})
    unknown = [value for value in cleaned if value not in Skill.values]
    if unknown:
        raise fail("skills", _("Unknown skills: %(skills)s.") % {"skills": ", ".join(unknown)})
    return ",".join(cleaned)


@transaction.atomic
def volunteer_register(
    *,
    actor: AnyUser | None,
    person: Person,
    community: OrgUnit,
    skills: Iterable[str] | str | None = None,
    availability: str = Volunteer.Availability.WEEKENDS,
    account: User | None = None,
    registered_on: dt.date | None = None,
) -> Volunteer:
    """Register a person as a volunteer of a community (one record per person; registering
    again updates skills and availability). ``account``: their ``volunteer`` account."""
    require(actor, "orgunit.manage_volunteers", community)
    if actor is not None:
        require(actor, "person.view", person)
    errors: dict[str, list[str]] = {}
    if community.kind != OrgUnit.Kind.COMMUNITY:
        errors["community"] = [_("Register at a community.")]
    if availability not in Volunteer.Availability.values:
        errors["availability"] = [_("Not a valid choice.")]
    if account is not None and (
        not policy.is_volunteer_account(account) or account.anchor_unit_id != community.pk
    ):
        errors["account"] = [_("Choose a volunteer account of this community.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    skill_value = _skills(skills)
    existing = Volunteer.objects.select_for_update().filter(person=person).first()
    if existing is not None:
        if existing.community_id != community.pk:
            raise fail("person", _("This person is a volunteer of another community."))
        changes = {
            field: value
            for field, value in (
                ("skills", skill_value),
                ("availability", availability),
                ("account", account or existing.account),
                ("is_active", True),
            )
            if getattr(existing, field) != value
        }
        for field, value in changes.items():
            setattr(existing, field, value)
        if changes:
            try:
                with transaction.atomic():
                    existing.save(update_fields=list(changes))
            except IntegrityError as error:
                raise fail("account", _("This account is linked to another volunteer.")) from error
            _audit(actor, AuditEvent.Action.UPDATE, existing, changes)
        return existing
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                person=person,
                community=community,
                skills=skill_value,
                availability=availability,
                account=account,
                registered_on=registered_on or timezone.localdate(),
            )
    except IntegrityError as error:
        raise fail("account", _("This account is linked to another volunteer.")) from error
    link_person_to_unit(actor=actor, person=person, unit=community)
    _audit(
        actor,
        AuditEvent.Action.CREATE,
        volunteer,
        {"person": person, "community": community, "skills": skill_value},
    )
    return volunteer


def _check_area(unit: OrgUnit, volunteers: Iterable[Volunteer], field: str) -> None:
    """Members are volunteers registered in the team's unit, below it or, for a team of a
    compound or building, in the community above it."""
    for volunteer in volunteers:
        if not _in_subtree(volunteer.community, unit) and not _in_subtree(
            unit, volunteer.community
        ):
            raise fail(field, _("Members must be volunteers of the team's area."))


@transaction.atomic
def team_create(
    *,
    actor: AnyUser | None,
    unit: OrgUnit,
    name: str,
    kind: str,
    lead: Volunteer | None = None,
    members: Iterable[Volunteer] = (),
) -> Team:
    """Create a team (先锋队, 帮帮团, social organisation) of a unit; its lead is a member."""
    require(actor, "orgunit.manage_volunteers", unit)
    if kind not in Team.Kind.values:
        raise fail("kind", _("Not a valid choice."))
    people = list(members)
    _check_area(unit, [*people, *([lead] if lead else [])], "members")
    try:
        with transaction.atomic():
            team = Team.objects.create(
                unit=unit, name=text(name, "name", required=True, limit=100), kind=kind, lead=lead
            )
    except IntegrityError as error:
        raise fail("name", _("A team with this name exists here.")) from error
    team.members.add(*people, *([lead] if lead else []))
    _audit(actor, AuditEvent.Action.CREATE, team, {"unit": unit, "name": team.name, "lead": lead})
    return team


@transaction.atomic
def team_update_members(
    *,
    actor: AnyUser | None,
    team: Team,
    add: Iterable[Volunteer] = (),
    remove: Iterable[Volunteer] = (),
    lead: Volunteer | None = None,
) -> Team:
    """Add or remove members and change the lead (the lead is always a member)."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    require(actor, "team.change", locked)
    adding, removing = list(add), list(remove)
    _check_area(locked.unit, adding, "add")
    _check_area(locked.unit, [lead] if lead else [], "lead")
    if lead is not None and lead in removing:
        raise fail("lead", _("The lead cannot leave the team."))
    if locked.lead is not None and locked.lead in removing and lead is None:
        raise fail("remove", _("Choose a new lead before the lead leaves."))
    locked.members.add(*adding, *([lead] if lead else []))
    locked.members.remove(*removing)
    if lead is not None and lead.pk != locked.lead_id:
        locked.lead = lead
        locked.save(update_fields=["lead"])
    _audit(
        actor,
        AuditEvent.Action.UPDATE,
        locked,
        {"added": len(adding), "removed": len(removing), "lead": locked.lead},
    )
    return locked
