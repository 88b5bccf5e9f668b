"""Points: the ledger lines and balance, the quarterly statement (积分季度台账), the reward
catalogue, redemptions and the monthly ranking (积分排行)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Rank, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from orgchart import policy as org_policy
from orgchart.models import OrgUnit, PartyMember, User
from orgchart.policy import AnyUser, is_volunteer_account, policy
from volunteers.models import PointEntry, Redemption, Reward, Signup, Volunteer
from volunteers.selectors.registers import volunteer_list_visible
from volunteers.selectors.shared import HOURS, _get, _is_party_member, _within, local_day_start


def point_entry_list_visible(
    *,
    user: AnyUser,
    volunteer: Volunteer | None = None,
    within: OrgUnit | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[PointEntry]:
    """Points ledger lines the user sees (a volunteer: their own), newest first. ``since`` and
    ``until``: local dates, both included."""
    entries = (
        policy(user, PointEntry)
        .select_related("volunteer__person", "volunteer__community", "rule")
        .order_by("-at", "-id")
    )
    if volunteer is not None:
        entries = entries.filter(volunteer=volunteer)
    if within is not None:
        entries = entries.filter(_within("volunteer__community", within))
    if since is not None:
        entries = entries.filter(at__gte=local_day_start(since))
    if until is not None:
        entries = entries.filter(at__lt=local_day_start(until + dt.timedelta(days=1)))
    return entries


def points_balance_visible(*, user: AnyUser, volunteer: Volunteer | None = None) -> int:
    """The balance of the ledger the user sees: a volunteer's own, or that of ``volunteer``
    (one query)."""
    entries = policy(user, PointEntry)
    if volunteer is not None:
        entries = entries.filter(volunteer=volunteer)
    return int(entries.aggregate(total=Sum("points"))["total"] or 0)


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int
    first_day: dt.date
    last_day: dt.date

    @property
    def starts_at(self) -> dt.datetime:
        return local_day_start(self.first_day)

    @property
    def ends_at(self) -> dt.datetime:
        """The first moment after the quarter."""
        return local_day_start(self.last_day + dt.timedelta(days=1))

    @property
    def label(self) -> str:
        """2026年第四季度 (in English: Q4 2026)."""
        return _("%(year)d, %(quarter)s quarter") % {
            "year": self.year,
            "quarter": QUARTER_ORDINALS[self.quarter - 1],
        }


QUARTER_ORDINALS = (
    pgettext_lazy("quarter", "first"),
    pgettext_lazy("quarter", "second"),
    pgettext_lazy("quarter", "third"),
    pgettext_lazy("quarter", "fourth"),
)


def quarter_bounds(year: int, quarter: int) -> Quarter:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return Quarter(year, quarter, first, after - dt.timedelta(days=1))


def current_quarter(today: dt.date | None = None) -> Quarter:
    today = today or timezone.localdate()
    return quarter_bounds(today.year, (today.month - 1) // 3 + 1)


def _points_total(condition: Q) -> Coalesce:
    rows = (
        PointEntry.objects.filter(condition, volunteer_id=OuterRef("pk"))
        .order_by()
        .values("volunteer_id")
        .annotate(total=Sum("points"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


class StatementFigures(TypedDict):
    """What ``points_statement`` annotates on each volunteer row."""

    opening: int
    earned: int
    redeemed: int
    closing: int
    hours: Decimal


def points_statement(
    *,
    user: AnyUser,
    quarter: Quarter,
    volunteer: Volunteer | None = None,
    branch: OrgUnit | None = None,
) -> QuerySet[Volunteer]:
    """The quarterly points statement (积分季度台账) as volunteer rows the user sees, each with
    ``opening`` (balance before the quarter), ``earned``, ``redeemed`` (as a positive number),
    ``closing`` and ``hours`` (service hours of check-ins in the quarter).

    ``branch``: the volunteers registered in that unit's subtree and the volunteers who are
    party members of a party organisation there (a functional branch's members live in
    several communities)."""
    start, end = quarter.starts_at, quarter.ends_at
    in_quarter = Q(at__gte=start, at__lt=end)
    hours = (
        Signup.objects.filter(
            volunteer_id=OuterRef("pk"),
            cancelled_at__isnull=True,
            checked_in_at__gte=start,
            checked_in_at__lt=end,
        )
        .order_by()
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    # The volunteers whose points the user sees (a grid worker: those living in their grids).
    rows = (
        volunteer_list_visible(user=user)
        .filter(org_policy.volunteers.points_holders_q(user))
        .annotate(
            opening=_points_total(Q(at__lt=start)),
            earned=_points_total(in_quarter & Q(points__gt=0)),
            redeemed=-_points_total(in_quarter & Q(points__lt=0)),
            hours=Coalesce(
                Subquery(hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS
            ),
        )
    )
    rows = rows.annotate(closing=F("opening") + F("earned") - F("redeemed"))
    if volunteer is not None:
        rows = rows.filter(pk=volunteer.pk)
    if branch is not None:
        organised_here = PartyMember.objects.filter(
            _within("organisation", branch), person_id=OuterRef("person_id")
        )
        rows = rows.filter(_within("community", branch) | Q(Exists(organised_here)))
    return rows


def points_statement_totals(rows: QuerySet[Volunteer]) -> dict[str, Any]:
    """The 合计 of a statement (one query)."""
    totals = rows.order_by().aggregate(
        opening_total=Sum("opening"),
        earned_total=Sum("earned"),
        redeemed_total=Sum("redeemed"),
        closing_total=Sum("closing"),
        hours_total=Sum("hours"),
    )
    return {
        "opening": int(totals["opening_total"] or 0),
        "earned": int(totals["earned_total"] or 0),
        "redeemed": int(totals["redeemed_total"] or 0),
        "closing": int(totals["closing_total"] or 0),
        "hours": Decimal(totals["hours_total"] or 0).quantize(Decimal("0.1")),
    }


def reward_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, active: bool | None = None
) -> QuerySet[Reward]:
    """The reward catalogue (积分兑换) the user sees: their area's and the units' above it,
    cheapest first."""
    rewards = policy(user, Reward).select_related("unit").order_by("points", "name", "id")
    if within is not None:
        rewards = rewards.filter(_within("unit", within))
    if active is not None:
        rewards = rewards.filter(is_active=active)
    return rewards


def reward_get(*, user: AnyUser, pk: Any) -> Reward:
    return _get(reward_list_visible(user=user), pk)


def redemption_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    volunteer: Volunteer | None = None,
    handed_over: bool | None = None,
) -> QuerySet[Redemption]:
    """Redemptions the user sees (a volunteer: their own), newest first."""
    redemptions = (
        policy(user, Redemption)
        .select_related("volunteer__person", "volunteer__community", "reward__unit")
        .order_by("-at", "-id")
    )
    if within is not None:
        redemptions = redemptions.filter(_within("volunteer__community", within))
    if volunteer is not None:
        redemptions = redemptions.filter(volunteer=volunteer)
    if handed_over is not None:
        redemptions = redemptions.filter(handed_over_at__isnull=not handed_over)
    return redemptions


def redemption_get(*, user: AnyUser, pk: Any) -> Redemption:
    return _get(redemption_list_visible(user=user), pk)


def points_ranking(
    *, user: AnyUser, month: dt.date, top: int | None = None
) -> tuple[QuerySet[Volunteer], QuerySet[Any]]:
    """积分排行: the volunteers of the user's area ranked by the points they earned in the
    month of ``month`` (from midnight on its first day to midnight after its last, in the
    deployment's time zone), and that month per community.

    The area: for a volunteer account, the community of its own (active) volunteer record:
    the ranking is shown inside the community with names masked by the page, although the
    policy shows a volunteer no other volunteer's record; for staff, the volunteers of their
    subtree (the policy's); for everyone else, nobody.

    Rows: the volunteers who earned points in the month (awards; redemptions take nothing
    off), most points first, ties by name pinyin. Each carries ``earned``, ``hours`` (service
    hours checked in that month), ``rank`` (ties share it: 1, 1, 3), ``position`` (1, 2, 3…),
    ``ranked`` (how many volunteers are ranked) and ``is_party_member``. ``top``: only the
    first ``top`` positions, plus the caller's own row wherever it stands (one query).

    Communities: dicts of ``community_id``, ``community_name``, ``volunteers`` (with points)
    and ``points``, most points first (one query, when evaluated)."""
    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    start, end = local_day_start(first), local_day_start(after)
    account = user if isinstance(user, User) and user.is_active else None
    viewer_id = account.pk if account is not None else None
    if account is not None and is_volunteer_account(account):
        own = Volunteer.objects.filter(account_id=viewer_id, is_active=True)
        volunteers = Volunteer.objects.filter(community_id__in=own.values("community_id"))
    else:
        volunteers = policy(user, Volunteer)
    # Deactivated volunteers keep their ledger but leave the ranking.
    volunteers = volunteers.filter(is_active=True)
    awards = PointEntry.objects.filter(at__gte=start, at__lt=end, points__gt=0)
    earned = (
        awards.filter(volunteer_id=OuterRef("pk"))
        .order_by()
        .values("volunteer_id")
        .annotate(total=Sum("points"))
        .values("total")
    )
    hours = (
        Signup.objects.filter(
            volunteer_id=OuterRef("pk"),
            cancelled_at__isnull=True,
            checked_in_at__gte=start,
            checked_in_at__lt=end,
        )
        .order_by()
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    best_first = [F("earned").desc(), F("person__name_pinyin").asc(), F("pk").asc()]
    rows = (
        volunteers.filter(Exists(awards.filter(volunteer_id=OuterRef("pk"))))
        .select_related("person", "community")
        .annotate(
            earned=Subquery(earned, output_field=IntegerField()),
            hours=Coalesce(
                Subquery(hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS
            ),
            is_party_member=_is_party_member("person_id"),
        )
        .annotate(
            rank=Window(Rank(), order_by=F("earned").desc()),
            position=Window(RowNumber(), order_by=best_first),
            ranked=Window(Count("pk")),
        )
        .order_by(*best_first)
    )
    if top is not None:
        shown = Q(position__lte=top)
        rows = rows.filter(shown | Q(account_id=viewer_id) if viewer_id is not None else shown)
    communities = (
        awards.filter(volunteer__in=volunteers.values("pk"))
        .order_by()
        .values(
            community_id=F("volunteer__community_id"),
            community_name=F("volunteer__community__name"),
            community_tree=F("volunteer__community__tree_id"),
            community_lft=F("volunteer__community__lft"),
        )
        .annotate(volunteers=Count("volunteer_id", distinct=True), points=Sum("points"))
        .order_by("-points", "community_tree", "community_lft")
    )
    return rows, communities
