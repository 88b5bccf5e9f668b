"""Scoped reads of the volunteers app: every function takes the user and goes through the access
policy (``orgchart.policy``), so a row outside the caller's scope does not exist for them.

List selectors return querysets with their joins and per-row figures already attached
(``select_related`` and subquery annotations), so a list costs the same number of queries
however many rows it shows. ``*_get`` raises ``OutOfScope`` (404) for a row the user may not
see and for a malformed id.

Points: ``points_balance_visible`` sums the ledger the caller sees; ``quarter_bounds`` and
``points_statement`` give the quarterly statement (期初, earned, redeemed, 期末, service hours)
per volunteer, for one volunteer or a branch (a unit: the volunteers registered in its subtree
and the party members organised there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Rank, RowNumber
from django.utils import timezone

from governance.errors import OutOfScope
from orgchart.models import OrgUnit, PartyMember, Person, User
from orgchart.policy import AnyUser, is_volunteer_account, may_reveal_in_bulk, policy
from orgchart.selectors import person_search_q
from petitions.selectors import deadline_light
from volunteers.models import (
    Activity,
    DualRegistration,
    Pairing,
    PartnerUnit,
    PointEntry,
    Redemption,
    Reward,
    Signup,
    Skill,
    Team,
    Volunteer,
    Wish,
    WishEvent,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStatus,
)

ModelT = TypeVar("ModelT", bound=Model)

# The stages whose deadline runs (the sweep's, volunteers.sweep.DUE_STATUSES).
DUE_STATUSES = (WorkOrderStatus.ORDERED, WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED)
# The 五单 stages in their order, for boards and ledgers.
STAGE_ORDER = (
    WorkOrderStatus.ORDERED,
    WorkOrderStatus.DISPATCHED,
    WorkOrderStatus.ACCEPTED,
    WorkOrderStatus.COMPLETED,
    WorkOrderStatus.VERIFIED,
    WorkOrderStatus.CANCELLED,
)
HOURS: Any = DecimalField(max_digits=9, decimal_places=1)


def _within(prefix: str, unit: OrgUnit) -> Q:
    """Rows whose unit (by ``prefix``) lies in ``unit``'s subtree."""
    return Q(
        **{
            f"{prefix}__tree_id": unit.tree_id,
            f"{prefix}__lft__gte": unit.lft,
            f"{prefix}__lft__lte": unit.rght,
        }
    )


def _get(rows: QuerySet[ModelT], pk: Any) -> ModelT:
    try:
        return rows.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise OutOfScope() from error


def _is_party_member(person_path: str) -> Exists:
    return Exists(PartyMember.objects.filter(person_id=OuterRef(person_path)))


def local_day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the deployment's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _person_matches(query: str, user: AnyUser) -> QuerySet[Person]:
    """People matching a name search (a whole number only for roles that may reveal)."""
    return Person.objects.filter(person_search_q(query, whole_numbers=may_reveal_in_bulk(user)))


# --- 双报到, partner units, volunteers and teams ------------------------------------------------


def volunteer_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    query: str = "",
    skill: str = "",
    party_member: bool | None = None,
    active: bool | None = None,
) -> QuerySet[Volunteer]:
    """Volunteers the user may see (a volunteer account: its own record), by community and
    pinyin, each with ``is_party_member``."""
    volunteers = (
        policy(user, Volunteer)
        .select_related("person", "community")
        .annotate(is_party_member=_is_party_member("person_id"))
        .order_by("community__tree_id", "community__lft", "person__name_pinyin", "id")
    )
    if within is not None:
        volunteers = volunteers.filter(_within("community", within))
    if query:
        volunteers = volunteers.filter(person__in=_person_matches(query, user))
    if skill and skill in Skill.values:
        volunteers = volunteers.filter(
            Q(skills=skill)
            | Q(skills__startswith=f"{skill},")
            | Q(skills__endswith=f",{skill}")
            | Q(skills__contains=f",{skill},")
        )
    if party_member is not None:
        volunteers = volunteers.filter(is_party_member=party_member)
    if active is not None:
        volunteers = volunteers.filter(is_active=active)
    return volunteers


def volunteer_get(*, user: AnyUser, pk: Any) -> Volunteer:
    return _get(volunteer_list_visible(user=user), pk)


