"""Deadline policies: which one applies, the defaults (DESIGN §5), and the admins' writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import NotAllowed, ValidationFailed
from governance.models import AuditEvent
from orgchart import policy
from orgchart.policy import AnyUser
from petitions.models import DeadlinePolicy, TimeUnit, Track, Urgency
from petitions.services.core import _fail

# --- Deadline policies -----------------------------------------------------------------------


def deadline_policy_for(*, track: str, category: str, urgency: str) -> DeadlinePolicy:
    """The most specific active policy: category + urgency, category, urgency, default."""
    candidates = DeadlinePolicy.objects.filter(
        Q(category=category) | Q(category=""),
        Q(urgency=urgency) | Q(urgency=""),
        track=track,
        is_active=True,
    )
    best = sorted(candidates, key=lambda item: (item.category == "", item.urgency == "", item.pk))
    if not best:
        raise _fail("track", _("No deadline policy covers this track. Ask an administrator."))
    return best[0]


DEFAULT_POLICIES: tuple[dict[str, Any], ...] = (
    # Ordinary requests (诉求): accept within a working day, resolve within 7 working days;
    # whistles: report within 24 h, complete within 7 days (DESIGN §5).
    {
        "name": "诉求（一般）",
        "track": Track.ORDINARY,
        "urgency": "",
        "accept_within": 1,
        "accept_unit": "working_days",
        "resolve_within": 7,
        "resolve_unit": "working_days",
        "report_within": 24,
        "report_unit": "hours",
        "complete_within": 7,
        "complete_unit": "calendar_days",
        "max_extension": 5,
        "extension_unit": "working_days",
    },
    {
        "name": "诉求（紧急）",
        "track": Track.ORDINARY,
        "urgency": Urgency.URGENT,
        "accept_within": 2,
        "accept_unit": "hours",
        "resolve_within": 2,
        "resolve_unit": "working_days",
        "report_within": 2,
        "report_unit": "hours",
        "complete_within": 2,
        "complete_unit": "calendar_days",
        "max_extension": 1,
        "extension_unit": "working_days",
    },
    # Formal petitions (信访) per the 2022 信访工作条例: decide acceptance within 15 days,
    # finish within 60 days, extensible once by at most 30.
    {
        "name": "信访事项（信访工作条例）",
        "track": Track.FORMAL,
        "urgency": "",
        "accept_within": 15,
        "accept_unit": "calendar_days",
        "resolve_within": 60,
        "resolve_unit": "calendar_days",
        "report_within": 24,
        "report_unit": "hours",
        "complete_within": 30,
        "complete_unit": "calendar_days",
        "max_extension": 30,
        "extension_unit": "calendar_days",
    },
)


def deadline_policies_ensure_defaults() -> int:
    """Create the default policies where no active policy covers their case (idempotent;
    policies edited in the admin are left as they are). Returns how many were created."""
    created = 0
    for spec in DEFAULT_POLICIES:
        exists = DeadlinePolicy.objects.filter(
            track=spec["track"], category="", urgency=spec["urgency"], is_active=True
        ).exists()
        if not exists:
            DeadlinePolicy.objects.create(category="", **spec)
            created += 1
    return created


# --- Creating and changing policies (admins) -----------------------------------------------

# 信访工作条例 (2022): decide acceptance within 15 days, finish within 60, extend by at most 30.
# The 条例 counts calendar days, so a formal-track clock is in calendar days or hours.
FORMAL_LIMIT_DAYS = {
    "accept_within": ("accept_unit", 15),
    "resolve_within": ("resolve_unit", 60),
    "max_extension": ("extension_unit", 30),
}
CASE_FIELDS = ("track", "category", "urgency")
POLICY_FIELDS = (
    "name",
    *CASE_FIELDS,
    "accept_within",
    "accept_unit",
    "resolve_within",
    "resolve_unit",
    "report_within",
    "report_unit",
    "complete_within",
    "complete_unit",
    "max_extension",
    "extension_unit",
    "yellow_at",
    "close_after_reply_days",
    "is_active",
)


def deadline_policy_require_admin(actor: AnyUser) -> None:
    """Policies belong to no unit, so the rule is asked without a row (``require`` would look
    for one in the caller's scope)."""
    if not policy.role_may(actor, "deadlinepolicy.change", None):
        raise NotAllowed(_("Only administrators change deadline policies."))


def _deadline_policy_errors(
    values: dict[str, Any], instance: DeadlinePolicy | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not 1 <= values["yellow_at"] <= 99:
        errors["yellow_at"] = [_("Enter a share from 1 to 99 %.")]
    if values["track"] == Track.FORMAL:
        for amount_field, (unit_field, days) in FORMAL_LIMIT_DAYS.items():
            amount, unit = values[amount_field], values[unit_field]
            if amount and unit == TimeUnit.WORKING_DAYS:
                errors[unit_field] = [
                    _("The 信访工作条例 counts calendar days: use calendar days or hours.")
                ]
            elif (unit == TimeUnit.CALENDAR_DAYS and amount > days) or (
                unit == TimeUnit.HOURS and amount > days * 24
            ):
                errors[amount_field] = [
                    _("At most %(days)d days for a formal petition (信访工作条例).")
                    % {"days": days}
                ]
    if values["is_active"]:
        clash = DeadlinePolicy.objects.filter(
            is_active=True, **{field: values[field] for field in CASE_FIELDS}
        )
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["non_field_errors"] = [
                _("An active policy already covers this track, category and urgency.")
            ]
    if (
        instance is not None
        and instance.is_active
        and not instance.category
        and not instance.urgency
    ):
        still_default = values["is_active"] and all(
            values[field] == getattr(instance, field) for field in CASE_FIELDS
        )
        others = (
            DeadlinePolicy.objects.filter(
                track=instance.track, category="", urgency="", is_active=True
            )
            .exclude(pk=instance.pk)
            .exists()
        )
        if not still_default and not others:
            errors["is_active"] = [
                _(
                    "Intake needs an active policy for any category and urgency of each "
                    "track: create the replacement first."
                )
            ]
    return errors


@contextmanager
def _one_active_per_case() -> Iterator[None]:
    """A concurrent writer may activate the same case between our check and our save: the
    constraint decides, and the client gets the message instead of a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise ValidationFailed(
            fields={
                "non_field_errors": [
                    _("An active policy already covers this track, category and urgency.")
                ]
            }
        ) from error


@transaction.atomic
def deadline_policy_create(*, actor: AnyUser, **values: Any) -> DeadlinePolicy:
    """A new deadline policy (admins). Petitions logged afterwards use it where it is the most
    specific active one; running clocks keep their due times. Not idempotent."""
    deadline_policy_require_admin(actor)
    errors = _deadline_policy_errors(values, None)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    with _one_active_per_case():
        deadline_policy = DeadlinePolicy.objects.create(**values)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=deadline_policy, changes=values)
    return deadline_policy


@transaction.atomic
def deadline_policy_update(
    *, actor: AnyUser, deadline_policy: DeadlinePolicy, **changes: Any
) -> DeadlinePolicy:
    """Change a policy's clocks, case or activity (admins). Due times already set stay as they
    are. The last active default of a track cannot be switched off (intake would fail).
    Changing nothing writes nothing."""
    deadline_policy_require_admin(actor)
    current = DeadlinePolicy.objects.select_for_update().get(pk=deadline_policy.pk)
    values = {field: changes.get(field, getattr(current, field)) for field in POLICY_FIELDS}
    changed = {field: value for field, value in values.items() if getattr(current, field) != value}
    if not changed:
        return current
    errors = _deadline_policy_errors(values, current)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    for field, value in changed.items():
        setattr(current, field, value)
    with _one_active_per_case():
        current.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=current, changes=changed)
    return current
