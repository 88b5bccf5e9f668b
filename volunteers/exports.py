"""The ledgers (台账) of the volunteers app: the wish board, work orders by 五单 stage,
activities with their sign-ups and hours, sign-ups of one activity, the points ledger and its
quarterly statement, redemptions, the reward catalogue, volunteers, teams, partner units and
the 双报到 list.

Each ``*_export`` has the signature of ``orgchart.exports``' (the API viewsets and the list
pages call them the same way)::

    wish_export(request: ExportRequest, wishes: QuerySet[Wish]) -> HttpResponseBase

The queryset is the list's own (``volunteers.selectors``: scope and filters applied,
unpaginated); the ledger adds its joins and its order (work orders by stage).

* Names follow ``policy.sees_full_names``; a volunteer sees their own name in full. No ledger
  here holds ID numbers or phones, so none is revealable: ``?reveal=1`` changes nothing.
* One audit row (EXPORT) for each non-empty ledger that names people (everything but the
  activity and reward ledgers).
* A constant number of queries however many rows: a COUNT and the rows with their joins and
  annotations.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from governance.ledger.export import Column, Kind
from orgchart.exports import (
    ExportRequest,
    LedgerContext,
    LedgerSpec,
    export_ledger,
    header,
    labels,
    yes,
    yes_no,
)
from orgchart.models import PartyMember, Person
from orgchart.policy import AnyUser
from volunteers import selectors
from volunteers.models import (
    Activity,
    DualRegistration,
    Pairing,
    PartnerUnit,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    ServicePostKind,
    Signup,
    Skill,
    Team,
    Volunteer,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)
from volunteers.selectors import Quarter

__all__ = [
    "ExportRequest",
    "activity_export",
    "dual_registration_export",
    "pairing_export",
    "partner_unit_export",
    "point_entry_export",
    "points_ranking_export",
    "points_statement_export",
    "redemption_export",
    "reward_export",
    "signup_export",
    "team_export",
    "volunteer_export",
    "wish_export",
    "work_order_export",
]

Columns = Callable[[LedgerContext], list[Column[Any]]]


def _name(context: LedgerContext, person: Person | None, *, own: bool = False) -> str:
    if person is None:
        return ""
    return person.name if own or context.full_names else person.masked_name


def _volunteer(context: LedgerContext, viewer_id: int | None, volunteer: Volunteer | None) -> str:
    if volunteer is None:
        return ""
    own = viewer_id is not None and volunteer.account_id == viewer_id
    return _name(context, volunteer.person, own=own)


def _hours(value: Any) -> Decimal:
    """Hours to one decimal place whatever the database returned for a sum (SQLite: 2, 2.5)."""
    return Decimal(value or 0).quantize(Decimal("0.1"))


def _viewer_id(user: AnyUser) -> int | None:
    return getattr(user, "pk", None)


class ViewerColumns(Protocol):
    """The columns of a ledger that shows the exporting user's own name in full."""

    def __call__(self, context: LedgerContext, viewer_id: int | None) -> list[Column[Any]]: ...


def _with_viewer(columns: ViewerColumns, user: AnyUser) -> Columns:
    """Columns that need to know who is exporting (their own name is shown in full)."""
    return partial(columns, viewer_id=_viewer_id(user))


# --- Columns -----------------------------------------------------------------------------------


def wish_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[Wish]]:
    C = Column[Wish]
    status = labels(WishStatus)
    return [
        C(header(Wish, "posted_at"), lambda w: w.posted_at, Kind.DATETIME, width=17),
        C(header(Wish, "title"), lambda w: w.title, width=24),
        C(header(Wish, "description"), lambda w: w.description, width=30),
        C(header(Wish, "community"), lambda w: w.community.name, width=14),
        C(header(Wish, "beneficiary"), lambda w: _name(context, w.beneficiary), width=10),
        C(header(Wish, "status"), lambda w: status(w.status), width=8),
        C(
            header(Wish, "claimed_by"),
            lambda w: _volunteer(context, viewer_id, w.claimed_by),
            width=10,
        ),
        C(header(Wish, "claimed_at"), lambda w: w.claimed_at, Kind.DATETIME, width=17),
        C(header(Wish, "fulfilled_at"), lambda w: w.fulfilled_at, Kind.DATETIME, width=17),
        C(header(Wish, "fulfil_note"), lambda w: w.fulfil_note, width=30),
        C(header(Wish, "confirmed_at"), lambda w: w.confirmed_at, Kind.DATETIME, width=17),
    ]


