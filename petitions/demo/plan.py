"""The demo petitions, planned from a seed against a moment, ``now`` (no writes): the seeding
plans them against the demo's reference clock and moves them to the moment of seeding.

Each petition gets a script: its intake and the steps that follow (accept, whistle, report,
complete, reply, evaluate, rate …), each at a moment chosen inside the clocks of its deadline
policy, except where the script is meant to miss one (a late acceptance, a late report, a late
reply): those are left to the escalation sweep, which the seeding runs at the moments the
deadlines pass. Steps after ``now`` are not part of the plan, so recent petitions are open.

The plan is a pure function of the seed, ``now`` and the demo world read from the database
(communities, households, grid staff, visits, departments, policies, the calendar).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils import timezone

from petitions.calendar import END_OF_DAY, WorkingCalendar
from petitions.demo import texts
from petitions.demo.texts import CaseText
from petitions.models import (
    Category,
    Channel,
    DeadlinePolicy,
    Satisfaction,
    TimeUnit,
    Track,
    Urgency,
)

PETITIONS_SEED = 20_241_101
TOTAL = 2_000
DAYS = 182
# Petitions logged in the last SERVICE_DAYS days, and every petition whose script misses a
# deadline, are written through the services; the older ones in bulk (see ``seed``).
SERVICE_DAYS = 14
# The sweep of the seeding stops this long before ``now``: deadlines that passed since are
# overdue (red) until the running beat escalates them.
SWEEP_PAUSE = dt.timedelta(hours=6)
MARGIN = dt.timedelta(minutes=20)  # a planned step comes at least this long before its deadline
OFFICE_HOURS = (8, 19)
VISIT_PETITIONS = 40
REPEAT_GROUPS = 24
ANONYMOUS_PREFIX = "147"  # no demo resident's mobile starts so: an anonymous phone is new

T = TypeVar("T")
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- The world the plan reads (loaded by ``seed``) ---------------------------------------------


@dataclass(frozen=True)
class HouseholdInfo:
    pk: int
    grid: int
    location: int  # the unit the household is in: building, compound or community
    place: str  # 光明小区3号楼, 石桥村第一村民小组
    address: str
    people: tuple[int, ...]  # persons living there


@dataclass
class CommunityInfo:
    pk: int
    name: str
    rural: bool
    weight: float
    households: list[HouseholdInfo]
    departments: dict[str, int]  # department key → pk, those serving the community
    worker: int  # the community worker's account
    grid_accounts: dict[int, int]  # grid → its full-time grid worker's account


@dataclass(frozen=True)
class VisitInfo:
    pk: int
    community: int
    grid: int
    household: int | None
    visitor: int
    visited_at: dt.datetime
    notes: str


@dataclass
class World:
    now: dt.datetime
    communities: list[CommunityInfo]
    phone_keys: dict[int, str]  # person → the key repeats are found by (mobile hash or pk)
    visits: list[VisitInfo]
    policies: dict[tuple[str, str, str], DeadlinePolicy]  # (track, category, urgency)
    calendar: WorkingCalendar
    journey_community: str = "光明社区"
    journey_grid_worker: int | None = None  # the ``grid`` account

    def community(self, name: str) -> CommunityInfo:
        return next(item for item in self.communities if item.name == name)


# --- The plan ----------------------------------------------------------------------------------


@dataclass
class Step:
    at: dt.datetime
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PetitionPlan:
    community: int
    created_at: dt.datetime
    creator: int
    channel: str
    category: str
    title: str
    description: str
    location: int
    address: str
    urgency: str = Urgency.NORMAL
    track: str = Track.ORDINARY
    grid: int | None = None
    source_visit: int | None = None
    petitioner: int | None = None
    is_anonymous: bool = False
    contact_phone: str = ""
    complexity: tuple[str, ...] = ()
    reply: str = ""  # what the unit answers
    steps: list[Step] = field(default_factory=list)
    escalates: bool = False  # a deadline is meant to (or may) pass: the sweep must see it
    repeat_group: int | None = None  # petitions of one petitioner and category (重复件)
    bulk: bool = False  # written in bulk (see ``seed``)
    story: str = ""  # what the script does, for reading the plan

    @property
    def ends_at(self) -> dt.datetime:
        return self.steps[-1].at if self.steps else self.created_at


def sweep_time(due: dt.datetime) -> dt.datetime:
    """When the beat (every minute) first sees ``due`` passed."""
    whole = due.replace(second=0, microsecond=0)
    return whole if whole == due else whole + MINUTE


class Clock:
    """``petitions.calendar.deadline_after`` on a calendar read once for the whole plan."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def due(self, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
        if unit == TimeUnit.HOURS:
            return start + dt.timedelta(hours=amount)
        local = timezone.localtime(start)
        if unit == TimeUnit.CALENDAR_DAYS:
            day = local.date() + dt.timedelta(days=amount)
        else:
            day = self.calendar.add_working_days(local.date(), amount)
        return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY), local.tzinfo)


