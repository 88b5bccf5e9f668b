"""The ledgers (台账) of the petitions app: petitions, dispatches (吹哨报到), deadline policies
and a user's notifications.

Each ``*_export`` has the signature of ``orgchart.exports``' (the API viewsets and the list
pages call them the same way)::

    petition_export(request: ExportRequest, petitions: QuerySet[Petition]) -> HttpResponseBase
    dispatch_export(request: ExportRequest, dispatches: QuerySet[Dispatch]) -> HttpResponseBase
    deadline_policy_export(request, policies: QuerySet[DeadlinePolicy]) -> HttpResponseBase
    notification_export(request, notifications: QuerySet[Notification]) -> HttpResponseBase

``request`` is ``orgchart.exports.ExportRequest`` (re-exported here). The queryset is the
list's own, scope and filters applied, unpaginated (``petitions.selectors.petition_list_visible``,
``dispatch_list_visible``, ``deadline_policy_list``, ``notification_list``); the joins a ledger
needs are added here.

* The petitioner is the only personal data: the name follows ``policy.sees_full_names``
  (department handlers always get ``张*``), the contact phone is always masked. The ledger is
  not revealable: ``?reveal=1`` changes nothing (numbers in full are shown one at a time, by
  an audited reveal, never in bulk).
* One audit row (EXPORT) for each non-empty petition ledger; the dispatch, policy and
  notification ledgers hold no personal data and are not logged.
* The lights are those of the moment of the export, computed once per row from the row.
* A constant number of queries however many rows: a COUNT and the rows with their joins.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from governance.ledger.export import Column, Kind
from notifications import kinds
from notifications.models import Notification
from orgchart.exports import (
    ExportRequest,
    LedgerContext,
    LedgerSpec,
    export_ledger,
    header,
    labels,
    yes,
)
from petitions.models import (
    Category,
    Channel,
    Complexity,
    DeadlinePolicy,
    Dispatch,
    DispatchRole,
    DispatchStatus,
    Petition,
    Status,
    TimeUnit,
    Track,
    Urgency,
)
from petitions.selectors import Light, dispatch_light, petition_light

__all__ = [
    "ExportRequest",
    "deadline_policy_export",
    "dispatch_export",
    "notification_export",
    "petition_export",
]


def light_labels() -> dict[str | None, str]:
    """红灯/黄灯/绿灯 by light, in the current language; a clock that is not running: blank."""
    return {
        Light.GREEN: str(pgettext_lazy("light", "green")),
        Light.YELLOW: str(pgettext_lazy("light", "yellow")),
        Light.RED: str(pgettext_lazy("light", "red")),
        None: "",
    }


def petitioner_name(context: LedgerContext, petition: Petition, anonymous: str) -> str:
    if petition.is_anonymous:
        return anonymous
    person = petition.petitioner
    if person is None:
        return ""
    return person.name if context.full_names else person.masked_name


# --- Columns ---------------------------------------------------------------------------------


def petition_columns(context: LedgerContext) -> list[Column[Petition]]:
    C = Column[Petition]
    channel, category, urgency = labels(Channel), labels(Category), labels(Urgency)
    track, status, complexity = labels(Track), labels(Status), labels(Complexity)
    light = light_labels()
    anonymous = str(gettext_lazy("anonymous"))
    now = timezone.now()
    return [
        C(header(Petition, "number"), lambda p: p.number, Kind.ID, width=13),
        C(header(Petition, "created_at"), lambda p: p.created_at, Kind.DATETIME, width=17),
        C(header(Petition, "channel"), lambda p: channel(p.channel), width=12),
        C(header(Petition, "category"), lambda p: category(p.category), width=12),
        C(header(Petition, "urgency"), lambda p: urgency(p.urgency), width=8),
        C(header(Petition, "track"), lambda p: track(p.track), width=10),
        C(header(Petition, "title"), lambda p: p.title, width=30),
        C(header(Petition, "community"), lambda p: p.community.name, width=16),
        C(header(Petition, "handling_unit"), lambda p: p.handling_unit.name, width=16),
        C(header(Petition, "status"), lambda p: status(p.status), width=10),
        C(
            header(Petition, "escalation_level"),
            lambda p: p.escalation_level,
            Kind.INTEGER,
            width=8,
        ),
        C(header(Petition, "accept_due_at"), lambda p: p.accept_due_at, Kind.DATETIME, width=17),
        C(
            header(Petition, "resolve_due_at"),
            lambda p: p.resolve_due_at,
            Kind.DATETIME,
            width=17,
        ),
        C(
            pgettext_lazy("ledger", "Light"),
            lambda p: light[petition_light(p, now=now)],
            width=6,
        ),
        C(header(Petition, "is_repeat"), lambda p: yes(p.is_repeat), width=8),
        C(
            header(Petition, "complexity"),
            lambda p: "、".join(complexity(tag) for tag in p.complexity_tags),
            width=18,
        ),
        C(
            header(Petition, "petitioner"),
            lambda p: petitioner_name(context, p, anonymous),
            width=10,
        ),
        C(
            gettext_lazy("Contact phone"),
            lambda p: p.masked_contact_phone,
            Kind.PHONE,
            width=14,
        ),
    ]


def dispatch_columns(context: LedgerContext) -> list[Column[Dispatch]]:
    C = Column[Dispatch]
    role, status = labels(DispatchRole), labels(DispatchStatus)
    light = light_labels()
    now = timezone.now()
    return [
        C(header(Petition, "number"), lambda d: d.petition.number, Kind.ID, width=13),
        C(header(Petition, "title"), lambda d: d.petition.title, width=28),
        C(header(Petition, "community"), lambda d: d.petition.community.name, width=16),
        C(header(Dispatch, "department"), lambda d: d.department.name, width=18),
        C(header(Dispatch, "role"), lambda d: role(d.role), width=10),
        C(header(Dispatch, "status"), lambda d: status(d.status), width=10),
        C(header(Dispatch, "dispatched_at"), lambda d: d.dispatched_at, Kind.DATETIME, width=17),
        C(header(Dispatch, "report_due_at"), lambda d: d.report_due_at, Kind.DATETIME, width=17),
        C(header(Dispatch, "reported_at"), lambda d: d.reported_at, Kind.DATETIME, width=17),
        C(
            header(Dispatch, "complete_due_at"),
            lambda d: d.complete_due_at,
            Kind.DATETIME,
            width=17,
        ),
        C(header(Dispatch, "completed_at"), lambda d: d.completed_at, Kind.DATETIME, width=17),
        C(header(Dispatch, "return_reason"), lambda d: d.return_reason, width=20),
        C(header(Dispatch, "rating"), lambda d: d.rating, Kind.INTEGER, width=6),
        C(pgettext_lazy("ledger", "Light"), lambda d: light[dispatch_light(d, now=now)], width=6),
    ]


def deadline_policy_columns(context: LedgerContext) -> list[Column[DeadlinePolicy]]:
    C = Column[DeadlinePolicy]
    track, category, urgency, unit = (
        labels(Track),
        labels(Category),
        labels(Urgency),
        labels(TimeUnit),
    )
    any_value = str(pgettext_lazy("deadline policy", "any"))

    def clock(amount: str, unit_field: str) -> Column[DeadlinePolicy]:
        """The amount with its unit, in one cell ("7 工作日")."""
        return C(
            header(DeadlinePolicy, amount),
            lambda p: f"{getattr(p, amount)} {unit(getattr(p, unit_field))}",
            width=12,
        )

    return [
        C(header(DeadlinePolicy, "name"), lambda p: p.name, width=22),
        C(header(DeadlinePolicy, "track"), lambda p: track(p.track), width=12),
        C(
            header(DeadlinePolicy, "category"),
            lambda p: category(p.category) if p.category else any_value,
            width=12,
        ),
        C(
            header(DeadlinePolicy, "urgency"),
            lambda p: urgency(p.urgency) if p.urgency else any_value,
            width=8,
        ),
        clock("accept_within", "accept_unit"),
        clock("resolve_within", "resolve_unit"),
        clock("report_within", "report_unit"),
        clock("complete_within", "complete_unit"),
        clock("max_extension", "extension_unit"),
        C(header(DeadlinePolicy, "yellow_at"), lambda p: p.yellow_at, Kind.INTEGER, width=10),
        C(
            header(DeadlinePolicy, "close_after_reply_days"),
            lambda p: p.close_after_reply_days,
            Kind.INTEGER,
            width=10,
        ),
        C(header(DeadlinePolicy, "is_active"), lambda p: yes(p.is_active), width=6),
    ]


def notification_columns(context: LedgerContext) -> list[Column[Notification]]:
    C = Column[Notification]
    kind = {value: str(label) for value, label in kinds.choices()}
    return [
        C(header(Notification, "created_at"), lambda n: n.created_at, Kind.DATETIME, width=17),
        C(header(Notification, "kind"), lambda n: kind.get(n.kind, n.kind), width=12),
        C(header(Notification, "title"), lambda n: n.title, width=40),
        C(
            capfirst(gettext("petition")),
            # ``selectors.notification_list`` annotates it ("" when about no petition).
            lambda n: getattr(n, "petition_number", ""),
            Kind.ID,
            width=13,
        ),
        C(header(Notification, "read_at"), lambda n: n.read_at, Kind.DATETIME, width=17),
    ]


PETITIONS = LedgerSpec[Petition](
    "petitions",
    pgettext_lazy("ledger", "petition ledger"),
    petition_columns,
    personal_data=Petition._meta.label,
)
DISPATCHES = LedgerSpec[Dispatch](
    "dispatches", pgettext_lazy("ledger", "whistle and report ledger"), dispatch_columns
)
DEADLINE_POLICIES = LedgerSpec[DeadlinePolicy](
    "deadline-policies", pgettext_lazy("ledger", "deadline policy ledger"), deadline_policy_columns
)
NOTIFICATIONS = LedgerSpec[Notification](
    "notifications", pgettext_lazy("ledger", "notification ledger"), notification_columns
)


# --- The exports -----------------------------------------------------------------------------


def petition_export(request: ExportRequest, petitions: QuerySet[Petition]) -> HttpResponseBase:
    """诉求台账 of ``petitions`` (from ``selectors.petition_list_visible``), in the list's order
    (overdue first, then newest)."""
    rows = petitions.select_related("community", "handling_unit", "petitioner", "policy")
    return export_ledger(request, rows, PETITIONS)


def dispatch_export(request: ExportRequest, dispatches: QuerySet[Dispatch]) -> HttpResponseBase:
    """吹哨报到台账 of ``dispatches`` (from ``selectors.dispatch_list_visible``)."""
    rows = dispatches.select_related("department", "petition__community", "petition__policy")
    return export_ledger(request, rows, DISPATCHES)


def deadline_policy_export(
    request: ExportRequest, policies: QuerySet[DeadlinePolicy]
) -> HttpResponseBase:
    """时限标准台账: every deadline policy with its clocks."""
    return export_ledger(request, policies, DEADLINE_POLICIES)


def notification_export(
    request: ExportRequest, notifications: QuerySet[Notification]
) -> HttpResponseBase:
    """The caller's own notifications (from ``selectors.notification_list``)."""
    return export_ledger(request, notifications, NOTIFICATIONS)