def work_order_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[WorkOrder]]:
    C = Column[WorkOrder]
    status, source = labels(WorkOrderStatus), labels(WorkOrder.Source)
    light = {
        "green": str(pgettext_lazy("light", "green")),
        "yellow": str(pgettext_lazy("light", "yellow")),
        "red": str(pgettext_lazy("light", "red")),
        None: "",
    }
    party = {True: str(gettext_lazy("party member")), False: "", None: ""}
    now = timezone.now()

    def provider(order: WorkOrder) -> str:
        return order.team.name if order.team else order.partner.name if order.partner else ""

    def contact(order: WorkOrder) -> str:
        if order.team is not None:
            return _volunteer(context, viewer_id, order.team.lead)
        if order.partner is not None:
            own = viewer_id is not None and order.partner.contact_account_id == viewer_id
            return _name(context, order.partner.contact, own=own)
        return ""

    return [
        C(header(WorkOrder, "number"), lambda o: o.number, Kind.ID, width=14),
        C(header(WorkOrder, "status"), lambda o: status(o.status), width=10),
        C(header(WorkOrder, "title"), lambda o: o.title, width=24),
        C(header(WorkOrder, "content"), lambda o: o.content, width=30),
        C(header(WorkOrder, "community"), lambda o: o.community.name, width=14),
        C(header(WorkOrder, "source"), lambda o: source(o.source), width=12),
        C(
            header(WorkOrder, "requested_by"),
            lambda o: _name(context, o.requested_by),
            width=10,
        ),
        C(pgettext_lazy("ledger", "Provider"), provider, width=20),
        C(pgettext_lazy("ledger", "Lead or contact"), contact, width=10),
        C(
            pgettext_lazy("ledger", "Party identity"),
            lambda o: party[selectors.work_order_provider_is_party_member(o)],
            width=10,
        ),
        C(header(WorkOrder, "funds"), lambda o: o.funds, Kind.NUMBER, width=12, total=True),
        C(header(WorkOrder, "funds_source"), lambda o: o.funds_source, width=18),
        C(header(WorkOrder, "ordered_at"), lambda o: o.ordered_at, Kind.DATETIME, width=17),
        C(header(WorkOrder, "dispatched_at"), lambda o: o.dispatched_at, Kind.DATETIME, width=17),
        C(header(WorkOrder, "accepted_at"), lambda o: o.accepted_at, Kind.DATETIME, width=17),
        C(header(WorkOrder, "completed_at"), lambda o: o.completed_at, Kind.DATETIME, width=17),
        C(header(WorkOrder, "verified_at"), lambda o: o.verified_at, Kind.DATETIME, width=17),
        C(header(WorkOrder, "due_at"), lambda o: o.due_at, Kind.DATETIME, width=17),
        C(
            pgettext_lazy("ledger", "Light"),
            lambda o: light[selectors.work_order_light(o, now=now)],
            width=6,
        ),
    ]


def activity_columns(context: LedgerContext) -> list[Column[Activity]]:
    C = Column[Activity]
    kind = labels(Activity.Kind)
    return [
        C(header(Activity, "starts_at"), lambda a: a.starts_at, Kind.DATETIME, width=17),
        C(header(Activity, "ends_at"), lambda a: a.ends_at, Kind.DATETIME, width=17),
        C(header(Activity, "title"), lambda a: a.title, width=24),
        C(header(Activity, "kind"), lambda a: kind(a.kind), width=14),
        C(header(Activity, "theme"), lambda a: a.theme, width=18),
        C(header(Activity, "unit"), lambda a: a.unit.name, width=14),
        C(header(Activity, "place"), lambda a: a.place, width=20),
        C(header(Activity, "capacity"), lambda a: a.capacity, Kind.INTEGER, width=8, total=True),
        C(
            pgettext_lazy("ledger", "Signed up"),
            lambda a: a.taken,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=8,
            total=True,
        ),
        C(
            pgettext_lazy("ledger", "Checked in"),
            lambda a: a.checked_in,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=8,
            total=True,
        ),
        C(
            pgettext_lazy("ledger", "Service hours"),
            lambda a: _hours(a.total_hours),  # type: ignore[attr-defined]
            Kind.NUMBER,
            width=10,
            total=True,
        ),
        C(header(Activity, "is_cancelled"), lambda a: yes(a.is_cancelled), width=8),
    ]


