"""Scoped reads of petitions, dispatches and events (and the inbox with the petitions its
messages are about), the deadline lights, what the caller may do now (``petition_actions``,
``dispatch_actions``: the API and the pages show the same actions), and the headline figures
the dashboard uses (响应率, 解决率, 满意率, 一次性化解率, on-time rates, escalations by level, per
department)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.errors import OutOfScope
from governance.keyset import Keyset, Segment
from governance.workflow import available_actions
from notifications import selectors as inbox
from notifications.models import Notification
from orgchart.models import OrgUnit, User
from orgchart.policy import AnyUser, listed, policy
from petitions.models import (
    OPEN_DISPATCH_STATUSES,
    OPEN_STATUSES,
    RESOLVING_STATUSES,
    SATISFIED_LEVELS,
    DeadlinePolicy,
    Dispatch,
    DispatchPhoto,
    DispatchRole,
    DispatchStatus,
    Escalation,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.workflows import DISPATCH_WORKFLOW, PETITION_WORKFLOW, PetitionFacts


def _within(prefix: str, unit: OrgUnit) -> Q:
    return Q(
        **{
            f"{prefix}__tree_id": unit.tree_id,
            f"{prefix}__lft__gte": unit.lft,
            f"{prefix}__lft__lte": unit.rght,
        }
    )


# --- Lights ----------------------------------------------------------------------------------


class Light:
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def deadline_light(
    *,
    started_at: dt.datetime | None,
    due_at: dt.datetime | None,
    now: dt.datetime,
    yellow_at: int = 80,
) -> str | None:
    """The light of one clock: red once due, yellow once ``yellow_at`` % of the time passed,
    green before; None when the clock is not running."""
    if due_at is None:
        return None
    if now >= due_at:
        return Light.RED
    if started_at is not None and due_at > started_at:
        elapsed = (now - started_at) / (due_at - started_at)
        if elapsed * 100 >= yellow_at:
            return Light.YELLOW
    return Light.GREEN


def petition_running_due(petition: Petition) -> dt.datetime | None:
    """The due time of the petition's running clock (accept, resolve, or automatic close)."""
    if petition.status == Status.SUBMITTED:
        return petition.accept_due_at
    if petition.status in RESOLVING_STATUSES:
        return petition.resolve_due_at
    return None


def petition_light(petition: Petition, *, now: dt.datetime | None = None) -> str | None:
    """The case's light: red while it is overdue (also after an escalation gave the new unit a
    fresh clock), otherwise the running clock's."""
    now = now or timezone.now()
    if petition_overdue_since(petition, now=now) is not None:
        return Light.RED
    return petition_clock_light(petition, now=now)


def petition_clock_light(petition: Petition, *, now: dt.datetime | None = None) -> str | None:
    """The light of the running clock alone (after an escalation: the new unit's own)."""
    return deadline_light(
        started_at=petition.clock_started_at,
        due_at=petition_running_due(petition),
        now=now or timezone.now(),
        yellow_at=petition.policy.yellow_at,
    )


def dispatch_light(dispatch: Dispatch, *, now: dt.datetime | None = None) -> str | None:
    now = now or timezone.now()
    policy_yellow = dispatch.petition.policy.yellow_at
    if dispatch.status == DispatchStatus.PENDING:
        return deadline_light(
            started_at=dispatch.dispatched_at,
            due_at=dispatch.report_due_at,
            now=now,
            yellow_at=policy_yellow,
        )
    if dispatch.status == DispatchStatus.REPORTED:
        return deadline_light(
            started_at=dispatch.reported_at,
            due_at=dispatch.complete_due_at,
            now=now,
            yellow_at=policy_yellow,
        )
    return None


# --- Petitions -------------------------------------------------------------------------------


def _running_due() -> Case:
    return Case(
        When(status=Status.SUBMITTED, then=F("accept_due_at")),
        When(status__in=RESOLVING_STATUSES, then=F("resolve_due_at")),
        default=Value(None),
        output_field=DateTimeField(),
    )


def overdue_q(now: dt.datetime, prefix: str = "") -> Q:
    """Overdue (DESIGN §5): open, and a deadline of this round was missed (recorded by the
    escalation, whatever escalations followed) or the running clock ran out before the sweep
    came by."""
    return (
        Q(
            **{
                f"{prefix}status__in": OPEN_STATUSES,
                f"{prefix}overdue_since__isnull": False,
            }
        )
        | Q(**{f"{prefix}status": Status.SUBMITTED, f"{prefix}accept_due_at__lt": now})
        | Q(**{f"{prefix}status__in": RESOLVING_STATUSES, f"{prefix}resolve_due_at__lt": now})
    )


