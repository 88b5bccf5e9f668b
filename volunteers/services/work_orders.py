"""Work orders by the 五单法 (DESIGN §5): order 点单 → dispatch 下单 → accept 接单 → complete →
verify 验单 (or return), cancel before acceptance, supervise 督单 at any open stage."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from governance.services import next_number
from governance.workflow import record_creation, transition
from notifications.recipients import unit_staff
from notifications.services import notify
from orgchart.models import OrgUnit, Person, User
from orgchart.policy import AnyUser
from petitions.models import Petition
from volunteers.models import (
    Pairing,
    PartnerUnit,
    PointRule,
    Team,
    Volunteer,
    WorkOrder,
    WorkOrderAction,
    WorkOrderEvent,
    WorkOrderStatus,
)
from volunteers.notifications import WORK_ORDER_OVERDUE
from volunteers.services.core import as_user, fail, require, text
from volunteers.services.points import points_award
from volunteers.workflows import WORK_ORDER_WORKFLOW

logger = logging.getLogger(__name__)


def _next_number(year: int) -> str:
    """Readable numbers per year: GD2026-000123."""
    return f"GD{year}-{next_number('work_order', year):06d}"


def _step(
    order: WorkOrder,
    action: str,
    *,
    actor: AnyUser | None,
    now: dt.datetime,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> WorkOrder:
    return transition(
        WORK_ORDER_WORKFLOW,
        order,
        action,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes=changes,
        note=note,
        data=data,
    ).obj


def _funds(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as error:
        raise fail("funds", _("Enter an amount in yuan.")) from error
    if not amount.is_finite() or amount < 0 or amount > Decimal("99999999"):
        raise fail("funds", _("Enter an amount between 0 and 99,999,999 yuan."))
    return amount


@transaction.atomic
def work_order_create(
    *,
    actor: AnyUser | None,
    community: OrgUnit,
    title: str,
    content: str,
    source: str = WorkOrder.Source.RESIDENT,
    requested_by: Person | None = None,
    petition: Petition | None = None,
    funds: Any = 0,
    funds_source: str = "",
    due_at: dt.datetime | None = None,
    ordered_by: User | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """点单: a resident's or the community's need, or a petition turned into a work order →
    ``ordered``. A petition becomes at most one work order."""
    now = now or timezone.now()
    require(actor, "orgunit.order_work", community)
    errors: dict[str, list[str]] = {}
    if community.kind != OrgUnit.Kind.COMMUNITY:
        errors["community"] = [_("A work order is ordered at a community.")]
    if source not in WorkOrder.Source.values:
        errors["source"] = [_("Not a valid choice.")]
    if petition is not None:
        if actor is not None:
            require(actor, "petition.view", petition)
        source = WorkOrder.Source.PETITION
        if petition.community_id != community.pk:
            errors["petition"] = [_("The petition belongs to another community.")]
        elif WorkOrder.objects.filter(petition=petition).exists():
            errors["petition"] = [_("This petition is already a work order.")]
    elif source == WorkOrder.Source.PETITION:
        errors["petition"] = [_("Choose the petition.")]
    if due_at is not None and due_at <= now:
        errors["due_at"] = [_("The deadline must be in the future.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    orderer = as_user(actor) or ordered_by
    if orderer is None:
        raise fail("ordered_by", _("Someone must order the work."))
    try:
        with transaction.atomic():
            order = WorkOrder.objects.create(
                number=_next_number(timezone.localtime(now).year),
                community=community,
                title=text(title, "title", required=True, limit=120),
                content=text(content, "content", required=True),
                source=source,
                petition=petition,
                requested_by=requested_by,
                funds=_funds(funds),
                funds_source=text(funds_source, "funds_source", required=False, limit=100),
                due_at=due_at,
                ordered_by=orderer,
                ordered_at=now,
            )
    except IntegrityError as error:
        raise fail("petition", _("This petition is already a work order.")) from error
    record_creation(WORK_ORDER_WORKFLOW, order, WorkOrderAction.ORDER, actor=orderer, now=now)
    audit_record(
        actor=orderer,
        action=AuditEvent.Action.CREATE,
        obj=order,
        changes={"number": order.number, "community": community, "source": source},
        now=now,
    )
    return order


def _serves(team: Team, community_id: int) -> bool:
    """Whether the team may take the work orders of the community: its unit lies in the
    community's subtree, or is the street above it (both read now: the tree may have moved
    since the caller loaded them)."""
    units = OrgUnit.objects.in_bulk([team.unit_id, community_id])
    unit, community = units.get(team.unit_id), units.get(community_id)
    if unit is None or community is None:
        return False
    if unit.is_descendant_of(community, include_self=True):
        return True
    return unit.kind == OrgUnit.Kind.STREET and unit.is_ancestor_of(community)


def _partner_serves(partner: PartnerUnit, community_id: int) -> bool:
    """Whether the partner unit may take the community's work orders: it is paired with the
    community now (包联), or kept by a unit inside the community."""
    if Pairing.objects.filter(
        partner_id=partner.pk, community_id=community_id, ended_on__isnull=True
    ).exists():
        return True
    units = OrgUnit.objects.in_bulk([partner.unit_id, community_id])
    unit, community = units.get(partner.unit_id), units.get(community_id)
    return (
        unit is not None
        and community is not None
        and unit.is_descendant_of(community, include_self=True)
    )


@transaction.atomic
def work_order_dispatch(
    *,
    actor: AnyUser | None,
    work_order: WorkOrder,
    team: Team | None = None,
    partner: PartnerUnit | None = None,
    due_at: dt.datetime | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """下单: the community party organisation gives the work to one team or one partner unit
    (exactly one): ``ordered`` → ``dispatched``, with an optional deadline.

    A team must serve the order's community: a team of the community (or of a unit inside
    it), or of the street above it (a street's 先锋队 serves its communities). A team the
    actor does not see is out of scope (404); a team of another community or street the
    actor sees is refused (400). A partner unit must be paired with the community now (or be
    kept inside it)."""
    now = now or timezone.now()
    if (team is None) == (partner is None):
        raise fail("team", _("Choose one team or one partner unit."))
    if actor is not None:
        require(actor, "team.view" if team is not None else "partnerunit.view", team or partner)
    if team is not None and not _serves(team, work_order.community_id):
        raise fail("team", _("This team does not serve the work order's community."))
    if partner is not None and not _partner_serves(partner, work_order.community_id):
        raise fail("partner", _("This partner unit is not paired with the work order's community."))
    provider = team or partner
    assert provider is not None  # noqa: S101 - one of them, checked above
    if not provider.is_active:
        raise fail("team" if team else "partner", _("This provider is no longer active."))
    if due_at is not None and due_at <= now:
        raise fail("due_at", _("The deadline must be in the future."))
    changes: dict[str, Any] = {"team": team, "partner": partner, "dispatched_at": now}
    if due_at is not None:
        changes.update(due_at=due_at, overdue_noted_at=None)
    # Only the same dispatch again is a retry: giving a dispatched order to another provider
    # is a transition the table does not have (409).
    return _step(
        work_order,
        WorkOrderAction.DISPATCH,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes=changes,
        note=str(provider),
        data={"team": team.pk if team else None, "partner": partner.pk if partner else None},
    )


@transaction.atomic
def work_order_accept(
    *,
    actor: AnyUser | None,
    work_order: WorkOrder,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """接单: the team's lead or the partner unit's contact accepts: ``dispatched`` →
    ``accepted``."""
    now = now or timezone.now()
    return _step(
        work_order,
        WorkOrderAction.ACCEPT,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"accepted_at": now, "accepted_by": as_user(actor)},
    )


@transaction.atomic
def work_order_complete(
    *,
    actor: AnyUser | None,
    work_order: WorkOrder,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """The provider reports the work done (note required): ``accepted`` → ``completed``."""
    now = now or timezone.now()
    note = text(note, "note", required=True)
    return _step(
        work_order,
        WorkOrderAction.COMPLETE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"completed_at": now, "completion_note": note},
        note=note,
    )


@transaction.atomic
def work_order_verify(
    *,
    actor: AnyUser | None,
    work_order: WorkOrder,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """验单: the street party committee accepts the result: ``completed`` → ``verified``.
    The volunteer who accepted the order earns the rule's points (idempotent)."""
    now = now or timezone.now()
    result = _step(
        work_order,
        WorkOrderAction.VERIFY,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"verified_at": now},
        note=text(note, "note", required=False),
    )
    volunteer = (
        Volunteer.objects.filter(account_id=result.accepted_by_id).first()
        if result.accepted_by_id
        else None
    )
    if volunteer is not None:
        points_award(
            volunteer=volunteer,
            rule_code=PointRule.Code.WORK_ORDER_VERIFIED,
            source=result,
            note=result.title,
            now=now,
        )
    return result