def signup_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[Signup]]:
    C = Column[Signup]
    return [
        C(header(Signup, "activity"), lambda s: s.activity.title, width=24),
        C(
            header(Signup, "volunteer"),
            lambda s: _volunteer(context, viewer_id, s.volunteer),
            width=10,
        ),
        C(gettext_lazy("Community"), lambda s: s.volunteer.community.name, width=14),
        C(header(Signup, "signed_up_at"), lambda s: s.signed_up_at, Kind.DATETIME, width=17),
        C(header(Signup, "cancelled_at"), lambda s: s.cancelled_at, Kind.DATETIME, width=17),
        C(header(Signup, "checked_in_at"), lambda s: s.checked_in_at, Kind.DATETIME, width=17),
        C(header(Signup, "hours"), lambda s: s.hours, Kind.NUMBER, width=10, total=True),
    ]


def point_entry_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[PointEntry]]:
    C = Column[PointEntry]
    rule = labels(PointRule.Code)
    redemption = str(pgettext_lazy("ledger", "redemption"))

    def rule_label(entry: PointEntry) -> str:
        if entry.rule is None:
            return redemption if entry.points < 0 else ""
        return rule(entry.rule.code)

    return [
        C(header(PointEntry, "at"), lambda e: e.at, Kind.DATETIME, width=17),
        C(
            header(PointEntry, "volunteer"),
            lambda e: _volunteer(context, viewer_id, e.volunteer),
            width=10,
        ),
        C(gettext_lazy("Community"), lambda e: e.volunteer.community.name, width=14),
        C(header(PointEntry, "rule"), rule_label, width=16),
        C(header(PointEntry, "points"), lambda e: e.points, Kind.INTEGER, width=8, total=True),
        C(header(PointEntry, "note"), lambda e: e.note, width=30),
    ]


def statement_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[Volunteer]]:
    C = Column[Volunteer]

    def figure(name: str, label: Any) -> Column[Volunteer]:
        return C(label, lambda v: getattr(v, name), Kind.INTEGER, width=10, total=True)

    return [
        C(header(Volunteer, "person"), lambda v: _volunteer(context, viewer_id, v), width=10),
        C(header(Volunteer, "community"), lambda v: v.community.name, width=14),
        C(
            gettext_lazy("Party member"),
            lambda v: yes(bool(v.is_party_member)),  # type: ignore[attr-defined]
            width=8,
        ),
        figure("opening", pgettext_lazy("points", "Opening balance")),
        figure("earned", pgettext_lazy("points", "Earned")),
        figure("redeemed", pgettext_lazy("points", "Redeemed")),
        figure("closing", pgettext_lazy("points", "Closing balance")),
        C(
            pgettext_lazy("ledger", "Service hours"),
            lambda v: _hours(v.hours),  # type: ignore[attr-defined]
            Kind.NUMBER,
            width=10,
            total=True,
        ),
    ]


def redemption_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[Redemption]]:
    C = Column[Redemption]
    return [
        C(header(Redemption, "at"), lambda r: r.at, Kind.DATETIME, width=17),
        C(
            header(Redemption, "volunteer"),
            lambda r: _volunteer(context, viewer_id, r.volunteer),
            width=10,
        ),
        C(gettext_lazy("Community"), lambda r: r.volunteer.community.name, width=14),
        C(header(Redemption, "reward"), lambda r: r.reward.name, width=18),
        C(header(Redemption, "quantity"), lambda r: r.quantity, Kind.INTEGER, width=8, total=True),
        C(header(Redemption, "points"), lambda r: r.points, Kind.INTEGER, width=8, total=True),
        C(
            header(Redemption, "handed_over_at"),
            lambda r: r.handed_over_at,
            Kind.DATETIME,
            width=17,
        ),
    ]


def reward_columns(context: LedgerContext) -> list[Column[Reward]]:
    C = Column[Reward]
    return [
        C(header(Reward, "name"), lambda r: r.name, width=20),
        C(header(Reward, "unit"), lambda r: r.unit.name, width=14),
        C(header(Reward, "points"), lambda r: r.points, Kind.INTEGER, width=8),
        C(header(Reward, "stock"), lambda r: r.stock, Kind.INTEGER, width=8, total=True),
        C(header(Reward, "is_active"), lambda r: yes_no(r.is_active), width=8),
        C(header(Reward, "description"), lambda r: r.description, width=30),
    ]


