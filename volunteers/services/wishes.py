"""Micro-wishes (微心愿): post, claim, release, fulfil, confirm, withdraw (DESIGN §5)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import NotAllowed
from governance.models import AuditEvent
from governance.photos import check_photos
from governance.workflow import Outcome, record_creation, transition
from orgchart.models import OrgUnit, Person, User
from orgchart.policy import AnyUser
from volunteers.models import PointRule, Volunteer, Wish, WishAction
from volunteers.services.core import as_user, fail, require, text
from volunteers.services.points import points_award
from volunteers.workflows import WISH_WORKFLOW


def volunteer_of(user: AnyUser | None) -> Volunteer | None:
    """The active volunteer record linked to an account, if any."""
    if not isinstance(user, User):
        return None
    return Volunteer.objects.filter(account=user, is_active=True).select_related("person").first()


def _step(
    wish: Wish,
    action: str,
    *,
    actor: AnyUser | None,
    now: dt.datetime,
    expected_version: int | None,
    changes: dict[str, object] | None = None,
    note: str = "",
) -> Outcome[Wish]:
    return transition(
        WISH_WORKFLOW,
        wish,
        action,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes=changes,
        note=note,
    )


@transaction.atomic
def wish_post(
    *,
    actor: AnyUser | None,
    community: OrgUnit,
    title: str,
    description: str = "",
    beneficiary: Person | None = None,
    posted_by: User | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """Post a resident's micro-wish on the community's board → ``posted``."""
    now = now or timezone.now()
    require(actor, "orgunit.post_wish", community)
    if community.kind != OrgUnit.Kind.COMMUNITY:
        raise fail("community", _("A micro-wish is posted by a community."))
    if actor is not None and beneficiary is not None:
        require(actor, "person.view", beneficiary)
    poster = as_user(actor) or posted_by
    if poster is None:
        raise fail("posted_by", _("Someone must post the wish."))
    wish = Wish.objects.create(
        community=community,
        title=text(title, "title", required=True, limit=120),
        description=text(description, "description", required=False),
        beneficiary=beneficiary,
        posted_by=poster,
        posted_at=now,
    )
    record_creation(WISH_WORKFLOW, wish, WishAction.POST, actor=poster, now=now)
    audit_record(
        actor=poster,
        action=AuditEvent.Action.CREATE,
        obj=wish,
        changes={"community": community, "title": wish.title},
        now=now,
    )
    return wish


@transaction.atomic
def wish_claim(
    *,
    actor: AnyUser,
    wish: Wish,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """认领: a volunteer of the wish's community claims it: ``posted`` → ``claimed``."""
    now = now or timezone.now()
    volunteer = volunteer_of(actor)
    if volunteer is None:
        require(actor, "wish.view", wish)
        raise NotAllowed(_("Only a registered volunteer can claim a micro-wish."))
    return _step(
        wish,
        WishAction.CLAIM,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"claimed_by": volunteer, "claimed_at": now},
    ).obj


@transaction.atomic
def wish_release(
    *,
    actor: AnyUser,
    wish: Wish,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """The claimer gives the wish up: ``claimed`` → ``posted`` (back on the board)."""
    now = now or timezone.now()
    return _step(
        wish,
        WishAction.RELEASE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"claimed_by": None, "claimed_at": None},
        note=text(reason, "reason", required=False),
    ).obj


@transaction.atomic
def wish_fulfil(
    *,
    actor: AnyUser,
    wish: Wish,
    note: str,
    photo: UploadedFile | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """The claimer reports it done (note required, photo optional): ``claimed`` →
    ``fulfilled``. The community confirms it before points are awarded."""
    now = now or timezone.now()
    note = text(note, "note", required=True)
    if photo is not None:
        check_photos([photo], field="photo")
    outcome = _step(
        wish,
        WishAction.FULFIL,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"fulfilled_at": now, "fulfil_note": note},
        note=note,
    )
    result = outcome.obj
    if outcome.changed and photo is not None:
        # Only with the fulfilment itself: a retried request leaves the first photo.
        result.photo = photo
        result.save(update_fields=["photo"])
    return result


@transaction.atomic
def wish_confirm(
    *,
    actor: AnyUser | None,
    wish: Wish,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """The community confirms a fulfilled wish: ``fulfilled`` → ``confirmed``; the claimer
    earns the rule's points (idempotent award)."""
    now = now or timezone.now()
    result = _step(
        wish,
        WishAction.CONFIRM,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"confirmed_at": now},
        note=text(note, "note", required=False),
    ).obj
    if result.claimed_by is not None:
        points_award(
            volunteer=result.claimed_by,
            rule_code=PointRule.Code.WISH_FULFILLED,
            source=result,
            note=result.title,
            now=now,
        )
    return result


@transaction.atomic
def wish_withdraw(
    *,
    actor: AnyUser | None,
    wish: Wish,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Wish:
    """The community takes a wish off the board: ``posted`` or ``claimed`` → ``withdrawn``."""
    now = now or timezone.now()
    return _step(
        wish,
        WishAction.WITHDRAW,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=text(reason, "reason", required=True),
    ).obj
