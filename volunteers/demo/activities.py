"""Activities created through the service with their attendance written in bulk (as
``activity_check_in`` writes it), then redemptions and the demo account's own sign-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from governance.audit import audit_changes
from governance.models import AuditEvent
from governance.pii import mask_name
from volunteers import services
from volunteers.demo.state import (
    BATCH,
    PAST_WEEKS,
    VOLUNTEER_COMMUNITY,
    DemoCommunity,
    Seeder,
    phase_rng,
)
from volunteers.demo.texts import THEMES
from volunteers.models import Activity, PointEntry, PointRule, Redemption, Reward, Signup

# --- Activities: created through the service, attendance written in bulk -----------------------


def activity_days(seeder: Seeder) -> list[tuple[str, dt.date]]:
    """The Saturdays of the last ``PAST_WEEKS`` weeks and the next two, and the 5th of
    the last three months and the next (the monthly theme day)."""
    saturday = seeder.today + dt.timedelta(days=(5 - seeder.today.weekday()) % 7)
    days = [
        (Activity.Kind.VOLUNTEER_DAY, saturday + dt.timedelta(weeks=week))
        for week in range(-PAST_WEEKS, 2)
    ]
    month = seeder.today.replace(day=5)
    for back in range(-2, 1):
        year, index = divmod(month.month - 1 + back, 12)
        days.append(
            (Activity.Kind.THEME_DAY, month.replace(year=month.year + year, month=index + 1))
        )
    if month <= seeder.today:
        next_year, next_index = divmod(month.month, 12)
        days.append(
            (
                Activity.Kind.THEME_DAY,
                month.replace(year=month.year + next_year, month=next_index + 1),
            )
        )
    return sorted(set(days), key=lambda item: (item[1], item[0]))


def create_activities(seeder: Seeder, community: DemoCommunity) -> None:
    unit = community.unit
    if Activity.objects.filter(unit=unit).exists() or not community.volunteers:
        return
    rng = phase_rng(seeder.seed, "activities", unit)
    creator = seeder.poster(community)
    place = f"{unit.name}党群服务中心"
    rules = dict(PointRule.objects.filter(is_active=True).values_list("code", "points"))
    signups: list[tuple[Signup, Activity]] = []
    journey_account = community.accounts[0] if unit.name == VOLUNTEER_COMMUNITY else None
    for kind, day in activity_days(seeder):
        if kind == Activity.Kind.VOLUNTEER_DAY:
            title = f"{community.short}党员志愿服务日"
            theme = rng.choice(["环境整治", "入户走访", "文明劝导", "助老服务", "便民服务"])
            starts, ends, capacity = seeder.at(day, 9), seeder.at(day, 11), 20
        else:
            theme = THEMES[day.month]
            title = f"{day.month}月主题党日：{theme}"
            starts, ends, capacity = seeder.at(day, 14, 30), seeder.at(day, 16, 30), 40
        activity = services.activity_create(
            actor=None,
            unit=unit,
            title=title,
            kind=kind,
            starts_at=starts,
            ends_at=ends,
            capacity=capacity,
            theme=theme,
            place=place,
            created_by=creator,
        )
        seeder.result.created_activities += 1
        upcoming = starts > seeder.now
        count = (
            rng.randrange(6, 14) if kind == Activity.Kind.VOLUNTEER_DAY else rng.randrange(12, 25)
        )
        if upcoming:
            count //= 3
        chosen = rng.sample(community.volunteers, min(count, len(community.volunteers), capacity))
        if journey_account is not None and not upcoming and journey_account not in chosen:
            chosen[0:1] = [journey_account]
        if journey_account is not None and upcoming:
            # The demo account signs up for the activities ahead itself.
            chosen = [v for v in chosen if v.pk != journey_account.pk]
        for volunteer in chosen:
            signed = min(
                starts - dt.timedelta(days=rng.randrange(1, 6), hours=rng.randrange(8)),
                seeder.now,
            )
            signup = Signup(activity=activity, volunteer=volunteer, signed_up_at=signed)
            if not upcoming and rng.random() < 0.92:
                signup.checked_in_at = starts - dt.timedelta(minutes=rng.randrange(0, 20))
                length = Decimal(str(round((ends - starts).total_seconds() / 3600, 1)))
                signup.hours = length if rng.random() < 0.8 else length + Decimal("0.5")
            signups.append((signup, activity))
    Signup.objects.bulk_create([signup for signup, _activity in signups], batch_size=BATCH)
    seeder.result.created_signups += len(signups)
    award_attendance(seeder, signups, rules)


def award_attendance(
    seeder: Seeder, signups: list[tuple[Signup, Activity]], rules: dict[str, int]
) -> None:
    """The rows ``activity_check_in`` writes: per activity attended and per whole service
    hour, one award each, and the check-in's audit row (the organiser's)."""
    rule_ids = dict(PointRule.objects.values_list("code", "pk"))
    entries: list[PointEntry] = []
    for signup, activity in signups:
        if signup.checked_in_at is None:
            continue
        awards = (
            (PointRule.Code.ACTIVITY_ATTENDED, 1),
            (PointRule.Code.SERVICE_HOUR, int(signup.hours)),
        )
        for code, quantity in awards:
            points = rules.get(code, 0) * quantity
            if points <= 0:
                continue
            entries.append(
                PointEntry(
                    volunteer_id=signup.volunteer_id,
                    rule_id=rule_ids[code],
                    source_type=Signup._meta.label,
                    source_id=signup.pk,
                    points=points,
                    note=activity.title[:200],
                    at=signup.checked_in_at,
                )
            )
        seeder.audit.append(
            AuditEvent(
                at=signup.checked_in_at,
                actor_id=activity.created_by_id,
                action=AuditEvent.Action.UPDATE,
                object_type=Signup._meta.label,
                object_id=str(signup.pk),
                object_repr=(f"{mask_name(signup.volunteer.person.name)} @ {activity.title}")[:200],
                changes=audit_changes(
                    {"checked_in_at": signup.checked_in_at, "hours": str(signup.hours)}
                ),
            )
        )
    PointEntry.objects.bulk_create(entries, batch_size=BATCH)


# --- Redemptions and the demo account's own sign-ups -------------------------------------------


def create_redemptions(seeder: Seeder, community: DemoCommunity) -> None:
    unit = community.unit
    if Redemption.objects.filter(reward__unit=unit).exists():
        return
    rewards = list(Reward.objects.filter(unit=unit, is_active=True).order_by("points", "pk"))
    if not rewards or not community.volunteers:
        return
    rng = phase_rng(seeder.seed, "redemptions", unit)
    moment = seeder.now - dt.timedelta(days=rng.randrange(3, 9), hours=rng.randrange(1, 8))
    balances = dict(
        PointEntry.objects.filter(volunteer__community=unit, at__lt=moment)
        .values_list("volunteer_id")
        .annotate(total=Sum("points"))
        .values_list("volunteer_id", "total")
    )
    by_pk = {v.pk: v for v in community.volunteers}
    richest = sorted(balances, key=lambda pk: (-balances[pk], pk))[:5]
    if unit.name == VOLUNTEER_COMMUNITY and community.accounts:
        mine = community.accounts[0].pk
        richest = [mine, *[pk for pk in richest if pk != mine]][:5]
    for position, pk in enumerate(richest):
        affordable = [r for r in rewards if r.points <= balances.get(pk, 0)]
        if not affordable:
            continue
        reward = rng.choice(affordable)
        at = moment + dt.timedelta(hours=position)
        redemption = services.redemption_create(
            actor=None, volunteer=by_pk[pk], reward=reward, now=at
        )
        seeder.result.created_redemptions += 1
        if position % 2 == 0:
            services.redemption_hand_over(
                actor=community.worker, redemption=redemption, now=at + dt.timedelta(days=1)
            )
    if unit.name == VOLUNTEER_COMMUNITY and community.accounts:
        sign_up_demo_account(seeder, community)


def sign_up_demo_account(seeder: Seeder, community: DemoCommunity) -> None:
    """The demo account has signed up for the next theme day (the Saturdays ahead are
    left for it to sign up for)."""
    volunteer = community.accounts[0]
    assert volunteer.account is not None  # noqa: S101
    ahead = (
        Activity.objects.filter(
            unit=community.unit, kind=Activity.Kind.THEME_DAY, starts_at__gt=seeder.now
        )
        .order_by("starts_at")
        .first()
    )
    if ahead is not None:
        services.activity_sign_up(actor=volunteer.account, activity=ahead, now=seeder.now)
        seeder.result.created_signups += 1