def volunteer_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[Volunteer]]:
    C = Column[Volunteer]
    skill, availability = labels(Skill), labels(Volunteer.Availability)
    return [
        C(header(Volunteer, "person"), lambda v: _volunteer(context, viewer_id, v), width=10),
        C(header(Volunteer, "community"), lambda v: v.community.name, width=14),
        C(
            gettext_lazy("Party member"),
            lambda v: yes(bool(v.is_party_member)),  # type: ignore[attr-defined]
            width=8,
        ),
        C(
            header(Volunteer, "skills"),
            lambda v: "、".join(skill(value) for value in v.skill_list),
            width=24,
        ),
        C(header(Volunteer, "availability"), lambda v: availability(v.availability), width=10),
        C(header(Volunteer, "registered_on"), lambda v: v.registered_on, Kind.DATE, width=12),
        C(header(Volunteer, "is_active"), lambda v: yes_no(v.is_active), width=8),
    ]


def _lead(context: LedgerContext, viewer_id: int | None, team: Team) -> str:
    """Masked when the lead is outside the viewer's area (a street's team)."""
    if team.lead is not None and not getattr(team, "lead_in_area", False):
        return team.lead.person.masked_name
    return _volunteer(context, viewer_id, team.lead)


def team_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[Team]]:
    C = Column[Team]
    kind = labels(Team.Kind)
    return [
        C(header(Team, "name"), lambda t: t.name, width=20),
        C(header(Team, "kind"), lambda t: kind(t.kind), width=16),
        C(header(Team, "unit"), lambda t: t.unit.name, width=14),
        C(header(Team, "lead"), lambda t: _lead(context, viewer_id, t), width=10),
        C(
            pgettext_lazy("ledger", "Lead is a party member"),
            lambda t: yes(bool(t.lead_is_party_member)),  # type: ignore[attr-defined]
            width=10,
        ),
        C(
            header(Team, "members"),
            lambda t: t.member_count,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=8,
            total=True,
        ),
        C(header(Team, "is_active"), lambda t: yes_no(t.is_active), width=8),
    ]


def partner_unit_columns(
    context: LedgerContext, viewer_id: int | None
) -> list[Column[PartnerUnit]]:
    C = Column[PartnerUnit]
    kind = labels(PartnerUnit.Kind)

    def contact(partner: PartnerUnit) -> str:
        own = viewer_id is not None and partner.contact_account_id == viewer_id
        return _name(context, partner.contact, own=own)

    return [
        C(header(PartnerUnit, "name"), lambda p: p.name, width=24),
        C(header(PartnerUnit, "kind"), lambda p: kind(p.kind), width=14),
        C(header(PartnerUnit, "unit"), lambda p: p.unit.name, width=14),
        C(header(PartnerUnit, "contact"), contact, width=10),
        C(
            pgettext_lazy("ledger", "Contact is a party member"),
            lambda p: yes(bool(p.contact_is_party_member)),  # type: ignore[attr-defined]
            width=10,
        ),
        C(
            pgettext_lazy("ledger", "Paired communities"),
            lambda p: "、".join(
                pairing.community.name
                for pairing in p.current_pairings  # type: ignore[attr-defined]
            ),
            width=24,
        ),
        C(header(PartnerUnit, "is_active"), lambda p: yes_no(p.is_active), width=8),
    ]


def dual_registration_columns(context: LedgerContext) -> list[Column[DualRegistration]]:
    C = Column[DualRegistration]
    post = labels(ServicePostKind)
    return [
        C(
            pgettext_lazy("person", "Name"),
            lambda r: _name(context, r.party_member.person),
            width=10,
        ),
        C(
            gettext_lazy("Party organisation"),
            lambda r: r.party_member.party_organisation,
            width=24,
        ),
        C(header(PartyMember, "employer"), lambda r: r.party_member.employer, width=24),
        C(header(DualRegistration, "community"), lambda r: r.community.name, width=14),
        C(
            header(DualRegistration, "partner"),
            lambda r: r.partner.name if r.partner else "",
            width=24,
        ),
        C(header(DualRegistration, "post"), lambda r: post(r.post) if r.post else "", width=14),
        C(
            header(DualRegistration, "post_unit"),
            lambda r: r.post_unit.name if r.post_unit else "",
            width=14,
        ),
        C(
            header(DualRegistration, "registered_on"),
            lambda r: r.registered_on,
            Kind.DATE,
            width=12,
        ),
        C(header(DualRegistration, "ended_on"), lambda r: r.ended_on, Kind.DATE, width=12),
    ]


