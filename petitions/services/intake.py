"""Intake (登记): logging a petition, its number, repeat detection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import pii
from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.identity import IdentityError, parse_phone
from governance.models import AuditEvent
from governance.services import next_number
from governance.workflow import record_creation
from grids.models import Grid, Visit
from orgchart import policy
from orgchart.models import OrgUnit, Person, User
from orgchart.policy import AnyUser
from petitions.calendar import deadline_after
from petitions.models import (
    Action,
    Category,
    Channel,
    Petition,
    PetitionAttachment,
    Status,
    Track,
    Urgency,
)
from petitions.notifications import notify_petition, petition_link_text, unit_staff
from petitions.services.core import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    REPEAT_WINDOW_DAYS,
    _as_user,
    _clean_complexity,
    _fail,
)
from petitions.services.policies import deadline_policy_for
from petitions.workflows import PETITION_WORKFLOW

# --- Intake ----------------------------------------------------------------------------------


def _community_of(unit: OrgUnit) -> OrgUnit | None:
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        return unit
    return unit.get_ancestors().filter(kind=OrgUnit.Kind.COMMUNITY).order_by("-level").first()


def _next_number(year: int) -> str:
    return f"{year}-{next_number('petition', year):06d}"


def _find_repeat(
    *, petitioner: Person | None, phone_hash: str, category: str, now: dt.datetime
) -> Petition | None:
    """The latest petition of ``category`` within the repeat window from the same person: the
    same petitioner, a petitioner with the same mobile phone, or a contact phone that is the
    petitioner's mobile or the given phone. Two lookups, each on its own index
    (``petition_repeat_lookup`` with the people found by ``mobile_hash``, and
    ``petition_repeat_phone``): an OR across the join would read every petition."""
    hashes = {phone_hash, petitioner.mobile_hash if petitioner is not None else ""} - {""}
    people = Q(pk=petitioner.pk) if petitioner is not None else Q()
    if hashes:
        people |= Q(mobile_hash__in=hashes)
    recent = Petition.objects.filter(
        category=category, created_at__gte=_repeat_window_start(now)
    ).exclude(status=Status.REJECTED)
    newest = ("-created_at", "-id")
    found = [
        recent.filter(petitioner__in=Person.objects.filter(people).values("pk"))
        .order_by(*newest)
        .first()
        if people
        else None,
        recent.filter(contact_phone_hash__in=hashes).order_by(*newest).first() if hashes else None,
    ]
    candidates = [petition for petition in found if petition is not None]
    return max(candidates, key=lambda petition: (petition.created_at, petition.pk), default=None)


def _repeat_window_start(now: dt.datetime) -> dt.datetime:
    """The start of the repeat window."""
    return now - dt.timedelta(days=REPEAT_WINDOW_DAYS)


def _check_attachments(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise _fail("attachments", _("At most %(count)d attachments.") % {"count": MAX_ATTACHMENTS})
    for upload in files:
        if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
            raise _fail("attachments", _("An attachment may be at most 10 MB."))


@transaction.atomic
def petition_create(
    *,
    actor: AnyUser | None,
    location: OrgUnit,
    channel: str,
    category: str,
    title: str,
    description: str,
    urgency: str = Urgency.NORMAL,
    track: str = Track.ORDINARY,
    grid: Grid | None = None,
    source_visit: Visit | None = None,
    petitioner: Person | None = None,
    is_anonymous: bool = False,
    contact_phone: str = "",
    address: str = "",
    complexity: Iterable[str] | None = None,
    attachments: Sequence[UploadedFile] = (),
    created_by: User | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """Log a petition (登记) → ``submitted``, handled by the community where it arose.

    ``location`` is that community or a compound/building inside it. From a visit that found a
    hazard, the visit's grid and household come along (one petition per visit). The accept
    clock starts now. A petition by the same petitioner (person, or phone) in the same
    category within 90 days is linked and flagged as a repeat (重复件). The community's staff
    are notified. Not idempotent: each call logs a new petition.
    """
    now = now or timezone.now()
    creator = _as_user(actor) or created_by
    if creator is None:
        raise _fail("created_by", _("Someone must log the petition."))
    errors: dict[str, list[str]] = {}
    community = _community_of(location)
    if community is None:
        errors["location"] = [_("Choose a community or a place inside one.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Not a valid choice.")]
    if category not in Category.values:
        errors["category"] = [_("Not a valid choice.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Not a valid choice.")]
    if track not in Track.values:
        errors["track"] = [_("Not a valid choice.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 120:
        errors["title"] = [_("At most 120 characters.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("This field is required.")]
    if source_visit is not None:
        if actor is not None:
            policy.require(actor, "visit.view", source_visit)
        if Petition.objects.filter(source_visit=source_visit).exists():
            errors["source_visit"] = [_("This visit has already become a petition.")]
        grid = grid or source_visit.grid
        if grid.pk != source_visit.grid_id:
            errors["grid"] = [_("The grid differs from the visit's grid.")]
    if grid is not None and community is not None and grid.community_id != community.pk:
        errors["grid"] = [_("Choose a grid of this community.")]
    if is_anonymous and petitioner is not None:
        errors["petitioner"] = [_("An anonymous petition names no petitioner.")]
    phone_fields: dict[str, str] = {}
    if contact_phone:
        try:
            phone = parse_phone(contact_phone)
        except IdentityError as error:
            errors["contact_phone"] = [str(error)]
        else:
            phone_fields = {
                "contact_phone_encrypted": pii.encrypt(phone.number),
                "contact_phone_hash": pii.blind_index(phone.number, purpose="phone"),
                "contact_phone_head": phone.number[:3]
                if phone.is_mobile
                else phone.number.split("-")[0],
                "contact_phone_tail": phone.number[-4:],
            }
    try:
        complexity_value = _clean_complexity(complexity)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    assert community is not None  # noqa: S101 - checked above
    if actor is not None:
        policy.require(actor, "orgunit.log_petition", community)
        if petitioner is not None:
            policy.require(actor, "person.view", petitioner)
        if grid is not None and source_visit is None:
            # Grids are visible to their staff and the community; a desk worker may name any
            # grid of the community it serves.
            policy.require(actor, "orgunit.view", grid.community)
    _check_attachments(attachments)
    deadline_policy = deadline_policy_for(track=track, category=category, urgency=urgency)
    repeat_of = _find_repeat(
        petitioner=petitioner,
        phone_hash=phone_fields.get("contact_phone_hash", ""),
        category=category,
        now=now,
    )
    petition = Petition.objects.create(
        number=_next_number(timezone.localtime(now).year),
        track=track,
        channel=channel,
        category=category,
        urgency=urgency,
        title=title,
        description=description,
        community=community,
        location=location,
        grid=grid,
        source_visit=source_visit,
        address=(address or "").strip()[:200],
        petitioner=petitioner,
        is_anonymous=is_anonymous,
        handling_unit=community,
        policy=deadline_policy,
        accept_due_at=deadline_after(
            now, deadline_policy.accept_within, deadline_policy.accept_unit
        ),
        clock_started_at=now,
        is_repeat=repeat_of is not None,
        repeat_of=repeat_of,
        complexity=complexity_value,
        created_by=creator,
        created_at=now,
        **phone_fields,
    )
    for upload in attachments:
        PetitionAttachment.objects.create(
            petition=petition, file=upload, name=(upload.name or "")[:200], uploaded_by=creator
        )
    record_creation(
        PETITION_WORKFLOW,
        petition,
        Action.CREATE,
        actor=creator,
        now=now,
        data={
            "channel": channel,
            "repeat_of": repeat_of.number if repeat_of else None,
            "source_visit": source_visit.pk if source_visit else None,
        },
    )
    audit_record(
        actor=creator,
        action=AuditEvent.Action.CREATE,
        obj=petition,
        changes={"number": petition.number, "community": community, "category": category},
        now=now,
    )
    notify_petition(
        recipients=unit_staff(community.pk),
        action=Action.CREATE,
        petition=petition,
        title=_("New petition: %(title)s") % {"title": petition_link_text(petition)},
        now=now,
        exclude=creator,
    )
    return petition