@transaction.atomic
def work_order_return(
    *,
    actor: AnyUser | None,
    work_order: WorkOrder,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """The street sends the result back (not good enough, reason required): ``completed`` →
    ``accepted``."""
    now = now or timezone.now()
    reason = text(reason, "reason", required=True)
    return _step(
        work_order,
        WorkOrderAction.RETURN,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"completed_at": None},
        note=reason,
    )


@transaction.atomic
def work_order_cancel(
    *,
    actor: AnyUser | None,
    work_order: WorkOrder,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """The community cancels before acceptance: ``ordered`` or ``dispatched`` →
    ``cancelled``."""
    now = now or timezone.now()
    return _step(
        work_order,
        WorkOrderAction.CANCEL,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=text(reason, "reason", required=True),
    )


@transaction.atomic
def work_order_supervise(
    *,
    actor: AnyUser | None,
    work_order: WorkOrder,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """督单: a supervisory committee member or an official leaves a note at any open stage
    (no status change, the version stays). Idempotent: the same note by the same actor,
    retried while it is the order's latest event, is recorded once. The version moves, as
    with every step, so a page opened before the note is stale."""
    now = now or timezone.now()
    return _step(
        work_order,
        WorkOrderAction.SUPERVISE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=text(note, "note", required=True),
    )


@transaction.atomic
def work_order_note_overdue(*, work_order_id: int, due_at: dt.datetime, now: dt.datetime) -> bool:
    """The sweep: note once that an open work order missed its deadline (red light) and tell
    the community's staff. Idempotent: a compare-and-swap on ``overdue_noted_at``."""
    updated = WorkOrder.objects.filter(
        pk=work_order_id,
        due_at=due_at,
        overdue_noted_at__isnull=True,
        status__in=(WorkOrderStatus.ORDERED, WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED),
    ).update(overdue_noted_at=now)
    if updated != 1:
        return False
    order = WorkOrder.objects.get(pk=work_order_id)
    # A note of the sweep, not a step: the status and version stay.
    WorkOrderEvent.objects.create(
        work_order=order,
        action=WorkOrderAction.OVERDUE,
        at=now,
        from_status=order.status,
        to_status=order.status,
    )
    notify(
        recipients=unit_staff(order.community_id),
        kind=WORK_ORDER_OVERDUE,
        subject=order,
        title=_("Work order overdue: %(number)s %(title)s")
        % {"number": order.number, "title": order.title},
        link=reverse("volunteers:work_order", args=[order.pk]),
        now=now,
    )
    logger.info("work order %s overdue (noted)", order.number, extra={"work_order": order.number})
    return True