def pairing_columns(context: LedgerContext) -> list[Column[Pairing]]:
    C = Column[Pairing]
    return [
        C(header(Pairing, "partner"), lambda p: p.partner.name, width=24),
        C(header(Pairing, "community"), lambda p: p.community.name, width=14),
        C(header(Pairing, "commitments"), lambda p: p.commitments, width=40),
        C(header(Pairing, "started_on"), lambda p: p.started_on, Kind.DATE, width=12),
        C(header(Pairing, "ended_on"), lambda p: p.ended_on, Kind.DATE, width=12),
    ]


# --- The exports -------------------------------------------------------------------------------


def _spec(name: str, noun: Any, columns: Columns, personal_data: str = "") -> LedgerSpec[Any]:
    return LedgerSpec[Any](name, noun, columns, personal_data=personal_data)


def pairing_export(request: ExportRequest, pairings: QuerySet[Pairing]) -> HttpResponseBase:
    """包联台账 (from ``selectors.pairing_list_visible``; names nobody: not logged)."""
    spec = _spec("pairings", pgettext_lazy("ledger", "pairing ledger"), pairing_columns)
    return export_ledger(request, pairings, spec)


def wish_export(request: ExportRequest, wishes: QuerySet[Wish]) -> HttpResponseBase:
    """微心愿台账 of ``wishes`` (from ``selectors.wish_list_visible``)."""
    spec = _spec(
        "wishes",
        pgettext_lazy("ledger", "micro-wish ledger"),
        _with_viewer(wish_columns, request.user),
        Wish._meta.label,
    )
    rows = wishes.select_related("community", "beneficiary", "claimed_by__person")
    return export_ledger(request, rows, spec)


def work_order_export(request: ExportRequest, orders: QuerySet[WorkOrder]) -> HttpResponseBase:
    """服务项目台账 of ``orders`` (from ``selectors.work_order_list_visible``), by 五单 stage,
    newest first within a stage, with the 四公开 columns and the funds' total."""
    spec = _spec(
        "work-orders",
        pgettext_lazy("ledger", "work order ledger"),
        _with_viewer(work_order_columns, request.user),
        WorkOrder._meta.label,
    )
    rows = orders.order_by(selectors.stage_order(), "-ordered_at", "-id")
    return export_ledger(request, rows, spec)


def activity_export(request: ExportRequest, activities: QuerySet[Activity]) -> HttpResponseBase:
    """活动台账 of ``activities`` (from ``selectors.activity_list_visible``): places, sign-ups,
    check-ins and service hours, with totals. Names nobody: not logged."""
    spec = _spec("activities", pgettext_lazy("ledger", "activity ledger"), activity_columns)
    return export_ledger(request, activities, spec)


def signup_export(request: ExportRequest, signups: QuerySet[Signup]) -> HttpResponseBase:
    """One activity's sign-ups with check-in and hours (from ``selectors.signup_list_visible``)."""
    spec = _spec(
        "activity-signups",
        pgettext_lazy("ledger", "activity sign-up ledger"),
        _with_viewer(signup_columns, request.user),
        Signup._meta.label,
    )
    return export_ledger(request, signups, spec)


def point_entry_export(request: ExportRequest, entries: QuerySet[PointEntry]) -> HttpResponseBase:
    """积分台账: ledger lines (from ``selectors.point_entry_list_visible``) with their total."""
    spec = _spec(
        "points",
        pgettext_lazy("ledger", "points ledger"),
        _with_viewer(point_entry_columns, request.user),
        PointEntry._meta.label,
    )
    return export_ledger(request, entries, spec)


def points_statement_export(
    request: ExportRequest, rows: QuerySet[Volunteer], quarter: Quarter
) -> HttpResponseBase:
    """积分季度台账 (from ``selectors.points_statement``): per volunteer the opening balance,
    points earned and redeemed in the quarter, the closing balance and the service hours,
    with totals. The title names the quarter."""
    noun = pgettext_lazy("ledger", "points statement %(year)d Q%(quarter)d") % {
        "year": quarter.year,
        "quarter": quarter.quarter,
    }
    spec = _spec(
        "points-statement",
        noun,
        _with_viewer(statement_columns, request.user),
        PointEntry._meta.label,
    )
    return export_ledger(request, rows, spec)