def _weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    values = [value for value, _weight in options]
    return rng.choices(values, weights=[weight for _value, weight in options])[0]


@dataclass
class _Fate:
    """What happens to one petition (chosen by the planner, written as steps)."""

    reject: bool = False
    whistle: bool = False
    leads: tuple[str, ...] = ()
    assists: tuple[str, ...] = ()
    late_accept: int = 0  # how many accept deadlines pass (escalations to street, district)
    late_report: bool = False
    late_reply: bool = False
    returned: bool = False
    extension: bool = False
    supervised: bool = False
    unsatisfied: bool = False
    reopen: bool = False
    ending: str = "evaluate"  # evaluate | auto_close | staff_close

    @property
    def escalates(self) -> bool:
        return bool(self.late_accept or self.late_report or self.late_reply)


class _Script:
    """Writes one petition's steps, moment by moment, inside its policy's clocks."""

    def __init__(self, planner: _Planner, plan: PetitionPlan) -> None:
        self.planner = planner
        self.rng = planner.rng
        self.clock = planner.clock
        self.plan = plan
        self.policy = planner.policy_for(plan)
        self.t = plan.created_at
        plan.steps.append(Step(plan.created_at, "create"))

    # Moments ------------------------------------------------------------------------------

    def office(self, moment: dt.datetime, latest: dt.datetime) -> dt.datetime:
        """``moment`` moved into office hours when the deadline allows."""
        local = timezone.localtime(moment)
        opens, closes = OFFICE_HOURS
        if opens <= local.hour < closes:
            return moment
        day = local.date() if local.hour < opens else local.date() + DAY
        minutes = self.rng.randrange(90)
        start = dt.datetime(day.year, day.month, day.day, opens, tzinfo=local.tzinfo)
        moved = start + dt.timedelta(minutes=minutes)
        return moved if moved < latest else moment

    def between(
        self,
        start: dt.datetime,
        due: dt.datetime | None,
        low: dt.timedelta,
        high: dt.timedelta,
        *,
        office: bool = True,
    ) -> dt.datetime:
        """A moment ``low`` to ``high`` after ``start``, at least MARGIN before ``due``."""
        latest = due - MARGIN if due is not None else start + high + DAY
        upper = min(start + high, latest)
        if upper <= start:
            upper = start + ((due or start + high) - start) / 2
            self.plan.escalates = True  # no room left before the deadline
        lower = min(start + low, upper)
        moment = lower + (upper - lower) * self.rng.random()
        if office:
            moment = self.office(moment, latest)
        return max(moment, start + MINUTE)

    def add(self, at: dt.datetime, kind: str, **params: Any) -> dt.datetime:
        if at < self.t + MINUTE:
            # Pushed later than planned, maybe past a deadline: the sweep may have to act, so
            # the petition goes through the services.
            at = self.t + MINUTE
            self.plan.escalates = True
        self.plan.steps.append(Step(at, kind, params))
        self.t = at
        return at

    def due(self, start: dt.datetime, clock: str) -> dt.datetime:
        policy = self.policy
        amount, unit = {
            "accept": (policy.accept_within, policy.accept_unit),
            "resolve": (policy.resolve_within, policy.resolve_unit),
            "report": (policy.report_within, policy.report_unit),
            "complete": (policy.complete_within, policy.complete_unit),
        }[clock]
        return self.clock.due(start, amount, unit)

    def span(self) -> tuple[dt.timedelta, dt.timedelta]:
        """How long a unit usually takes to resolve a case of this policy."""
        if self.plan.track == Track.FORMAL:
            return 3 * DAY, 35 * DAY
        if self.plan.urgency == Urgency.URGENT:
            return 2 * HOUR, 20 * HOUR
        return 4 * HOUR, 5 * DAY

    # Phases -------------------------------------------------------------------------------

    def write(self, fate: _Fate) -> None:
        plan, rng = self.plan, self.rng
        accept_due = self.due(plan.created_at, "accept")
        if fate.reject:
            at = self.between(plan.created_at, accept_due, 30 * MINUTE, 10 * HOUR)
            self.add(at, "reject", reason=rng.choice(texts.REJECT_REASONS))
            return
        start = plan.created_at
        for _level in range(fate.late_accept):
            start = sweep_time(accept_due)
            accept_due = self.due(start, "accept")
        quick = 90 * MINUTE if plan.urgency == Urgency.URGENT else 20 * HOUR
        if plan.track == Track.FORMAL:
            quick = 8 * DAY
        accepted = self.add(
            self.between(start, accept_due, HOUR if fate.late_accept else 10 * MINUTE, quick),
            "accept",
        )
        resolve_due = self.due(accepted, "resolve")
        if fate.whistle:
            replied = self.whistle(fate, resolve_due)
        else:
            replied = self.by_the_unit(fate, resolve_due)
        self.ending(fate, replied)

    def supervise_before(self, until: dt.datetime) -> None:
        if self.t + HOUR < until:
            at = self.between(self.t, until, 30 * MINUTE, 2 * DAY)
            self.add(at, "supervise", note=self.rng.choice(texts.SUPERVISION_NOTES))

    def by_the_unit(self, fate: _Fate, resolve_due: dt.datetime) -> dt.datetime:
        """自办: start, then reply (late, or after an extension, when the fate says so)."""
        rng = self.rng
        self.add(self.between(self.t, resolve_due, 5 * MINUTE, 2 * HOUR), "start")
        low, high = self.span()
        if fate.extension:
            policy = self.policy
            asked = rng.randint(1, max(1, policy.max_extension))
            request_by = resolve_due - DAY
            self.add(
                self.between(self.t, request_by, DAY, 3 * DAY),
                "request_extension",
                amount=asked,
                reason=rng.choice(texts.EXTENSION_REASONS),
            )
            approve = rng.random() < 0.85
            self.add(
                self.between(self.t, resolve_due, 2 * HOUR, 20 * HOUR),
                "decide_extension",
                approve=approve,
                note=texts.EXTENSION_DECISIONS[0 if approve else 1],
            )
            if approve:
                extended = self.clock.due(resolve_due, asked, policy.extension_unit)
                begin = max(self.t, resolve_due)
                return self.add(self.between(begin, extended, 2 * HOUR, 2 * DAY), "reply")
            return self.add(self.between(self.t, resolve_due, HOUR, DAY), "reply")
        if fate.late_reply:
            escalated = sweep_time(resolve_due)
            due = self.due(escalated, "resolve")
            if fate.supervised:
                self.t = escalated
                self.supervise_before(due - DAY)
            return self.add(self.between(max(self.t, escalated), due, 4 * HOUR, 3 * DAY), "reply")
        if fate.supervised:
            self.supervise_before(resolve_due - 2 * DAY)
        return self.add(self.between(self.t, resolve_due, low, high), "reply")

    def whistle(self, fate: _Fate, resolve_due: dt.datetime) -> dt.datetime:
        """吹哨: one lead (and assists) report and complete; a returned lead is replaced by
        another department or the unit handles the case itself."""
        rng, plan = self.rng, self.plan
        urgent = plan.urgency == Urgency.URGENT
        lead = fate.leads[0]
        if fate.supervised:
            self.supervise_before(min(resolve_due - 2 * DAY, self.t + 6 * HOUR))
        dispatched = self.add(
            self.between(self.t, resolve_due, 10 * MINUTE, HOUR if urgent else 3 * HOUR),
            "dispatch",
            lead=lead,
            assists=list(fate.assists),
            instructions=rng.choice(texts.INSTRUCTIONS),
        )
        report_due = self.due(dispatched, "report")
        if fate.returned:
            returned = self.between(self.t, report_due, HOUR, 0.6 * (report_due - self.t))
            self.add(returned, "return", department=lead, reason=rng.choice(texts.RETURN_REASONS))
            others = [key for key in fate.leads[1:] if key != lead]
            if others and rng.random() < 0.6:
                lead = others[0]
                dispatched = self.add(
                    self.between(self.t, resolve_due, HOUR, 4 * HOUR),
                    "dispatch",
                    lead=lead,
                    assists=[],
                    instructions=rng.choice(texts.INSTRUCTIONS),
                )
                report_due = self.due(dispatched, "report")
                return self.departments_work(dispatched, report_due, resolve_due, [lead], fate)
            self.add(self.between(self.t, resolve_due, 30 * MINUTE, 3 * HOUR), "start")
            low, high = self.span()
            return self.add(self.between(self.t, resolve_due, low, high), "reply")
        return self.departments_work(
            dispatched, report_due, resolve_due, [lead, *fate.assists], fate
        )

    def departments_work(
        self,
        dispatched: dt.datetime,
        report_due: dt.datetime,
        resolve_due: dt.datetime,
        departments: list[str],
        fate: _Fate,
    ) -> dt.datetime:
        rng = self.rng
        urgent = self.plan.urgency == Urgency.URGENT
        window = report_due - dispatched
        steps: list[tuple[dt.datetime, str, str]] = []
        for index, key in enumerate(departments):
            if index == 0 and fate.late_report:
                # Reported after the sweep escalated the missed report, inside the new window.
                escalated = sweep_time(report_due)
                reported = escalated + window * (0.2 + 0.5 * rng.random())
            else:
                reported = self.between(dispatched, report_due, 10 * MINUTE, 0.6 * window)
            complete_due = min(self.due(reported, "complete"), resolve_due - DAY / 2)
            if self.plan.track == Track.FORMAL:
                completed = self.between(reported, complete_due, 2 * DAY, 20 * DAY)
            elif urgent:
                completed = self.between(reported, complete_due, HOUR, 16 * HOUR)
            else:
                completed = self.between(reported, complete_due, 2 * HOUR, 4 * DAY)
            steps.append((reported, "report", key))
            steps.append((completed, "complete", key))
        for at, kind, key in sorted(steps):
            if kind == "report":
                self.add(at, "report", department=key)
            else:
                self.add(at, "complete", department=key, note=rng.choice(texts.COMPLETION_NOTES))
        return self.add(
            self.between(self.t, resolve_due, 30 * MINUTE, 4 * HOUR if urgent else DAY), "reply"
        )

    def ending(self, fate: _Fate, replied: dt.datetime) -> None:
        """回访 and the rating of the departments; an unsatisfied petitioner or a 复查 sends
        the case round again."""
        rng, policy = self.rng, self.policy
        close_due = replied + dt.timedelta(days=policy.close_after_reply_days)
        if fate.unsatisfied:
            evaluated = self.add(
                self.between(self.t, close_due, DAY, 3 * DAY),
                "evaluate",
                satisfaction=Satisfaction.UNSATISFIED,
                note=rng.choice(texts.UNSATISFIED_NOTES),
            )
            resolve_due = self.due(evaluated, "resolve")
            self.add(self.between(self.t, resolve_due, HOUR, 5 * HOUR), "start")
            again = self.add(self.between(self.t, resolve_due, DAY, 4 * DAY), "reply")
            self.ending(_Fate(whistle=fate.whistle, reopen=fate.reopen), again)
            return
        ratings = [_weighted(rng, ((5, 60), (4, 30), (3, 8), (2, 2))) for _index in range(3)]
        if fate.ending == "auto_close":
            closed = self.add(sweep_time(close_due), "sweep_close")
        elif fate.ending == "staff_close":
            closed = self.add(
                self.between(self.t, close_due, DAY, 3 * DAY),
                "close",
                reason=texts.CLOSE_REASONS[0],
            )
        else:
            satisfaction = _weighted(
                rng, ((Satisfaction.SATISFIED, 85), (Satisfaction.BASICALLY_SATISFIED, 15))
            )
            closed = self.add(
                self.between(self.t, close_due, 2 * HOUR, 3 * DAY),
                "evaluate",
                satisfaction=satisfaction,
                note=rng.choice(texts.EVALUATION_NOTES),
            )
        if fate.whistle and fate.ending != "auto_close":
            # Rated when the case closes (the same moment: the rating is part of closing).
            self.plan.steps.append(Step(closed, "rate", {"ratings": ratings}))
        if fate.reopen:
            reopened = self.add(
                closed + dt.timedelta(days=3 + 22 * rng.random()),
                "reopen",
                reason=rng.choice(texts.REOPEN_REASONS),
            )
            resolve_due = self.due(reopened, "resolve")
            self.add(self.between(self.t, resolve_due, HOUR, 5 * HOUR), "start")
            again = self.add(self.between(self.t, resolve_due, DAY, 4 * DAY), "reply")
            self.ending(_Fate(), again)