def _is_overdue(now: dt.datetime) -> Case:
    return Case(
        When(overdue_q(now), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def petition_overdue_since(petition: Petition, *, now: dt.datetime) -> dt.datetime | None:
    """Since when the case is overdue: the first missed due time of this round, or the running
    clock's due time once it passed; None when it is on time or finished."""
    if petition.status not in OPEN_STATUSES:
        return None
    if petition.overdue_since is not None:
        return petition.overdue_since
    due = petition_running_due(petition)
    return due if due is not None and due <= now else None


def petition_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    status: str = "",
    open_only: bool = False,
    category: str = "",
    channel: str = "",
    query: str = "",
    overdue: bool | None = None,
    supervised: bool | None = None,
    repeat: bool | None = None,
    complex_only: bool = False,
    handled_by: OrgUnit | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Petition]:
    """Petitions the user may see, overdue first, then newest first. Each row carries
    ``running_due_at`` and ``is_overdue``. Unpaginated (the ledgers, one row's page); a list
    reads it a page at a time through ``petition_pages``."""
    now = now or timezone.now()
    petitions = (
        policy(user, Petition)
        .select_related("community", "handling_unit", "petitioner", "grid", "policy")
        .annotate(running_due_at=_running_due())
        .annotate(is_overdue=_is_overdue(now))
        .order_by("-is_overdue", "-created_at", "-id")
    )
    if overdue is not None:
        petitions = petitions.filter(is_overdue=overdue)
    return _filtered(
        petitions,
        within=within,
        status=status,
        open_only=open_only,
        category=category,
        channel=channel,
        query=query,
        supervised=supervised,
        repeat=repeat,
        complex_only=complex_only,
        handled_by=handled_by,
        created_from=created_from,
        created_to=created_to,
    )


def _filtered(
    petitions: QuerySet[Petition],
    *,
    within: OrgUnit | None = None,
    status: str = "",
    open_only: bool = False,
    category: str = "",
    channel: str = "",
    query: str = "",
    supervised: bool | None = None,
    repeat: bool | None = None,
    complex_only: bool = False,
    handled_by: OrgUnit | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
) -> QuerySet[Petition]:
    if within is not None:
        petitions = petitions.filter(_within("location", within))
    if status:
        petitions = petitions.filter(status=status)
    if open_only:
        petitions = petitions.filter(status__in=OPEN_STATUSES)
    if category:
        petitions = petitions.filter(category=category)
    if channel:
        petitions = petitions.filter(channel=channel)
    if supervised is not None:
        petitions = petitions.filter(is_supervised=supervised)
    if repeat is not None:
        petitions = petitions.filter(is_repeat=repeat)
    if complex_only:
        petitions = petitions.exclude(complexity="")
    if handled_by is not None:
        petitions = petitions.filter(handling_unit=handled_by)
    if created_from is not None:
        petitions = petitions.filter(created_at__gte=created_from)
    if created_to is not None:
        petitions = petitions.filter(created_at__lt=created_to)
    if query.strip():
        petitions = petitions.filter(petition_search_q(query))
    return petitions


# --- Petition lists, a page at a time ----------------------------------------------------------

# Within the overdue cases and within the rest: newest first. The rest is read in this order
# from petition_recent (a large area) or petition_community_recent (a small one); the overdue
# cases, few, are found through petition_overdue_since, petition_accept_due and
# petition_resolve_due and sorted.
PETITION_ORDER = ("-created_at", "-id")


def overdue_as_of_q(moment: dt.datetime, prefix: str = "") -> Q:
    """``overdue_q`` as it stood at ``moment``: a recorded miss counts from its due time on.
    For ``moment`` = now it is ``overdue_q(now)`` (every recorded miss lies in the past); for a
    moment a list was opened at, a case that turned overdue since (its clock ran out, the sweep
    recorded it) is not, so the list keeps it where it was while someone pages through.

    As in ``overdue_q``, a department's missed deadline counts once the sweep has recorded it
    (within a sweep interval): a case whose department missed a deadline just before the list
    was opened, recorded while someone pages through, moves among the overdue cases at the
    top, where the list shows it the next time it is opened."""
    return (
        Q(
            **{
                f"{prefix}status__in": OPEN_STATUSES,
                f"{prefix}overdue_since__lt": moment,
            }
        )
        | Q(**{f"{prefix}status": Status.SUBMITTED, f"{prefix}accept_due_at__lt": moment})
        | Q(**{f"{prefix}status__in": RESOLVING_STATUSES, f"{prefix}resolve_due_at__lt": moment})
    )


def _overdue_first(
    name: str,
    *,
    user: AnyUser,
    petitions: QuerySet[Petition],
    overdue: bool | None,
    rest: Q | None = None,
    now: dt.datetime,
) -> Keyset[Petition]:
    """``petitions`` (filtered, unordered, without joins) as a list read a page at a time: the
    overdue ones first (as of the moment the list was opened), then the others (those meeting
    ``rest`` too, when given), each newest first; ``overdue`` True or False keeps one of the
    two. The page's rows are loaded with their joins and columns, as ``now`` sees them."""

    def late(as_of: dt.datetime) -> QuerySet[Petition]:
        return petitions.filter(overdue_as_of_q(as_of))

    def others(as_of: dt.datetime) -> QuerySet[Petition]:
        on_time = petitions.exclude(overdue_as_of_q(as_of))
        return on_time.filter(rest) if rest is not None else on_time

    def segments(as_of: dt.datetime) -> list[Segment]:
        # Both segments always, so a cursor's segment means the same with any filter.
        return [
            Segment(late(as_of) if overdue is not False else petitions.none(), PETITION_ORDER),
            Segment(others(as_of) if overdue is not True else petitions.none(), PETITION_ORDER),
        ]

    def rows(as_of: dt.datetime) -> QuerySet[Petition]:
        if overdue is True:
            return late(as_of)
        if overdue is False:
            return others(as_of)
        return petitions if rest is None else petitions.filter(overdue_as_of_q(as_of) | rest)

    def load(pks: list[Any]) -> QuerySet[Petition]:
        return petition_list_visible(user=user, now=now).filter(pk__in=pks)

    return Keyset(name=name, segments=segments, load=load, rows=rows)


def petition_pages(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    status: str = "",
    category: str = "",
    channel: str = "",
    query: str = "",
    overdue: bool | None = None,
    supervised: bool | None = None,
    repeat: bool | None = None,
    complex_only: bool = False,
    handled_by: OrgUnit | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Keyset[Petition]:
    """The rows of ``petition_list_visible`` with the same filters, read a page at a time
    (``governance.keyset``): overdue first, then newest first, without OFFSET, without
    counting the whole list, joining the page's rows only."""
    petitions = _filtered(
        listed(user, Petition),
        within=within,
        status=status,
        category=category,
        channel=channel,
        query=query,
        supervised=supervised,
        repeat=repeat,
        complex_only=complex_only,
        handled_by=handled_by,
        created_from=created_from,
        created_to=created_to,
    )
    return _overdue_first(
        "petitions", user=user, petitions=petitions, overdue=overdue, now=now or timezone.now()
    )


def petition_search_q(query: str, prefix: str = "") -> Q:
    """``?q=`` of the petition lists and the department inbox: the whole number, or part of
    the title or the address (of the petition reached by ``prefix``)."""
    text = query.strip()
    return (
        Q(**{f"{prefix}number": text})
        | Q(**{f"{prefix}title__contains": text})
        | Q(**{f"{prefix}address__contains": text})
    )


def petition_get(*, user: AnyUser, pk: Any) -> Petition:
    try:
        return petition_list_visible(user=user).get(pk=pk)
    except (Petition.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def petition_get_by_number(*, user: AnyUser, number: str) -> Petition:
    try:
        return petition_list_visible(user=user).get(number=number)
    except Petition.DoesNotExist as error:
        raise OutOfScope() from error


def petition_timeline(*, user: AnyUser, petition: Petition) -> QuerySet[PetitionEvent]:
    """The petition's events in order, with actor, unit and the dispatch's department."""
    return (
        policy(user, PetitionEvent)
        .filter(petition=petition)
        .select_related("actor", "unit", "dispatch", "dispatch__department")
        .order_by("at", "id")
    )


def petition_dispatches(*, user: AnyUser, petition: Petition) -> QuerySet[Dispatch]:
    """The petition's whistles the user sees (a handler: their department's), the lead first,
    with the photos of their results."""
    return (
        policy(user, Dispatch)
        .filter(petition=petition)
        .select_related("department", "reported_by", "petition", "petition__policy")
        .prefetch_related("photos")
        # The lead (主办) first: alphabetically "assist" would come before "lead".
        .order_by(
            Case(When(role=DispatchRole.LEAD, then=Value(0)), default=Value(1)),
            "dispatched_at",
            "id",
        )
    )


SUPERVISED_REASONS = Q(escalation_level__gt=0) | Q(is_supervised=True) | Q(is_repeat=True)


def supervision_list(
    *, user: AnyUser, within: OrgUnit | None = None, now: dt.datetime | None = None
) -> QuerySet[Petition]:
    """For officials (督办): open petitions below them that are overdue, escalated, repeated
    or already supervised, overdue first."""
    now = now or timezone.now()
    petitions = petition_list_visible(user=user, within=within, open_only=True, now=now)
    return petitions.filter(Q(is_overdue=True) | SUPERVISED_REASONS)


def supervision_pages(
    *, user: AnyUser, within: OrgUnit | None = None, now: dt.datetime | None = None
) -> Keyset[Petition]:
    """The rows of ``supervision_list``, read a page at a time (overdue first, then the
    escalated, repeated or supervised ones, newest first)."""
    petitions = _filtered(listed(user, Petition), within=within, open_only=True)
    return _overdue_first(
        "supervision",
        user=user,
        petitions=petitions,
        overdue=None,
        rest=SUPERVISED_REASONS,
        now=now or timezone.now(),
    )


# --- What the caller may do now --------------------------------------------------------------


def petition_actions(
    user: AnyUser, petition: Petition, dispatches: list[Dispatch], *, now: dt.datetime
) -> list[str]:
    """The petition actions ``user`` may take now: the workflow's table and guards (the same
    ones the services enforce), then the policy. In the order of ``PETITION_ACTIONS``.
    ``dispatches`` are the ones the page already holds (no query for the guards)."""
    return available_actions(
        PETITION_WORKFLOW, petition, user, now=now, facts=PetitionFacts(dispatches)
    )


def dispatch_actions(user: AnyUser, dispatch: Dispatch, *, now: dt.datetime) -> list[str]:
    """The dispatch actions ``user`` may take now (the workflow's table and guards: a rating
    once the petition is closed, and only once), then the policy."""
    return available_actions(DISPATCH_WORKFLOW, dispatch, user, now=now)


# --- Dispatches ------------------------------------------------------------------------------


class DispatchSort:
    """The orders of a department's inbox (``?sort=``)."""

    # Open ones first, the running clock (报到, then 办结) that runs out soonest first; then
    # the finished ones, newest whistle first.
    DEADLINE = "deadline"
    # The newest whistle first, whatever its state.
    WHISTLED = "whistled"
    ALL = (DEADLINE, WHISTLED)


def _running_clock_due() -> Case:
    """The due time of a whistle's running clock: 报到 while pending, 办结 once reported."""
    return Case(
        When(status=DispatchStatus.PENDING, then=F("report_due_at")),
        When(status=DispatchStatus.REPORTED, then=F("complete_due_at")),
        default=Value(None),
        output_field=DateTimeField(),
    )


def dispatch_list_visible(
    *,
    user: AnyUser,
    department_id: int | None = None,
    status: str = "",
    open_only: bool = False,
    within: OrgUnit | None = None,
    overdue: bool = False,
    query: str = "",
    sort: str = DispatchSort.DEADLINE,
    petition: Petition | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Dispatch]:
    """Dispatches the user may see (a handler: their department's inbox), by ``sort``: open
    ones first, then by the due time of their running clock (the default), or the newest
    whistle first; ``overdue``: only the open ones that missed a deadline or whose clock ran
    out; ``query``: the petition's whole number, or part of its title or address; ``petition``:
    the whistles of that petition. Unpaginated
    (the ledgers, one row's page); the inbox reads it a page at a time through
    ``dispatch_pages``."""
    dispatches = (
        policy(user, Dispatch)
        .select_related(
            "department",
            "petition",
            "petition__community",
            "petition__handling_unit",
            "petition__policy",
        )
        .annotate(
            running_due_at=_running_clock_due(),
            # Not ``is_open``: that name is the model's property, which an annotation cannot
            # be set on.
            open_first=Case(
                When(status__in=OPEN_DISPATCH_STATUSES, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    if sort == DispatchSort.WHISTLED:
        dispatches = dispatches.order_by("-dispatched_at", "-id")
    else:
        dispatches = dispatches.order_by(
            "-open_first", F("running_due_at").asc(nulls_last=True), "-dispatched_at", "-id"
        )
    return _dispatches_filtered(
        dispatches,
        department_id=department_id,
        status=status,
        open_only=open_only,
        within=within,
        overdue=overdue,
        query=query,
        petition=petition,
        now=now,
    )


def _dispatches_filtered(
    dispatches: QuerySet[Dispatch],
    *,
    department_id: int | None,
    status: str,
    open_only: bool,
    within: OrgUnit | None,
    overdue: bool,
    query: str,
    petition: Petition | None,
    now: dt.datetime | None,
) -> QuerySet[Dispatch]:
    if department_id is not None:
        dispatches = dispatches.filter(department_id=department_id)
    if status:
        dispatches = dispatches.filter(status=status)
    if open_only:
        dispatches = dispatches.filter(status__in=OPEN_DISPATCH_STATUSES)
    if within is not None:
        dispatches = dispatches.filter(_within("petition__location", within))
    if overdue:
        dispatches = dispatches.filter(dispatch_overdue_q(now or timezone.now()))
    if query.strip():
        dispatches = dispatches.filter(petition_search_q(query, "petition__"))
    if petition is not None:
        dispatches = dispatches.filter(petition=petition)
    return dispatches


# Newest whistle first: the index dispatch_department_recent has this order for a department.
DISPATCH_ORDER = ("-dispatched_at", "-id")


def dispatch_pages(
    *,
    user: AnyUser,
    department_id: int | None = None,
    status: str = "",
    open_only: bool = False,
    within: OrgUnit | None = None,
    overdue: bool = False,
    query: str = "",
    sort: str = DispatchSort.DEADLINE,
    petition: Petition | None = None,
    now: dt.datetime | None = None,
) -> Keyset[Dispatch]:
    """The rows of ``dispatch_list_visible`` with the same filters and order, read a page at a
    time (``governance.keyset``). By deadline: the open whistles by their running clock's due
    time (a department's open whistles are few: sorted), those whose clock has no due time,
    then the finished ones, newest first from the index; newest first: one segment."""
    dispatches = _dispatches_filtered(
        listed(user, Dispatch),
        department_id=department_id,
        status=status,
        open_only=open_only,
        within=within,
        overdue=overdue,
        query=query,
        petition=petition,
        now=now,
    )
    name = f"dispatches:{sort}"
    if sort == DispatchSort.WHISTLED:
        segments = [Segment(dispatches, DISPATCH_ORDER)]
    else:
        running = dispatches.filter(status__in=OPEN_DISPATCH_STATUSES).annotate(
            running_due_at=_running_clock_due()
        )
        segments = [
            Segment(
                running.filter(running_due_at__isnull=False),
                ("running_due_at", *DISPATCH_ORDER),
            ),
            Segment(running.filter(running_due_at__isnull=True), DISPATCH_ORDER),
            Segment(dispatches.exclude(status__in=OPEN_DISPATCH_STATUSES), DISPATCH_ORDER),
        ]

    def load(pks: list[Any]) -> QuerySet[Dispatch]:
        return dispatch_list_visible(user=user).filter(pk__in=pks)

    return Keyset(
        name=name, segments=lambda as_of: segments, load=load, rows=lambda as_of: dispatches
    )


def dispatch_overdue_q(now: dt.datetime) -> Q:
    """An open whistle that missed a deadline (recorded by the sweep) or whose clock ran out."""
    return Q(status__in=OPEN_DISPATCH_STATUSES) & (
        Q(late_report=True)
        | Q(late_complete=True)
        | Q(status=DispatchStatus.PENDING, report_due_at__lt=now)
        | Q(status=DispatchStatus.REPORTED, complete_due_at__lt=now)
    )


def dispatch_get(*, user: AnyUser, pk: Any) -> Dispatch:
    try:
        return dispatch_list_visible(user=user).get(pk=pk)
    except (Dispatch.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def dispatch_photo_get(*, user: AnyUser, dispatch_id: Any, pk: Any) -> DispatchPhoto:
    """A photo of a dispatch's result, for whoever sees the dispatch (``OutOfScope`` for
    everyone else, and for a photo of another dispatch)."""
    try:
        return DispatchPhoto.objects.get(
            pk=pk, dispatch__in=policy(user, Dispatch).filter(pk=dispatch_id)
        )
    except (DispatchPhoto.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def deadline_policy_list(*, user: AnyUser) -> QuerySet[DeadlinePolicy]:
    return policy(user, DeadlinePolicy).order_by("track", "category", "urgency", "id")


# --- Notifications ---------------------------------------------------------------------------


def notification_list(*, user: AnyUser, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's inbox (``notifications.selectors.notification_list``), each row annotated
    with ``petition_ref`` and ``petition_number`` when it is about a petition (None and ""
    otherwise): the petition columns of the API and the ledger, in the same query."""
    about_petition = Q(
        subject_type__app_label=Petition._meta.app_label,
        subject_type__model=Petition._meta.model_name,
    )
    number = Petition.objects.filter(pk=OuterRef("subject_id")).values("number")[:1]
    return inbox.notification_list(user=user, unread_only=unread_only).annotate(
        petition_ref=Case(
            When(about_petition, then=F("subject_id")),
            default=None,
            output_field=BigIntegerField(),
        ),
        petition_number=Case(
            When(about_petition, then=Coalesce(Subquery(number), Value(""))),
            default=Value(""),
            output_field=CharField(),
        ),
    )


# --- Figures ---------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    name: str
    dispatches: int
    reported_on_time: int
    completed: int
    returned: int
    average_rating: float | None

    @property
    def on_time_report_rate(self) -> float | None:
        return _rate(self.reported_on_time, self.dispatches)


@dataclass(frozen=True)
class PetitionFigures:
    """The headline figures of one subtree and period (petitions logged in the period)."""

    logged: int
    responded: int
    rejected: int
    accepted: int
    closed: int
    closed_first_time: int
    evaluated: int
    satisfied: int
    accepted_on_time: int
    closed_on_time: int
    open: int
    overdue: int
    escalations_by_level: dict[int, int] = field(default_factory=dict)
    departments: list[DepartmentFigures] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        """响应率: petitions answered (accepted or declined) over petitions logged."""
        return _rate(self.responded, self.logged)

    @property
    def resolution_rate(self) -> float | None:
        """解决率: closed over accepted (declined petitions are not counted)."""
        return _rate(self.closed, self.accepted)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: satisfied or basically satisfied over evaluated."""
        return _rate(self.satisfied, self.evaluated)

    @property
    def first_time_resolution_rate(self) -> float | None:
        """一次性化解率: closed without being reopened, found unsatisfied or escalated beyond
        the community, over closed (DESIGN §2)."""
        return _rate(self.closed_first_time, self.closed)

    @property
    def on_time_acceptance_rate(self) -> float | None:
        return _rate(self.accepted_on_time, self.accepted)

    @property
    def on_time_resolution_rate(self) -> float | None:
        return _rate(self.closed_on_time, self.closed)


def petition_figures(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> PetitionFigures:
    """Figures for petitions logged in [date_from, date_to) in the user's scope (and
    ``within``'s subtree). Three queries: petitions, escalations by level, departments."""
    now = now or timezone.now()
    petitions = policy(user, Petition)
    if within is not None:
        petitions = petitions.filter(_within("location", within))
    if date_from is not None:
        petitions = petitions.filter(created_at__gte=date_from)
    if date_to is not None:
        petitions = petitions.filter(created_at__lt=date_to)
    totals = petitions.aggregate(
        logged=Count("pk"),
        responded=Count("pk", filter=~Q(status=Status.SUBMITTED)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        closed_first_time=Count(
            "pk",
            filter=Q(status=Status.CLOSED, unsatisfied_count=0, reopen_count=0, escalation_level=0),
        ),
        evaluated=Count("pk", filter=~Q(satisfaction="")),
        satisfied=Count("pk", filter=Q(satisfaction__in=SATISFIED_LEVELS)),
        accepted_on_time=Count("pk", filter=Q(accepted_at__isnull=False, late_accept=False)),
        closed_on_time=Count(
            "pk", filter=Q(status=Status.CLOSED, late_accept=False, late_resolve=False)
        ),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_q(now)),
    )
    levels = dict(
        Escalation.objects.filter(petition__in=petitions.values("pk"))
        .values_list("level")
        .annotate(count=Count("pk"))
        .order_by("level")
    )
    departments = [
        DepartmentFigures(
            department_id=row["department_id"],
            name=row["department__name"],
            dispatches=row["dispatches"],
            reported_on_time=row["reported_on_time"],
            completed=row["completed"],
            returned=row["returned"],
            average_rating=round(row["average_rating"], 2) if row["average_rating"] else None,
        )
        for row in Dispatch.objects.filter(petition__in=petitions.values("pk"))
        .values("department_id", "department__name")
        .annotate(
            dispatches=Count("pk"),
            reported_on_time=Count("pk", filter=Q(reported_at__isnull=False, late_report=False)),
            completed=Count("pk", filter=Q(status=DispatchStatus.COMPLETED)),
            returned=Count("pk", filter=Q(status=DispatchStatus.RETURNED)),
            average_rating=Avg("rating"),
        )
        .order_by("department__name", "department_id")
    ]
    return PetitionFigures(**totals, escalations_by_level=levels, departments=departments)


# --- What waits for me (the home pages) ------------------------------------------------------


def petition_work_counts(*, user: AnyUser, unit: OrgUnit, now: dt.datetime) -> dict[str, int]:
    """What waits at ``unit`` (the cases it must act on, in the user's scope), one query:
    to accept, overdue, to reply (handled by the unit itself), to evaluate, awaiting a
    department."""
    return (
        policy(user, Petition)
        .filter(handling_unit=unit)
        .aggregate(
            to_accept=Count("pk", filter=Q(status=Status.SUBMITTED)),
            overdue=Count("pk", filter=overdue_q(now)),
            to_reply=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
            to_evaluate=Count("pk", filter=Q(status=Status.REPLIED)),
            awaiting_department=Count("pk", filter=Q(status=Status.DISPATCHED)),
        )
    )


def dispatch_work_counts(*, user: AnyUser, department_id: int, now: dt.datetime) -> dict[str, int]:
    """A department's whistles that wait for it, one query: to report, overdue (a running
    clock ran out or a deadline was already missed), to complete, returned."""
    open_late = dispatch_overdue_q(now)
    return (
        policy(user, Dispatch)
        .filter(department_id=department_id)
        .aggregate(
            to_report=Count("pk", filter=Q(status=DispatchStatus.PENDING)),
            overdue=Count("pk", filter=open_late),
            to_complete=Count("pk", filter=Q(status=DispatchStatus.REPORTED)),
            returned=Count("pk", filter=Q(status=DispatchStatus.RETURNED)),
        )
    )


def petitions_logged_by(*, user: AnyUser, limit: int = 5) -> list[Petition]:
    """The open cases the user logged (a grid worker's reports), newest first, with where each
    stands (its status and handling unit)."""
    if not isinstance(user, User):
        return []
    return list(
        petition_list_visible(user=user, open_only=True)
        .filter(created_by=user)
        .order_by("-created_at", "-id")[:limit]
    )


def newest_petitions(*, user: AnyUser, unit: OrgUnit, limit: int) -> list[Petition]:
    """The newest cases of ``unit``'s subtree (the wall screen's feed)."""
    return list(
        petition_list_visible(user=user, within=unit).order_by("-created_at", "-id")[:limit]
    )


def overdue_petitions(
    *, user: AnyUser, unit: OrgUnit, limit: int, now: dt.datetime | None = None
) -> list[Petition]:
    """The overdue cases of ``unit``'s subtree, longest overdue first."""
    now = now or timezone.now()
    return list(
        petition_list_visible(user=user, within=unit, overdue=True, now=now).order_by(
            F("overdue_since").asc(nulls_last=True), "running_due_at", "id"
        )[:limit]
    )


def grid_petition_counts(*, grid_ids: list[int], now: dt.datetime) -> dict[int, tuple[int, int]]:
    """Open and overdue cases per grid (the dashboard's map colours), one query."""
    rows = (
        Petition.objects.filter(grid_id__in=grid_ids, status__in=OPEN_STATUSES)
        .values("grid_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
        .order_by()
    )
    return {row["grid_id"]: (row["open"], row["overdue"]) for row in rows}