def redemption_export(
    request: ExportRequest, redemptions: QuerySet[Redemption]
) -> HttpResponseBase:
    """积分兑换台账 (from ``selectors.redemption_list_visible``), with totals."""
    spec = _spec(
        "redemptions",
        pgettext_lazy("ledger", "redemption ledger"),
        _with_viewer(redemption_columns, request.user),
        Redemption._meta.label,
    )
    return export_ledger(request, redemptions, spec)


def reward_export(request: ExportRequest, rewards: QuerySet[Reward]) -> HttpResponseBase:
    """The reward catalogue with stock (from ``selectors.reward_list_visible``). Not logged."""
    spec = _spec("rewards", pgettext_lazy("ledger", "reward ledger"), reward_columns)
    return export_ledger(request, rewards, spec)


def volunteer_export(request: ExportRequest, volunteers: QuerySet[Volunteer]) -> HttpResponseBase:
    """志愿者台账 (from ``selectors.volunteer_list_visible``)."""
    spec = _spec(
        "volunteers",
        pgettext_lazy("ledger", "volunteer ledger"),
        _with_viewer(volunteer_columns, request.user),
        Volunteer._meta.label,
    )
    return export_ledger(request, volunteers, spec)


def team_export(request: ExportRequest, teams: QuerySet[Team]) -> HttpResponseBase:
    """志愿服务队台账 (from ``selectors.team_list_visible``)."""
    spec = _spec(
        "teams",
        pgettext_lazy("ledger", "volunteer team ledger"),
        _with_viewer(team_columns, request.user),
        Team._meta.label,
    )
    return export_ledger(request, teams, spec)


def partner_unit_export(
    request: ExportRequest, partners: QuerySet[PartnerUnit]
) -> HttpResponseBase:
    """共建单位台账 (from ``selectors.partner_unit_list_visible``: the pairings come with one
    prefetch per chunk of rows)."""
    spec = _spec(
        "partner-units",
        pgettext_lazy("ledger", "partner unit ledger"),
        _with_viewer(partner_unit_columns, request.user),
        PartnerUnit._meta.label,
    )
    return export_ledger(request, partners, spec)


def dual_registration_export(
    request: ExportRequest, registrations: QuerySet[DualRegistration]
) -> HttpResponseBase:
    """双报到台账 (from ``selectors.dual_registration_list_visible``)."""
    spec = _spec(
        "dual-registrations",
        pgettext_lazy("ledger", "dual registration ledger"),
        dual_registration_columns,
        DualRegistration._meta.label,
    )
    return export_ledger(request, registrations, spec)


# --- 积分排行: the monthly points ranking -------------------------------------------------------


def ranking_columns(context: LedgerContext, viewer_id: int | None) -> list[Column[Volunteer]]:
    C = Column[Volunteer]
    return [
        C(
            pgettext_lazy("ranking", "Rank"),
            lambda v: v.rank,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=6,
        ),
        C(header(Volunteer, "person"), lambda v: _volunteer(context, viewer_id, v), width=10),
        C(header(Volunteer, "community"), lambda v: v.community.name, width=14),
        C(
            gettext_lazy("Party member"),
            lambda v: yes(bool(v.is_party_member)),  # type: ignore[attr-defined]
            width=8,
        ),
        C(
            pgettext_lazy("points", "Earned"),
            lambda v: v.earned,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=10,
            total=True,
        ),
        C(
            pgettext_lazy("ledger", "Service hours"),
            lambda v: _hours(v.hours),  # type: ignore[attr-defined]
            Kind.NUMBER,
            width=10,
            total=True,
        ),
    ]


def points_ranking_export(
    request: ExportRequest, rows: QuerySet[Volunteer], month: str
) -> HttpResponseBase:
    """积分排行 of one month (``month``: "2026-11"; the rows from ``selectors.points_ranking``,
    without ``top``): every ranked volunteer with the rank, the points earned and the service
    hours of the month, with totals. The title names the month."""
    noun = pgettext_lazy("ledger", "points ranking %(month)s") % {"month": month}
    spec = _spec(
        "points-ranking",
        noun,
        _with_viewer(ranking_columns, request.user),
        PointEntry._meta.label,
    )
    return export_ledger(request, rows, spec)
