"""Points (积分): idempotent awards, and redemptions that never overdraw a balance or oversell
a reward, even under concurrent requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
from governance.models import AuditEvent
from orgchart.policy import AnyUser
from volunteers.models import PointEntry, PointRule, Redemption, Reward, Volunteer
from volunteers.services.core import as_user, fail, require

DEFAULT_RULES = {
    PointRule.Code.SERVICE_HOUR: 10,
    PointRule.Code.WISH_FULFILLED: 20,
    PointRule.Code.WORK_ORDER_VERIFIED: 30,
    PointRule.Code.ACTIVITY_ATTENDED: 5,
}


def point_rules_ensure_defaults() -> int:
    """Create the default rules that do not exist yet (edited ones are left alone)."""
    created = 0
    for code, points in DEFAULT_RULES.items():
        _rule, made = PointRule.objects.get_or_create(code=code, defaults={"points": points})
        created += int(made)
    return created


@transaction.atomic
def point_rule_update(
    *, actor: AnyUser | None, rule: PointRule, points: int | None = None, active: bool | None = None
) -> PointRule:
    """Change a rule's points or switch it on or off (the city's rules: a superuser only).
    New awards use the new value; entries already in the ledger keep theirs. Audited."""
    if actor is not None and not (actor.is_authenticated and getattr(actor, "is_superuser", False)):
        raise NotAllowed(_("Only a superuser changes the points rules."))
    changes: dict[str, Any] = {}
    if points is not None and points != rule.points:
        if not isinstance(points, int) or isinstance(points, bool) or points < 0:
            raise fail("points", _("Points cannot be negative."))
        changes["points"] = points
    if active is not None and active != rule.is_active:
        changes["is_active"] = active
    if not changes:
        return rule
    PointRule.objects.filter(pk=rule.pk).update(**changes)
    audit_record(actor=as_user(actor), action=AuditEvent.Action.UPDATE, obj=rule, changes=changes)
    rule.refresh_from_db()
    return rule


def points_balance(volunteer: Volunteer) -> int:
    return int(
        PointEntry.objects.filter(volunteer=volunteer).aggregate(total=Sum("points"))["total"] or 0
    )


def points_award(
    *,
    volunteer: Volunteer,
    rule_code: str,
    source: Any,
    quantity: int = 1,
    note: str = "",
    now: dt.datetime | None = None,
) -> PointEntry | None:
    """Award ``quantity`` × the rule's points for ``source`` (a model instance). Idempotent:
    one award per volunteer, rule and source (a unique constraint), so a retried or
    concurrent call awards nothing twice. Returns the new entry, or None when it existed or
    the rule is inactive or worth nothing here."""
    now = now or timezone.now()
    rule = PointRule.objects.filter(code=rule_code, is_active=True).first()
    if rule is None or quantity <= 0:
        return None
    points = rule.points * quantity
    if points <= 0:
        return None
    try:
        with transaction.atomic():
            return PointEntry.objects.create(
                volunteer=volunteer,
                rule=rule,
                source_type=source._meta.label,
                source_id=source.pk,
                points=points,
                note=note[:200],
                at=now,
            )
    except IntegrityError:
        return None


@transaction.atomic
def redemption_create(
    *,
    actor: AnyUser | None,
    volunteer: Volunteer,
    reward: Reward,
    quantity: int = 1,
    now: dt.datetime | None = None,
) -> Redemption:
    """积分兑换: exchange points for ``quantity`` of a reward.

    The volunteer's row is locked first (every redemption of one volunteer runs one after
    another), the balance is summed under that lock, and the stock is taken by a conditional
    update (``stock >= quantity``), so concurrent requests never take a balance below zero or
    the stock below zero. Not idempotent: each call is a new redemption.
    """
    now = now or timezone.now()
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 20:
        raise fail("quantity", _("Redeem 1 to 20 at a time."))
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    require(actor, "volunteer.redeem", locked)
    require(actor, "reward.view", reward)
    fresh_reward = Reward.objects.get(pk=reward.pk)
    if not fresh_reward.is_active or not locked.is_active:
        raise InvalidTransition(_("This reward cannot be redeemed now."))
    cost = fresh_reward.points * quantity
    if points_balance(locked) < cost:
        raise InvalidTransition(_("Not enough points for this reward."))
    taken = Reward.objects.filter(pk=fresh_reward.pk, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if taken != 1:
        raise InvalidTransition(_("This reward is out of stock."))
    entry = PointEntry.objects.create(
        volunteer=locked,
        rule=None,
        source_type="volunteers.Reward",
        source_id=fresh_reward.pk,
        points=-cost,
        note=fresh_reward.name[:200],
        at=now,
    )
    redemption = Redemption.objects.create(
        volunteer=locked, reward=fresh_reward, quantity=quantity, points=cost, entry=entry, at=now
    )
    audit_record(
        actor=as_user(actor),
        action=AuditEvent.Action.CREATE,
        obj=redemption,
        changes={"reward": fresh_reward, "quantity": quantity, "points": cost},
        now=now,
    )
    return redemption


@transaction.atomic
def redemption_hand_over(
    *, actor: AnyUser | None, redemption: Redemption, now: dt.datetime | None = None
) -> Redemption:
    """The community hands the reward over (idempotent)."""
    now = now or timezone.now()
    locked = Redemption.objects.select_for_update().get(pk=redemption.pk)
    require(actor, "redemption.hand_over", locked)
    if locked.handed_over_at is None:
        locked.handed_over_at = now
        locked.save(update_fields=["handed_over_at"])
        audit_record(
            actor=as_user(actor),
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            changes={"handed_over_at": now},
            now=now,
        )
    return locked


@transaction.atomic
def reward_create(
    *,
    actor: AnyUser | None,
    unit: Any,
    name: str,
    points: int,
    stock: int,
    description: str = "",
) -> Reward:
    """Add an item to a unit's reward catalogue."""
    require(actor, "orgunit.manage_volunteers", unit)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    if not isinstance(points, int) or points < 1:
        errors["points"] = [_("A reward costs at least 1 point.")]
    if not isinstance(stock, int) or stock < 0:
        errors["stock"] = [_("The stock cannot be negative.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    reward = Reward.objects.create(
        unit=unit, name=name[:100], points=points, stock=stock, description=description
    )
    audit_record(
        actor=as_user(actor),
        action=AuditEvent.Action.CREATE,
        obj=reward,
        changes={"unit": unit, "name": name, "points": points, "stock": stock},
    )
    return reward


@transaction.atomic
def reward_restock(*, actor: AnyUser | None, reward: Reward, add: int) -> Reward:
    """Add stock to a reward (counted with F(), so concurrent redemptions are not lost)."""
    require(actor, "reward.change", reward)
    if not isinstance(add, int) or add < 1:
        raise fail("add", _("Add at least 1."))
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + add)
    audit_record(
        actor=as_user(actor), action=AuditEvent.Action.UPDATE, obj=reward, changes={"restock": add}
    )
    return Reward.objects.get(pk=reward.pk)
