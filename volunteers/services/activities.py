"""Activities: the weekly party-member volunteer Saturday, monthly theme days; sign-up within
the capacity, check-in, service hours and their points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
from governance.models import AuditEvent
from orgchart.models import OrgUnit
from orgchart.policy import AnyUser
from volunteers.models import Activity, PointRule, Signup
from volunteers.services.core import as_user, fail, require, text
from volunteers.services.points import points_award
from volunteers.services.wishes import volunteer_of

# The longest weekly series announced at once (a quarter).
MAX_WEEKS = 13


@transaction.atomic
def activity_create(
    *,
    actor: AnyUser | None,
    unit: OrgUnit,
    title: str,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    theme: str = "",
    place: str = "",
    created_by: Any = None,
) -> Activity:
    """Announce an activity of ``unit`` (a community, or a street for all its communities)."""
    require(actor, "orgunit.manage_activities", unit)
    errors: dict[str, list[str]] = {}
    if kind not in Activity.Kind.values:
        errors["kind"] = [_("Not a valid choice.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("An activity ends after it starts.")]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= 10000:
        errors["capacity"] = [_("Give 1 to 10,000 places.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    creator = as_user(actor) or created_by
    if creator is None:
        raise fail("created_by", _("Someone must create the activity."))
    activity = Activity.objects.create(
        unit=unit,
        title=text(title, "title", required=True, limit=120),
        kind=kind,
        theme=text(theme, "theme", required=False, limit=120),
        place=text(place, "place", required=False, limit=200),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=creator,
    )
    audit_record(
        actor=creator,
        action=AuditEvent.Action.CREATE,
        obj=activity,
        changes={"unit": unit, "title": activity.title, "starts_at": starts_at},
    )
    return activity


@transaction.atomic
def activity_create_weekly(*, weeks: int, **details: Any) -> list[Activity]:
    """Announce the same activity on ``weeks`` consecutive weeks (the weekly volunteer
    Saturday), from the given start: one activity each, all or none."""
    if not isinstance(weeks, int) or isinstance(weeks, bool) or not 1 <= weeks <= MAX_WEEKS:
        raise fail("weeks", _("Repeat for 1 to %(max)d weeks.") % {"max": MAX_WEEKS})
    starts_at, ends_at = details.pop("starts_at"), details.pop("ends_at")
    week = dt.timedelta(weeks=1)
    return [
        activity_create(**details, starts_at=starts_at + week * n, ends_at=ends_at + week * n)
        for n in range(weeks)
    ]


@transaction.atomic
def activity_cancel(
    *, actor: AnyUser | None, activity: Activity, reason: str, now: dt.datetime | None = None
) -> Activity:
    """Call an activity off before it starts (idempotent), with the reason shown on its page.
    Sign-ups stay on record; nobody can sign up or be checked in any more. Once someone has
    been checked in (check-in opens an hour before the start) the activity took place: 409."""
    now = now or timezone.now()
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    require(actor, "activity.cancel", locked)
    if locked.is_cancelled:
        return locked
    reason = text(reason, "reason", required=True, limit=500)
    if locked.starts_at <= now:
        raise InvalidTransition(_("The activity has started; it can no longer be called off."))
    if Signup.objects.filter(
        activity=locked, cancelled_at__isnull=True, checked_in_at__isnull=False
    ).exists():
        raise InvalidTransition(
            _("Volunteers have been checked in; the activity can no longer be called off.")
        )
    locked.is_cancelled = True
    locked.cancel_reason = reason
    locked.save(update_fields=["is_cancelled", "cancel_reason"])
    audit_record(
        actor=as_user(actor),
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={"is_cancelled": True, "reason": reason},
        now=now,
    )
    return locked


@transaction.atomic
def activity_sign_up(
    *, actor: AnyUser, activity: Activity, now: dt.datetime | None = None
) -> Signup:
    """A volunteer signs up. The activity row is locked while places are counted, so the
    capacity is never exceeded. Idempotent: signing up twice returns the same sign-up."""
    now = now or timezone.now()
    volunteer = volunteer_of(actor)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    require(actor, "activity.view", locked)
    if volunteer is None:
        raise NotAllowed(_("Only a registered volunteer can sign up."))
    existing = Signup.objects.filter(
        activity=locked, volunteer=volunteer, cancelled_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    if locked.is_cancelled or locked.starts_at <= now:
        raise InvalidTransition(_("Sign-up for this activity is closed."))
    taken = Signup.objects.filter(activity=locked, cancelled_at__isnull=True).count()
    if taken >= locked.capacity:
        raise InvalidTransition(_("This activity is full."))
    try:
        with transaction.atomic():
            return Signup.objects.create(activity=locked, volunteer=volunteer, signed_up_at=now)
    except IntegrityError:
        return Signup.objects.get(activity=locked, volunteer=volunteer, cancelled_at__isnull=True)


@transaction.atomic
def activity_cancel_sign_up(
    *, actor: AnyUser, signup: Signup, now: dt.datetime | None = None
) -> Signup:
    """The volunteer withdraws before the start (idempotent)."""
    now = now or timezone.now()
    locked = Signup.objects.select_for_update().select_related("activity").get(pk=signup.pk)
    volunteer = volunteer_of(actor)
    if volunteer is None or volunteer.pk != locked.volunteer_id:
        require(actor, "signup.change", locked)
    if locked.cancelled_at is not None:
        return locked
    if locked.checked_in_at is not None or locked.activity.starts_at <= now:
        raise InvalidTransition(_("The activity has started; ask the organiser."))
    locked.cancelled_at = now
    locked.save(update_fields=["cancelled_at"])
    return locked


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as error:
        raise fail("hours", _("Enter the hours, e.g. 2.5.")) from error
    if not hours.is_finite() or not Decimal("0") < hours <= Decimal("24"):
        raise fail("hours", _("Give between 0.1 and 24 hours."))
    return hours


@transaction.atomic
def activity_check_in(
    *, actor: AnyUser | None, signup: Signup, hours: Any = None, now: dt.datetime | None = None
) -> Signup:
    """The organiser checks a volunteer in and records their service hours (default: the
    activity's length). Points: per activity attended and per service hour, each awarded
    once (idempotent; a correction of the hours does not award again)."""
    now = now or timezone.now()
    # The activity first, as sign-up and call-off lock it: a call-off at the same moment
    # waits for this check-in (and then refuses), or this check-in sees it called off.
    Activity.objects.select_for_update().filter(pk=signup.activity_id).values_list(
        "pk", flat=True
    ).first()
    locked = (
        Signup.objects.select_for_update().select_related("activity", "volunteer").get(pk=signup.pk)
    )
    require(actor, "signup.check_in", locked)
    if locked.cancelled_at is not None:
        raise InvalidTransition(_("This sign-up was cancelled."))
    activity = locked.activity
    if activity.is_cancelled:
        raise InvalidTransition(_("This activity was called off."))
    if now < activity.starts_at - dt.timedelta(hours=1):
        raise InvalidTransition(_("Check-in opens an hour before the start."))
    if hours is None:
        length = (activity.ends_at - activity.starts_at).total_seconds() / 3600
        hours = min(Decimal(str(round(length, 1))), Decimal("24"))
    hours = _hours(hours)
    if locked.checked_in_at is None:
        locked.checked_in_at = now
    locked.hours = hours
    locked.save(update_fields=["checked_in_at", "hours"])
    points_award(
        volunteer=locked.volunteer,
        rule_code=PointRule.Code.ACTIVITY_ATTENDED,
        source=locked,
        note=activity.title,
        now=now,
    )
    points_award(
        volunteer=locked.volunteer,
        rule_code=PointRule.Code.SERVICE_HOUR,
        source=locked,
        quantity=int(hours),
        note=activity.title,
        now=now,
    )
    audit_record(
        actor=as_user(actor),
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes={"checked_in_at": now, "hours": str(hours)},
        now=now,
    )
    return locked