def team_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    serving: OrgUnit | None = None,
    kind: str = "",
) -> QuerySet[Team]:
    """Teams the user may see, with their lead, ``member_count`` and whether the lead is a
    party member (``lead_is_party_member``). Staff see their area's teams and those of the
    street above it.

    ``within``: teams of that subtree. ``serving``: the teams that may take a community's
    work orders: those of its subtree and those of the units above it up to its street (a
    street's 先锋队 serves its communities); never another street's."""
    members = (
        Team.members.through.objects.filter(team_id=OuterRef("pk"))
        .order_by()
        .values("team_id")
        .annotate(total=Count("pk"))
        .values("total")  # type: ignore[misc]  # the stubs do not see the through model's annotation
    )
    teams = (
        policy(user, Team)
        .select_related("unit", "lead__person")
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            lead_is_party_member=_is_party_member("lead__person_id"),
            # A street's team may be led from a community outside the viewer's area: the
            # lead is named in full only when the viewer sees that volunteer.
            lead_in_area=Exists(policy(user, Volunteer).filter(pk=OuterRef("lead_id"))),
        )
        .order_by("unit__tree_id", "unit__lft", "name", "id")
    )
    if within is not None:
        teams = teams.filter(_within("unit", within))
    if serving is not None:
        street_above = Q(
            unit__kind=OrgUnit.Kind.STREET,
            unit__tree_id=serving.tree_id,
            unit__lft__lte=serving.lft,
            unit__rght__gte=serving.rght,
        )
        teams = teams.filter(_within("unit", serving) | street_above)
    if kind:
        teams = teams.filter(kind=kind)
    return teams


def team_get(*, user: AnyUser, pk: Any) -> Team:
    return _get(team_list_visible(user=user), pk)


def team_members(*, user: AnyUser, team: Team) -> QuerySet[Volunteer]:
    """The team's members the user may see (staff: those of their area)."""
    return volunteer_list_visible(user=user).filter(teams=team)


def partner_unit_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, kind: str = ""
) -> QuerySet[PartnerUnit]:
    """Partner units (共建单位) the user may see, with their contact, whether the contact is a
    party member, and ``current_pairings``: their current pairings (包联) with communities the
    user sees (one prefetch). ``within``: kept by a unit of that subtree or paired with one of
    its communities."""
    pairings = (
        policy(user, Pairing)
        .filter(ended_on__isnull=True)
        .select_related("community")
        .order_by("community__tree_id", "community__lft")
    )
    partners = (
        policy(user, PartnerUnit)
        .select_related("unit", "contact")
        .annotate(contact_is_party_member=_is_party_member("contact_id"))
        .prefetch_related(Prefetch("pairings", queryset=pairings, to_attr="current_pairings"))
        .order_by("name", "id")
    )
    if within is not None:
        paired = Pairing.objects.filter(
            _within("community", within), partner_id=OuterRef("pk"), ended_on__isnull=True
        )
        partners = partners.filter(_within("unit", within) | Q(Exists(paired)))
    if kind:
        partners = partners.filter(kind=kind)
    return partners


def partner_unit_get(*, user: AnyUser, pk: Any) -> PartnerUnit:
    return _get(partner_unit_list_visible(user=user), pk)


def pairing_list_visible(*, user: AnyUser, partner: PartnerUnit | None = None) -> QuerySet[Pairing]:
    """包联 pairings the user may see (with communities of their area), current ones first,
    then by community."""
    pairings = (
        policy(user, Pairing)
        .select_related("partner", "community")
        .order_by(
            F("ended_on").desc(nulls_first=True),
            "community__tree_id",
            "community__lft",
            "partner__name",
            "id",
        )
    )
    if partner is not None:
        pairings = pairings.filter(partner=partner)
    return pairings


def pairing_get(*, user: AnyUser, pk: Any, partner: PartnerUnit | None = None) -> Pairing:
    return _get(pairing_list_visible(user=user, partner=partner), pk)


def dual_registration_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    partner: PartnerUnit | None = None,
    current: bool | None = True,
    post: str = "",
) -> QuerySet[DualRegistration]:
    """双报到 registrations the user may see (staff only), by community then newest; current
    ones unless ``current`` is False (ended ones) or None (all)."""
    registrations = (
        policy(user, DualRegistration)
        .select_related(
            "party_member__person",
            "party_member__organisation",
            "community",
            "partner",
            "post_unit",
        )
        .order_by("community__tree_id", "community__lft", "-registered_on", "id")
    )
    if within is not None:
        registrations = registrations.filter(_within("community", within))
    if partner is not None:
        registrations = registrations.filter(partner=partner)
    if current is not None:
        registrations = registrations.filter(ended_on__isnull=current)
    if post:
        registrations = registrations.filter(post=post)
    return registrations


