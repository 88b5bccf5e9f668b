"""Grid staff: appointing 网格长 and grid workers, ending their terms, handing them over."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from grids.models import Grid, GridStaff
from grids.services.core import _check, _fail, _today
from orgchart import policy
from orgchart.models import Person, User
from orgchart.policy import AnyUser
from orgchart.services import register_handover_hook


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