class _Planner:
    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.now = world.now
        self.rng = random.Random(seed)  # noqa: S311 - demo data
        self.clock = Clock(world.calendar)
        self.used_people: set[str] = set()
        self.plans: list[PetitionPlan] = []

    def policy_for(self, plan: PetitionPlan) -> DeadlinePolicy:
        return self.world.policies[(plan.track, plan.category, plan.urgency)]

    # Who and where ------------------------------------------------------------------------

    def petitioner(self, household: HouseholdInfo) -> int | None:
        """A resident of the household who has not petitioned yet (so that only the planned
        repeats are repeats)."""
        for person in self.rng.sample(household.people, len(household.people)):
            key = self.world.phone_keys[person]
            if key not in self.used_people:
                self.used_people.add(key)
                return person
        return None

    def household(self, community: CommunityInfo) -> HouseholdInfo:
        return self.rng.choice(community.households)

    def case(self, community: CommunityInfo, category: str | None = None) -> CaseText:
        rng = self.rng
        cases = [case for case in texts.CASES if case.rural == community.rural]
        if community.rural and rng.random() < 0.3:
            cases = [case for case in texts.CASES if not case.rural]
        if category is not None:
            cases = [case for case in cases if case.category == category] or cases
        return rng.choice(cases)

    def moment(self) -> dt.datetime:
        """A moment of the last DAYS days, weekdays busier, in the day's waking hours."""
        rng = self.rng
        while True:
            day = timezone.localdate(self.now) - dt.timedelta(days=rng.randrange(1, DAYS))
            if day.weekday() < 5 or rng.random() < 0.35:
                break
        minutes = 7 * 60 + 30 + rng.randrange(12 * 60)
        start = dt.datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())
        return start + dt.timedelta(minutes=minutes, seconds=rng.randrange(60))

    def new_plan(
        self,
        community: CommunityInfo,
        *,
        at: dt.datetime,
        case: CaseText | None = None,
        household: HouseholdInfo | None = None,
        channel: str | None = None,
        creator: int | None = None,
        petitioner: int | None = None,
        anonymous: bool | None = None,
    ) -> tuple[PetitionPlan, CaseText]:
        rng = self.rng
        case = case or self.case(community)
        household = household or self.household(community)
        if channel is None:
            if case.category == Category.SUGGESTION:
                channel = _weighted(rng, ((Channel.SUGGESTION, 60), (Channel.ONLINE, 40)))
            else:
                channel = _weighted(
                    rng,
                    (
                        (Channel.WALK_IN, 30),
                        (Channel.PHONE, 30),
                        (Channel.GRID_REPORT, 25),
                        (Channel.ONLINE, 15),
                    ),
                )
        grid_account = community.grid_accounts.get(household.grid)
        if creator is None:
            creator = (
                grid_account
                if channel == Channel.GRID_REPORT and grid_account
                else community.worker
            )
        if anonymous is None:
            anonymous = petitioner is None and rng.random() < 0.12
        if not anonymous and petitioner is None:
            petitioner = self.petitioner(household)
            anonymous = petitioner is None
        contact_phone = ""
        if anonymous and rng.random() < 0.5:
            contact_phone = ANONYMOUS_PREFIX + f"{rng.randrange(10**8):08d}"
        urgency = Urgency.NORMAL
        if (case.category == Category.SAFETY_HAZARD and rng.random() < 0.25) or (
            case.category not in (Category.SUGGESTION,) and rng.random() < 0.02
        ):
            urgency = Urgency.URGENT
        track = Track.ORDINARY
        if (
            urgency == Urgency.NORMAL
            and case.category in (Category.DISPUTE, Category.PROPERTY, Category.PUBLIC_SERVICE)
            and channel in (Channel.WALK_IN, Channel.ONLINE)
            and rng.random() < 0.12
        ):
            track = Track.FORMAL
        complexity: tuple[str, ...] = ()
        if case.category in (Category.DISPUTE, Category.PROPERTY) and rng.random() < 0.08:
            complexity = rng.choice(texts.COMPLEX_TAGS)
        place = household.place
        plan = PetitionPlan(
            community=community.pk,
            created_at=at,
            creator=creator,
            channel=channel,
            category=case.category,
            title=case.title.format(place=place)[:120],
            description=case.description.format(place=place),
            location=household.location,
            address=household.address if not anonymous else place,
            urgency=urgency,
            track=track,
            grid=household.grid,
            petitioner=None if anonymous else petitioner,
            is_anonymous=anonymous,
            contact_phone=contact_phone,
            complexity=complexity,
            reply=case.reply,
        )
        return plan, case

    def fate(self, plan: PetitionPlan, community: CommunityInfo, case: CaseText) -> _Fate:
        rng = self.rng
        leads = tuple(key for key in case.leads if key in community.departments)
        assists = tuple(
            key for key in case.assists if key in community.departments and key not in leads[:1]
        )
        if rng.random() < 0.04 and plan.category != Category.SUGGESTION:
            return _Fate(reject=True)
        fate = _Fate()
        fate.whistle = bool(leads) and rng.random() < 0.7
        if fate.whistle:
            fate.leads = leads
            fate.assists = assists if rng.random() < 0.5 else ()
            others = [key for key in community.departments if key not in leads]
            if others:
                fate.leads = (*leads, rng.choice(sorted(others)))
            roll = rng.random()
            fate.returned = roll < 0.07 and not fate.assists
            fate.late_report = 0.07 <= roll < 0.10
        else:
            roll = rng.random()
            fate.extension = roll < 0.04 and self.policy_for(plan).max_extension > 0
            fate.late_reply = 0.04 <= roll < 0.06
        roll = rng.random()
        fate.late_accept = 1 if roll < 0.02 else 2 if roll < 0.027 else 0
        if fate.late_accept:
            fate.late_report = fate.late_reply = False  # one late stage per case is enough
        fate.supervised = rng.random() < (0.5 if fate.late_accept or fate.late_reply else 0.03)
        roll = rng.random()
        fate.unsatisfied = roll < 0.02
        fate.reopen = 0.02 <= roll < 0.03
        fate.ending = _weighted(rng, (("evaluate", 88), ("auto_close", 9), ("staff_close", 3)))
        if plan.urgency == Urgency.URGENT:
            fate.extension = fate.late_reply = False
        return fate

    def finish(self, plan: PetitionPlan, fate: _Fate | None, story: str) -> PetitionPlan:
        if fate is not None:
            plan.escalates = fate.escalates
            _Script(self, plan).write(fate)
        plan.story = story
        plan.steps = [step for step in plan.steps if step.at <= self.now]
        self.plans.append(plan)
        return plan

    # The kinds of petitions -----------------------------------------------------------------

    def run(self) -> list[PetitionPlan]:
        self.journey()
        self.overdue_now()
        self.from_visits()
        self.repeats()
        communities = self.world.communities
        weights = [community.weight for community in communities]
        while len(self.plans) < TOTAL:
            community = self.rng.choices(communities, weights=weights)[0]
            plan, case = self.new_plan(community, at=self.moment())
            self.finish(plan, self.fate(plan, community, case), "random")
        cutoff = self.now - dt.timedelta(days=SERVICE_DAYS)
        for plan in self.plans:
            plan.bulk = (
                not plan.escalates
                and plan.story in ("random", "visit", "repeat")
                and plan.created_at < cutoff
                and plan.ends_at < self.now - DAY
                and plan.steps[-1].kind in ("reject", "evaluate", "close", "sweep_close", "rate")
            )
        # A repeat is found among the petitions intake can see: a group is written one way.
        groups: dict[int, list[PetitionPlan]] = {}
        for plan in self.plans:
            if plan.repeat_group is not None:
                groups.setdefault(plan.repeat_group, []).append(plan)
        for members in groups.values():
            together = all(member.bulk for member in members)
            for member in members:
                member.bulk = together
        return sorted(self.plans, key=lambda plan: plan.created_at)

    def from_visits(self) -> None:
        """Hazards found on visits become petitions logged by the visitor (网格上报)."""
        visits = self.world.visits
        step = max(1, len(visits) // VISIT_PETITIONS)
        by_pk = {community.pk: community for community in self.world.communities}
        for visit in visits[::step][:VISIT_PETITIONS]:
            community = by_pk[visit.community]
            household = next(
                (item for item in community.households if item.pk == visit.household),
                None,
            ) or next(
                (item for item in community.households if item.grid == visit.grid),
                # A round of a grid without homes (a mall, a school): the community's matter.
                HouseholdInfo(0, visit.grid, community.pk, community.name, community.name, ()),
            )
            at = visit.visited_at + dt.timedelta(minutes=5 + self.rng.randrange(40))
            if at >= self.now:
                continue
            case = CaseText(
                Category.SAFETY_HAZARD,
                f"{household.place}：{visit.notes}"[:60],
                visit.notes,
                texts.HAZARD_REPLY,
                leads=texts.HAZARD_LEADS,
            )
            plan, case = self.new_plan(
                community,
                at=at,
                case=case,
                household=household,
                channel=Channel.GRID_REPORT,
                creator=visit.visitor,
                anonymous=True,
            )
            plan.source_visit = visit.pk
            plan.grid = visit.grid
            plan.urgency = Urgency.NORMAL
            plan.track = Track.ORDINARY
            plan.contact_phone = ""
            plan.description = f"{visit.notes}（网格员走访发现）"
            fate = self.fate(plan, community, case)
            fate.reject = False  # a hazard the grid worker saw is always taken up
            self.finish(plan, fate, "visit")

    def repeats(self) -> None:
        """The same petitioner and category again within 90 days (重复件)."""
        rng = self.rng
        communities = [item for item in self.world.communities if item.households]
        for group in range(REPEAT_GROUPS):
            community = rng.choice(communities)
            household = self.household(community)
            petitioner = self.petitioner(household)
            if petitioner is None:
                continue
            case = self.case(community)
            at = self.moment()
            for number in range(3 if rng.random() < 0.3 else 2):
                if at >= self.now - HOUR:
                    break
                plan, case = self.new_plan(
                    community,
                    at=at,
                    case=case,
                    household=household,
                    petitioner=petitioner,
                    anonymous=False,
                )
                if number:
                    plan.description = "再次反映：" + plan.description
                plan.repeat_group = group
                self.finish(plan, self.fate(plan, community, case), "repeat")
                at += dt.timedelta(days=7 + rng.randrange(50))

    def journey(self) -> None:
        """光明社区's cases at every stage, so each demo account finds work at the first login:
        ``worker`` accepts, whistles, replies and evaluates; ``handler`` (城管局) reports and
        completes; ``official`` decides an extension, acts on an escalated case, supervises."""
        world, now = self.world, self.now
        community = world.community(world.journey_community)
        grid = world.journey_grid_worker
        grid_homes = [
            item for item in community.households if community.grid_accounts.get(item.grid) == grid
        ] or community.households
        cases = {case.title: case for case in texts.CASES}

        def plan_for(
            title: str, ago: dt.timedelta, *, channel: str = Channel.WALK_IN, by_grid: bool = False
        ) -> PetitionPlan:
            home = self.rng.choice(grid_homes if by_grid else community.households)
            plan, _case = self.new_plan(
                community,
                at=now - ago,
                case=cases[title],
                household=home,
                channel=channel,
                creator=grid if by_grid and grid else community.worker,
                anonymous=False,
            )
            plan.urgency, plan.track, plan.complexity = Urgency.NORMAL, Track.ORDINARY, ()
            plan.steps.append(Step(plan.created_at, "create"))
            return plan

        def steps(plan: PetitionPlan, *items: tuple[dt.timedelta, str, dict[str, Any]]) -> None:
            for ago, kind, params in items:
                plan.steps.append(Step(now - ago, kind, params))
            self.finish(plan, None, "journey")

        whistle = {"lead": "chengguan", "assists": [], "instructions": texts.INSTRUCTIONS[0]}
        done = {"department": "chengguan", "note": texts.COMPLETION_NOTES[0]}
        chengguan = {"department": "chengguan"}
        steps(plan_for("{place}垃圾清运不及时", 50 * MINUTE))
        steps(
            plan_for(
                "{place}楼道内电动自行车充电",
                2 * HOUR + 40 * MINUTE,
                channel=Channel.GRID_REPORT,
                by_grid=True,
            )
        )
        steps(plan_for("{place}电梯频繁故障", 6 * HOUR), (5 * HOUR + 30 * MINUTE, "accept", {}))
        steps(
            plan_for("{place}路灯损坏", 9 * HOUR, channel=Channel.PHONE),
            (8 * HOUR + 30 * MINUTE, "accept", {}),
            (3 * HOUR, "dispatch", whistle),
        )
        steps(
            plan_for("临街餐馆油烟扰民", 11 * HOUR),
            (10 * HOUR + 40 * MINUTE, "accept", {}),
            (90 * MINUTE, "dispatch", {**whistle, "assists": ["shijian"]}),
        )
        steps(
            plan_for("{place}窨井盖缺失", 2 * DAY + 3 * HOUR, channel=Channel.PHONE),
            (2 * DAY + 2 * HOUR + 30 * MINUTE, "accept", {}),
            (2 * DAY + 2 * HOUR, "dispatch", whistle),
            (DAY + 4 * HOUR, "report", chengguan),
        )
        steps(
            plan_for("{place}绿化带内堆放建筑垃圾", 3 * DAY + 5 * HOUR),
            (3 * DAY + 4 * HOUR + 40 * MINUTE, "accept", {}),
            (3 * DAY + 3 * HOUR + 40 * MINUTE, "dispatch", whistle),
            (2 * DAY + 23 * HOUR + 40 * MINUTE, "report", chengguan),
            (5 * HOUR, "complete", done),
        )
        steps(
            plan_for("{place}单元门禁损坏", 4 * DAY),
            (4 * DAY - HOUR, "accept", {}),
            (4 * DAY - 70 * MINUTE, "start", {}),
            (DAY, "reply", {"reply": cases["{place}单元门禁损坏"].reply}),
        )
        steps(
            plan_for("{place}垃圾清运不及时", 5 * DAY, channel=Channel.ONLINE),
            (5 * DAY - 30 * MINUTE, "accept", {}),
            (5 * DAY - HOUR, "dispatch", whistle),
            (5 * DAY - 4 * HOUR, "report", chengguan),
            (DAY, "complete", done),
            (3 * HOUR, "reply", {"reply": cases["{place}垃圾清运不及时"].reply}),
        )
        steps(
            plan_for("{place}屋顶漏水无人维修", 6 * DAY),
            (6 * DAY - HOUR, "accept", {}),
            (6 * DAY - 90 * MINUTE, "start", {}),
            (5 * HOUR, "request_extension", {"amount": 3, "reason": texts.EXTENSION_REASONS[1]}),
        )
        steps(
            plan_for("{place}楼上漏水引发邻里纠纷", 3 * DAY),
            (3 * DAY - HOUR, "accept", {}),
            (3 * DAY - 2 * HOUR, "start", {}),
            (2 * HOUR, "supervise", {"note": texts.SUPERVISION_NOTES[0]}),
        )
        # 和平社区: not accepted in time, escalated to 东城街道, which has yet to accept it.
        heping = world.community("和平社区")
        found = self.escalated_once_at()
        if found is not None:
            created, track = found
            plan, _case = self.new_plan(
                heping,
                at=created,
                case=cases["{place}物业撤场后无人管理"],
                channel=Channel.WALK_IN,
                anonymous=False,
            )
            plan.urgency, plan.track = Urgency.NORMAL, track
            plan.steps.append(Step(created, "create"))
            self.finish(plan, None, "journey")

    def escalated_once_at(self) -> tuple[dt.datetime, str] | None:
        """When (and on which track) a petition must have been logged to be escalated once, a
        while ago, and still be waiting at the street now, its second deadline still ahead
        (the search walks back an hour at a time). An ordinary case's deadline is one working
        day, which ends at midnight: in the hours after a midnight (and over a weekend) no
        ordinary case can have been escalated before the seeding's last sweep and still be
        waiting, so the case is then a formal 信访 one (15 days to decide acceptance)."""
        cutoff = self.now - SWEEP_PAUSE
        for track, search in (
            (Track.ORDINARY, range(20, 24 * 12)),
            (Track.FORMAL, range(24 * 16, 24 * 29)),
        ):
            policy = self.world.policies[(track, Category.PROPERTY, Urgency.NORMAL)]
            for hours in search:
                created = (self.now - dt.timedelta(hours=hours)).replace(minute=17, second=0)
                escalated = sweep_time(
                    self.clock.due(created, policy.accept_within, policy.accept_unit)
                )
                if escalated > cutoff - HOUR:
                    continue
                again = self.clock.due(escalated, policy.accept_within, policy.accept_unit)
                if again > self.now:
                    return created, track
                break
        return None

    def overdue_now(self) -> None:
        """Deadlines that passed after the seeding's last sweep: red lights until the running
        beat escalates them (an urgent case not yet accepted, two whistles not reported)."""
        now, world = self.now, self.world
        urgent, _case = self.new_plan(
            world.community("建设社区"),
            at=now - 2 * HOUR - 50 * MINUTE,
            case=next(case for case in texts.CASES if case.title == "{place}燃气管道老化"),
            channel=Channel.PHONE,
        )
        urgent.urgency, urgent.track = Urgency.URGENT, Track.ORDINARY
        urgent.steps.append(Step(urgent.created_at, "create"))
        self.finish(urgent, None, "overdue")
        whistle = {"lead": "chengguan", "assists": [], "instructions": texts.INSTRUCTIONS[2]}
        for name, dispatched_ago in (("和平社区", 25 * HOUR), ("滨河社区", 26 * HOUR)):
            plan, _case = self.new_plan(
                world.community(name),
                at=now - dispatched_ago - 5 * HOUR,
                case=next(case for case in texts.CASES if case.title == "{place}路灯损坏"),
                channel=Channel.PHONE,
            )
            plan.urgency, plan.track = Urgency.NORMAL, Track.ORDINARY
            plan.steps.append(Step(plan.created_at, "create"))
            plan.steps.append(Step(now - dispatched_ago - 4 * HOUR, "accept"))
            plan.steps.append(Step(now - dispatched_ago, "dispatch", whistle))
            self.finish(plan, None, "overdue")


def petitions_plan(world: World, *, seed: int = PETITIONS_SEED) -> list[PetitionPlan]:
    """The demo petitions for ``world`` (deterministic for a given seed, world and ``now``),
    in the order they are logged."""
    return _Planner(world, seed).run()