def dual_registration_get(*, user: AnyUser, pk: Any) -> DualRegistration:
    return _get(dual_registration_list_visible(user=user, current=None), pk)


@dataclass(frozen=True)
class VolunteerShare:
    """One community of the volunteer register: its active volunteers and how many of them
    are party members (党员志愿者占比)."""

    community_id: int
    community_name: str
    volunteers: int
    party_members: int

    @property
    def share(self) -> int | None:
        """The party members' share in whole per cent (half up); None without volunteers."""
        if not self.volunteers:
            return None
        return (200 * self.party_members + self.volunteers) // (2 * self.volunteers)


def volunteer_share_by_community(
    *, user: AnyUser, within: OrgUnit | None = None
) -> list[VolunteerShare]:
    """Per community the user sees (in tree order; ``within``: of that subtree), its active
    volunteers and the party members among them. Communities without an active volunteer are
    left out. One query."""
    volunteers = policy(user, Volunteer).filter(is_active=True)
    if within is not None:
        volunteers = volunteers.filter(_within("community", within))
    rows = (
        volunteers.order_by()
        .values("community_id", "community__name", "community__tree_id", "community__lft")
        .annotate(
            total=Count("pk"),
            party=Count("pk", filter=Q(_is_party_member("person_id"))),
        )
        .order_by("community__tree_id", "community__lft")
    )
    return [
        VolunteerShare(row["community_id"], row["community__name"], row["total"], row["party"])
        for row in rows
    ]


# --- Micro-wishes ------------------------------------------------------------------------------


def wish_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, status: str = "", query: str = ""
) -> QuerySet[Wish]:
    """The wish board (微心愿) the user sees, newest first."""
    wishes = policy(user, Wish).select_related(
        "community", "beneficiary", "claimed_by__person", "posted_by"
    )
    if within is not None:
        wishes = wishes.filter(_within("community", within))
    if status:
        wishes = wishes.filter(status=status)
    if query:
        text = query.strip()
        wishes = wishes.filter(Q(title__contains=text) | Q(description__contains=text))
    return wishes.order_by("-posted_at", "-id")


def wish_get(*, user: AnyUser, pk: Any) -> Wish:
    return _get(wish_list_visible(user=user), pk)


def wish_events(*, wish: Wish) -> QuerySet[WishEvent]:
    """The wish's events, oldest first (whoever sees the wish sees its history)."""
    return WishEvent.objects.filter(wish=wish).select_related("actor").order_by("at", "id")


# --- Work orders (五单法) ----------------------------------------------------------------------


def stage_order() -> Case:
    """The 五单 stage of a work order as a number, for ordering by stage."""
    return Case(
        *(When(status=status, then=Value(index)) for index, status in enumerate(STAGE_ORDER)),
        default=Value(len(STAGE_ORDER)),
        output_field=IntegerField(),
    )


def work_order_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    status: str = "",
    team: Team | None = None,
    overdue: bool | None = None,
    query: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[WorkOrder]:
    """Work orders the user sees (a volunteer: those offered to their team or partner unit),
    newest first. Each row carries ``is_overdue`` (its deadline passed while the order is
    ordered, dispatched or accepted) and ``provider_is_party_member`` (the team's lead or
    the partner unit's contact is a party member: the 四公开 party identity)."""
    now = now or timezone.now()
    orders = (
        policy(user, WorkOrder)
        .select_related(
            "community", "team__lead__person", "partner__contact", "petition", "requested_by"
        )
        .annotate(
            is_overdue=Case(
                When(status__in=DUE_STATUSES, due_at__lte=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            lead_is_party_member=_is_party_member("team__lead__person_id"),
            contact_is_party_member=_is_party_member("partner__contact_id"),
        )
        .order_by("-ordered_at", "-id")
    )
    if within is not None:
        orders = orders.filter(_within("community", within))
    if status:
        orders = orders.filter(status=status)
    if team is not None:
        orders = orders.filter(team=team)
    if overdue is not None:
        orders = orders.filter(is_overdue=overdue)
    if query:
        text = query.strip()
        orders = orders.filter(Q(number=text) | Q(title__contains=text))
    return orders


def work_order_get(*, user: AnyUser, pk: Any) -> WorkOrder:
    return _get(work_order_list_visible(user=user), pk)


def work_order_events(*, work_order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    """The work order's timeline (五单 steps, 督单 notes, overdue notes), oldest first."""
    return (
        WorkOrderEvent.objects.filter(work_order=work_order)
        .select_related("actor")
        .order_by("at", "id")
    )


def work_order_light(order: WorkOrder, *, now: dt.datetime) -> str | None:
    """Green, yellow (80 % of the time from dispatch, else from ordering, has passed) or red
    while the deadline runs; None without a deadline or once completed."""
    if order.status not in DUE_STATUSES:
        return None
    return deadline_light(
        started_at=order.dispatched_at or order.ordered_at, due_at=order.due_at, now=now
    )


def work_order_provider_is_party_member(order: WorkOrder) -> bool | None:
    """四公开: whether the provider's lead (team) or contact (partner unit) is a party member;
    None without a provider or without a lead or contact. Reads the list's annotations."""
    if order.team_id is not None:
        if order.team is None or order.team.lead_id is None:
            return None
        return bool(getattr(order, "lead_is_party_member", False))
    if order.partner_id is not None:
        if order.partner is None or order.partner.contact_id is None:
            return None
        return bool(getattr(order, "contact_is_party_member", False))
    return None


# --- Activities --------------------------------------------------------------------------------


def _signup_figures(user: AnyUser) -> dict[str, Any]:
    """Per activity: places taken, people checked in, their hours, and the caller's own
    current sign-up (its id, or None)."""
    active = Signup.objects.filter(activity_id=OuterRef("pk"), cancelled_at__isnull=True).order_by()

    def total(rows: QuerySet[Signup], expression: Any, field: Any) -> Any:
        return Subquery(
            rows.values("activity_id").annotate(total=expression).values("total"),
            output_field=field,
        )

    mine = active.filter(volunteer__account_id=getattr(user, "pk", None)).values("pk")[:1]
    checked_in = active.filter(checked_in_at__isnull=False)
    return {
        "taken": Coalesce(total(active, Count("pk"), IntegerField()), 0),
        "checked_in": Coalesce(total(checked_in, Count("pk"), IntegerField()), 0),
        "total_hours": Coalesce(
            total(checked_in, Sum("hours"), HOURS), Value(Decimal("0")), output_field=HOURS
        ),
        "my_signup": Subquery(mine, output_field=IntegerField()),
    }


def activity_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    starts_from: dt.date | None = None,
    starts_to: dt.date | None = None,
) -> QuerySet[Activity]:
    """Activities the user sees (their area's and those of the units above it), latest start
    first, with ``taken``, ``checked_in``, ``total_hours`` and ``my_signup``. ``starts_from``
    and ``starts_to``: local dates, both included."""
    activities = (
        policy(user, Activity)
        .select_related("unit")
        .annotate(**_signup_figures(user))
        .order_by("-starts_at", "-id")
    )
    if within is not None:
        activities = activities.filter(_within("unit", within))
    if starts_from is not None:
        activities = activities.filter(starts_at__gte=local_day_start(starts_from))
    if starts_to is not None:
        activities = activities.filter(
            starts_at__lt=local_day_start(starts_to + dt.timedelta(days=1))
        )
    return activities


def activity_get(*, user: AnyUser, pk: Any) -> Activity:
    return _get(activity_list_visible(user=user), pk)


def signup_list_visible(
    *, user: AnyUser, activity: Activity | None = None, current: bool | None = None
) -> QuerySet[Signup]:
    """Sign-ups the user sees (a volunteer: their own; staff: their area's volunteers), in
    the order they came; ``current``: True for those not cancelled, False for cancelled."""
    signups = (
        policy(user, Signup)
        .select_related("activity", "volunteer__person", "volunteer__community")
        .order_by("activity_id", "signed_up_at", "id")
    )
    if activity is not None:
        signups = signups.filter(activity=activity)
    if current is not None:
        signups = signups.filter(cancelled_at__isnull=current)
    return signups


def signup_get(*, user: AnyUser, pk: Any) -> Signup:
    return _get(signup_list_visible(user=user), pk)


# --- Points, rewards and redemptions -----------------------------------------------------------


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
    rows = volunteer_list_visible(user=user).annotate(
        opening=_points_total(Q(at__lt=start)),
        earned=_points_total(in_quarter & Q(points__gt=0)),
        redeemed=-_points_total(in_quarter & Q(points__lt=0)),
        hours=Coalesce(
            Subquery(hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS
        ),
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
