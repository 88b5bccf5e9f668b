"""Write the demo petitions: accounts for the units and departments that act on them, then the
plan of ``petitions.demo.plan`` played in time order.

Petitions logged in the last ``SERVICE_DAYS`` days, and every petition whose script lets a
deadline pass (escalations), or that repeats a petition still being written this way, go
through ``petitions.services`` step by step with ``now=`` set to the step's moment, as the
staff of the petition's handling unit at that moment and the handlers of its departments;
between steps the escalation sweep (``petitions.sweep.escalate_overdue``) runs at each minute
a deadline passes, so numbers, events, deadlines, escalations and notifications are the real
ones.

The older petitions whose deadlines all held are written in bulk by ``petitions.demo.bulk``:
the same rows the services write, numbered in the order they were logged among the others.
No sweep would have touched them, so the timeline of the others is unchanged.

All of it is played on the demo's reference clock (``orgchart.demo.REFERENCE_NOW``: the plan,
the services' deadlines on the working-day calendar, the sweep) and then moved to the moment of
seeding by ``petitions.demo.shift``, so the same cases are open, overdue and escalated whenever
the demo is loaded.

Idempotent: when any petition exists the petitions are left as they are (accounts are still
added when missing).
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from governance.errors import ApplicationError
from governance.models import NumberSequence
from grids.demo.plan import community_pinyin
from grids.models import Grid, GridStaff, Household, Resident, Visit
from notifications.models import Notification
from orgchart.demo import DEMO_PASSWORD, REFERENCE_NOW, demo_shift
from orgchart.models import Department, OrgUnit, Person, User
from petitions import rollups, services
from petitions.calendar import WorkingCalendar
from petitions.demo import shift as moving
from petitions.demo import texts
from petitions.demo.bulk import BulkWriter
from petitions.demo.plan import (
    DAYS,
    PETITIONS_SEED,
    SWEEP_PAUSE,
    CommunityInfo,
    HouseholdInfo,
    PetitionPlan,
    Step,
    VisitInfo,
    World,
    petitions_plan,
    sweep_time,
)
from petitions.models import (
    OPEN_DISPATCH_STATUSES,
    RESOLVING_STATUSES,
    Category,
    Dispatch,
    DispatchStatus,
    Escalation,
    Petition,
    PetitionEvent,
    Status,
    Track,
    Urgency,
)
from petitions.sweep import escalate_overdue

logger = logging.getLogger(__name__)

Role = User.Role
BATCH = 1000

# The staff of every unit a petition can be handled at, where the foundation demo has none:
# a community worker per community, an official per street, district and the city.
UNIT_STAFF: dict[str, tuple[str, str]] = {
    "和平社区": ("刘芳", Role.COMMUNITY_WORKER),
    "建设社区": ("杨帆", Role.COMMUNITY_WORKER),
    "新华社区": ("赵红梅", Role.COMMUNITY_WORKER),
    "文化社区": ("黄磊", Role.COMMUNITY_WORKER),
    "友谊社区": ("周静", Role.COMMUNITY_WORKER),
    "湖畔社区": ("吴海燕", Role.COMMUNITY_WORKER),
    "滨河社区": ("徐军", Role.COMMUNITY_WORKER),
    "幸福社区": ("孙悦", Role.COMMUNITY_WORKER),
    "石桥村": ("马国强", Role.COMMUNITY_WORKER),
    "柳树村": ("朱春生", Role.COMMUNITY_WORKER),
    "王家庄村": ("王德福", Role.COMMUNITY_WORKER),
    "西城街道": ("胡志刚", Role.OFFICIAL),
    "南湖街道": ("郭振华", Role.OFFICIAL),
    "青山镇": ("何建平", Role.OFFICIAL),
    "云阳区": ("高明远", Role.OFFICIAL),
    "青山县": ("林国栋", Role.OFFICIAL),
    "云州市": ("罗卫东", Role.OFFICIAL),
}
# Handlers of the departments the foundation demo gives none (it gives 城管局 ``handler``).
HANDLERS: dict[str, tuple[str, str]] = {
    "zhujian": ("handler_zhujian", "梁晓东"),
    "minzheng": ("handler_minzheng", "宋佳"),
    "shijian": ("handler_shijian", "韩冰"),
    "police": ("handler_police", "唐勇"),
    "ziran": ("handler_ziran", "冯建军"),
}
OFFICIAL_NAMES = {
    "西城街道": "xicheng",
    "南湖街道": "nanhu",
    "青山镇": "qingshanzhen",
    "云阳区": "yunyang",
    "青山县": "qingshanxian",
    "云州市": "yunzhou",
}


def unit_staff_username(unit_name: str) -> str:
    """worker_heping for 和平社区, official_xicheng for 西城街道."""
    if unit_name in OFFICIAL_NAMES:
        return f"official_{OFFICIAL_NAMES[unit_name]}"
    return f"worker_{community_pinyin(unit_name)}"


@dataclass
class PetitionsSeedResult:
    created_accounts: int = 0
    created_petitions: int = 0
    created_dispatches: int = 0
    created_escalations: int = 0
    created_events: int = 0
    skipped_steps: int = 0  # steps a service refused (logged; none in the shipped plan)


# --- Accounts ------------------------------------------------------------------------------------


def _create_accounts() -> int:
    """Unit staff and department handlers that are missing (the demo password)."""
    units = {
        unit.name: unit
        for unit in OrgUnit.objects.filter(
            kind__in=[
                OrgUnit.Kind.CITY,
                OrgUnit.Kind.DISTRICT,
                OrgUnit.Kind.STREET,
                OrgUnit.Kind.COMMUNITY,
            ]
        )
    }
    wanted: list[User] = []
    for unit_name, (full_name, role) in UNIT_STAFF.items():
        if unit_name in units:
            wanted.append(
                User(
                    username=unit_staff_username(unit_name),
                    first_name=full_name,
                    role=role,
                    anchor_unit=units[unit_name],
                )
            )
    departments = {department.name: department for department in Department.objects.all()}
    staffed = set(
        User.objects.filter(role=Role.DEPARTMENT_HANDLER).values_list(
            "anchor_department_id", flat=True
        )
    )
    for key, (username, full_name) in HANDLERS.items():
        department = departments.get(texts.DEPARTMENTS[key])
        if department is not None and department.pk not in staffed:
            wanted.append(
                User(
                    username=username,
                    first_name=full_name,
                    role=Role.DEPARTMENT_HANDLER,
                    anchor_department=department,
                )
            )
    known = set(
        User.objects.filter(username__in=[user.username for user in wanted]).values_list(
            "username", flat=True
        )
    )
    missing = [user for user in wanted if user.username not in known]
    if missing:
        password = make_password(DEMO_PASSWORD)
        for user in missing:
            user.password = password
        User.objects.bulk_create(missing)
    return len(missing)


# --- The world the plan reads -------------------------------------------------------------------


def _staff_by_unit() -> dict[int, User]:
    """The account that acts for each unit (DESIGN §5 "unit staff"): the first community
    worker or official anchored there (the foundation demo's ``worker`` and ``official``)."""
    staff: dict[int, User] = {}
    for user in User.objects.filter(
        role__in=(Role.COMMUNITY_WORKER, Role.OFFICIAL), is_active=True, anchor_unit__isnull=False
    ).order_by("pk"):
        assert user.anchor_unit_id is not None  # noqa: S101 - filtered
        staff.setdefault(user.anchor_unit_id, user)
    return staff


def load_world(now: dt.datetime, *, shift: dt.timedelta = dt.timedelta(0)) -> World:
    """What the plan for ``now`` reads from the database: communities with their homes,
    residents, grid workers and serving departments, hazard visits, policies, the calendar.
    The visits were written ``shift`` after their plan (``orgchart.demo.demo_shift``): the
    world has them at their planned moments."""
    staff = _staff_by_unit()
    units = {unit.pk: unit for unit in OrgUnit.objects.all()}
    communities = sorted(
        (unit for unit in units.values() if unit.kind == OrgUnit.Kind.COMMUNITY),
        key=lambda unit: (unit.tree_id, unit.lft),
    )
    departments = list(Department.objects.filter(is_active=True).select_related("jurisdiction"))
    keys = {name: key for key, name in texts.DEPARTMENTS.items()}
    people: dict[int, list[int]] = defaultdict(list)
    for household_id, person_id in Resident.objects.filter(
        moved_out_on__isnull=True, lives_here=True
    ).values_list("household_id", "person_id"):
        people[household_id].append(person_id)
    households: dict[int, list[HouseholdInfo]] = defaultdict(list)
    for pk, community_id, grid_id, building_id, address, compound_id in Household.objects.order_by(
        "pk"
    ).values_list("pk", "community_id", "grid_id", "building_id", "address", "grid__compound_id"):
        if not people[pk]:
            continue
        community = units[community_id]
        if building_id is not None:
            building = units[building_id]
            location = building_id
            place = f"{units[building.parent_id].name}{building.name}"
        elif compound_id is not None:
            location = compound_id
            place = units[compound_id].name
            if community.area_type == OrgUnit.AreaType.RURAL:
                place = f"{community.name}{place}"
        else:
            location, place = community_id, community.name
        households[community_id].append(
            HouseholdInfo(pk, grid_id, location, place, address, tuple(sorted(people[pk])))
        )
    grid_user = User.objects.filter(username="grid").values_list("pk", flat=True).first()
    grid_accounts: dict[int, int] = {}
    for grid_id, account_id, employment in (
        GridStaff.objects.filter(ended_on__isnull=True, account__isnull=False)
        .order_by("grid_id", "pk")
        .values_list("grid_id", "account_id", "employment")
    ):
        # The grid's full-time worker logs its reports; the ``grid`` demo account where it
        # staffs the grid (so its petitions are there at the first login).
        if (
            account_id == grid_user or employment == GridStaff.Employment.FULL_TIME
        ) and grid_accounts.get(grid_id) != grid_user:
            grid_accounts[grid_id] = account_id
    grids_of = defaultdict(list)
    for grid_id, community_id in Grid.objects.values_list("pk", "community_id"):
        grids_of[community_id].append(grid_id)
    world_communities = []
    for unit in communities:
        worker = staff.get(unit.pk)
        if worker is None or not households[unit.pk]:
            continue
        serving = {
            keys[department.name]: department.pk
            for department in departments
            if department.name in keys
            and department.jurisdiction.tree_id == unit.tree_id
            and department.jurisdiction.lft <= unit.lft <= department.jurisdiction.rght
        }
        world_communities.append(
            CommunityInfo(
                pk=unit.pk,
                name=unit.name,
                rural=unit.area_type == OrgUnit.AreaType.RURAL,
                weight=float(len(households[unit.pk])),
                households=households[unit.pk],
                departments=serving,
                worker=worker.pk,
                grid_accounts={
                    grid: grid_accounts[grid] for grid in grids_of[unit.pk] if grid in grid_accounts
                },
            )
        )
    phone_keys = {
        pk: mobile_hash or f"person:{pk}"
        for pk, mobile_hash in Person.objects.values_list("pk", "mobile_hash")
    }
    start = now - dt.timedelta(days=DAYS)
    visits = [
        VisitInfo(pk, community, grid, household, visitor, visited_at - shift, notes)
        for pk, community, grid, household, visitor, visited_at, notes in Visit.objects.filter(
            hazard_found=True,
            visited_at__gte=start + shift,
            visited_at__lt=now + shift,
            visitor__role__in=(Role.GRID_WORKER, Role.COMMUNITY_WORKER),
            petition__isnull=True,
        )
        .order_by("visited_at", "pk")
        .values_list(
            "pk",
            "grid__community_id",
            "grid_id",
            "household_id",
            "visitor_id",
            "visited_at",
            "notes",
        )
    ]
    policies = {
        (track, category, urgency): services.deadline_policy_for(
            track=track, category=category, urgency=urgency
        )
        for track in Track.values
        for category in Category.values
        for urgency in Urgency.values
    }
    today = timezone.localdate(now)
    calendar = WorkingCalendar.load(
        today - dt.timedelta(days=DAYS + 10), today + dt.timedelta(days=400)
    )
    return World(
        now=now,
        communities=world_communities,
        phone_keys=phone_keys,
        visits=visits,
        policies=policies,
        calendar=calendar,
        journey_grid_worker=grid_user,
    )


# --- Playing the plan ----------------------------------------------------------------------------


class _NoActor(Exception):
    """Nobody may take the planned step (the plan and the world disagree)."""


@dataclass
class _Run:
    plan: PetitionPlan
    next_step: int = 0
    petition_id: int | None = None
    number: str = ""


class _Seeder:
    def __init__(self, now: dt.datetime, seed: int, shift: dt.timedelta) -> None:
        self.now = now  # the plan's: the reference clock
        self.shift = shift  # from there to the moment of seeding
        self.seed = seed
        self.result = PetitionsSeedResult()
        self.units: dict[int, OrgUnit] = {}
        self.staff: dict[int, User] = {}
        self.users: dict[int, User] = {}
        self.departments: dict[str, Department] = {}
        self.handlers: dict[str, User] = {}
        self.counter: dict[int, int] = {}
        self.counter_written: dict[int, int] = {}
        self.people: dict[int, Person] = {}
        self.grids: dict[int, Grid] = {}
        self.visits: dict[int, Visit] = {}
        self.runs: list[_Run] = []
        self.cutoff = now - SWEEP_PAUSE
        self.dues: list[tuple[dt.datetime, int]] = []  # (deadline, petition), a heap
        self.tracked: dict[int, set[dt.datetime]] = defaultdict(set)

    def run(self) -> PetitionsSeedResult:
        self.result.created_accounts = _create_accounts()
        if Petition.objects.exists():
            return self.result
        self.staff = _staff_by_unit()
        marks = moving.Marks.take()
        world = load_world(self.now, shift=self.shift)
        plans = petitions_plan(world, seed=self.seed)
        self.prepare(plans)
        self.play(plans)
        self.write_bulk([run for run in self.runs if run.plan.bulk])
        self.write_counter()
        # Messages older than two days have been read (an inbox is not six months unread).
        Notification.objects.filter(
            read_at__isnull=True, created_at__lt=self.now - dt.timedelta(days=2)
        ).update(read_at=F("created_at") + dt.timedelta(hours=3))
        moving.move_to_now(shift=self.shift, marks=marks)
        # No petition existed before, so every dispatch, escalation and event is new.
        self.result.created_petitions = len(plans)
        self.result.created_dispatches = Dispatch.objects.count()
        self.result.created_escalations = Escalation.objects.count()
        self.result.created_events = PetitionEvent.objects.count()
        return self.result

    def prepare(self, plans: list[PetitionPlan]) -> None:
        self.units = OrgUnit.objects.in_bulk()
        self.users = User.objects.in_bulk()
        self.departments = {
            key: department
            for department in Department.objects.filter(name__in=texts.DEPARTMENTS.values())
            for key, name in texts.DEPARTMENTS.items()
            if department.name == name
        }
        for user in self.users.values():
            if user.role == Role.DEPARTMENT_HANDLER and user.is_active:
                for key, department in self.departments.items():
                    if user.anchor_department_id == department.pk:
                        self.handlers.setdefault(key, user)
        # The services take the users they act for: the same objects every time, so each
        # keeps its access scope cached.
        self.staff = {unit: self.users[user.pk] for unit, user in self.staff.items()}
        service = [plan for plan in plans if not plan.bulk]
        self.people = Person.objects.in_bulk([p.petitioner for p in service if p.petitioner])
        self.grids = Grid.objects.in_bulk([p.grid for p in service if p.grid])
        self.visits = Visit.objects.select_related("grid").in_bulk(
            [p.source_visit for p in service if p.source_visit]
        )
        self.counter = dict(
            NumberSequence.objects.filter(name="petition").values_list("year", "last")
        )
        self.counter_written = dict(self.counter)
        self.runs = [_Run(plan) for plan in plans]

    # The timeline ---------------------------------------------------------------------------

    def play(self, plans: list[PetitionPlan]) -> None:
        queue: list[tuple[dt.datetime, int, int]] = []
        order = 0
        for index, run in enumerate(self.runs):
            heapq.heappush(queue, (run.plan.created_at, order, index))
            order += 1
        while queue:
            at, _order, index = heapq.heappop(queue)
            self.sweep_until(at)
            run = self.runs[index]
            step = run.plan.steps[run.next_step]
            if run.plan.bulk:
                self.number_in_bulk(run)
                continue
            if not self.perform(run, step):
                continue
            run.next_step += 1
            assert run.petition_id is not None  # noqa: S101 - logged by the first step
            self.track(run.petition_id)
            if run.next_step < len(run.plan.steps):
                heapq.heappush(queue, (run.plan.steps[run.next_step].at, order, index))
                order += 1
        self.sweep_until(self.cutoff + dt.timedelta(minutes=1))

    def track(self, petition_id: int) -> set[dt.datetime]:
        """Put the petition's running deadlines (its own, its open dispatches') on the list
        of moments the sweep must run at; returns them."""
        status, accept, resolve, close = (
            Petition.objects.filter(pk=petition_id)
            .values_list("status", "accept_due_at", "resolve_due_at", "close_due_at")
            .get()
        )
        by_status: dict[str, dt.datetime | None] = {
            Status.SUBMITTED: accept,
            Status.REPLIED: close,
            **dict.fromkeys(RESOLVING_STATUSES, resolve),
        }
        running = by_status.get(status)
        dues = {running} if running is not None else set()
        for dispatch_status, report, complete in Dispatch.objects.filter(
            petition_id=petition_id, status__in=OPEN_DISPATCH_STATUSES
        ).values_list("status", "report_due_at", "complete_due_at"):
            due = report if dispatch_status == DispatchStatus.PENDING else complete
            if due is not None:
                dues.add(due)
        for due in dues - self.tracked[petition_id]:
            heapq.heappush(self.dues, (due, petition_id))
        self.tracked[petition_id] = dues
        return dues

    def sweep_until(self, moment: dt.datetime) -> None:
        """Run the sweep at each minute a deadline passed before ``moment`` (the beat runs
        every minute), up to the seeding's last sweep. A deadline that a step has cleared or
        moved since it was listed is passed over."""
        while self.dues:
            due, petition_id = self.dues[0]
            if due > self.cutoff or sweep_time(due) > moment:
                return
            heapq.heappop(self.dues)
            if due not in self.track(petition_id):
                continue
            escalate_overdue(now=sweep_time(due))
            self.track(petition_id)

    # Steps through the services -------------------------------------------------------------

    def perform(self, run: _Run, step: Step) -> bool:
        try:
            with transaction.atomic():
                self.perform_step(run, step)
        except (ApplicationError, _NoActor) as error:
            # The petition stays as the services left it (consistent), without its later steps.
            self.result.skipped_steps += 1
            logger.warning(
                "demo petition %s: %s at %s refused: %s",
                run.number or run.plan.title,
                step.kind,
                step.at.isoformat(),
                error,
            )
            return False
        return True

    def perform_step(self, run: _Run, step: Step) -> None:
        plan, at, params = run.plan, step.at, step.params
        if step.kind == "create":
            self.sync_counter(at)
            petition = services.petition_create(
                actor=self.users[plan.creator],
                location=self.units[plan.location],
                channel=plan.channel,
                category=plan.category,
                title=plan.title,
                description=plan.description,
                urgency=plan.urgency,
                track=plan.track,
                grid=self.grids[plan.grid] if plan.grid and not plan.source_visit else None,
                source_visit=self.visits[plan.source_visit] if plan.source_visit else None,
                petitioner=self.people[plan.petitioner] if plan.petitioner else None,
                is_anonymous=plan.is_anonymous,
                contact_phone=plan.contact_phone,
                address=plan.address,
                complexity=plan.complexity,
                now=at,
            )
            run.petition_id, run.number = petition.pk, petition.number
            year, last = petition.number.split("-")
            self.counter[int(year)] = self.counter_written[int(year)] = int(last)
            return
        assert run.petition_id is not None  # noqa: S101 - the first step logged it
        petition = Petition.objects.select_related("handling_unit").get(pk=run.petition_id)
        unit = petition.handling_unit
        staff = self.staff.get(unit.pk)
        above = self.staff.get(unit.parent_id) if unit.parent_id else None
        if step.kind in ("report", "return", "complete"):
            self.department_step(petition, step)
            return
        if step.kind == "sweep_close":
            return  # the sweep closes it
        if step.kind in ("supervise", "decide_extension"):
            if above is None or above.role != Role.OFFICIAL:
                return  # escalated to the root: nobody above supervises (a no-op step)
            if step.kind == "supervise":
                services.petition_supervise(
                    actor=above, petition=petition, note=params["note"], now=at
                )
            else:
                services.petition_decide_extension(
                    actor=above,
                    petition=petition,
                    approve=params["approve"],
                    note=params["note"],
                    now=at,
                )
            return
        if staff is None:
            raise _NoActor(f"nobody acts for {unit.name}")
        if step.kind == "accept":
            services.petition_accept(actor=staff, petition=petition, now=at)
        elif step.kind == "reject":
            services.petition_reject(
                actor=staff, petition=petition, reason=params["reason"], now=at
            )
        elif step.kind == "start":
            services.petition_start(actor=staff, petition=petition, now=at)
        elif step.kind == "dispatch":
            services.petition_dispatch(
                actor=staff,
                petition=petition,
                lead=self.departments[params["lead"]] if params.get("lead") else None,
                assists=[self.departments[key] for key in params.get("assists", [])],
                instructions=params.get("instructions", ""),
                now=at,
            )
        elif step.kind == "reply":
            services.petition_reply(
                actor=staff, petition=petition, reply=params.get("reply") or plan.reply, now=at
            )
        elif step.kind == "evaluate":
            services.petition_evaluate(
                actor=staff,
                petition=petition,
                satisfaction=params["satisfaction"],
                note=params.get("note", ""),
                now=at,
            )
        elif step.kind == "close":
            services.petition_close(actor=staff, petition=petition, reason=params["reason"], now=at)
        elif step.kind == "reopen":
            services.petition_reopen(
                actor=staff, petition=petition, reason=params["reason"], now=at
            )
        elif step.kind == "request_extension":
            services.petition_request_extension(
                actor=staff,
                petition=petition,
                amount=params["amount"],
                reason=params["reason"],
                now=at,
            )
        elif step.kind == "rate":
            rateable = Dispatch.objects.filter(
                petition=petition,
                status__in=(DispatchStatus.COMPLETED, DispatchStatus.RETURNED),
                rating__isnull=True,
            ).order_by("pk")
            ratings = params["ratings"]
            for index, dispatch in enumerate(rateable):
                services.dispatch_rate(
                    actor=staff, dispatch=dispatch, rating=ratings[index % len(ratings)], now=at
                )
        else:
            raise ValueError(f"unknown demo step {step.kind!r}")

    def department_step(self, petition: Petition, step: Step) -> None:
        key = step.params["department"]
        handler = self.handlers.get(key)
        dispatch = (
            Dispatch.objects.filter(
                petition=petition,
                department=self.departments[key],
                status__in=OPEN_DISPATCH_STATUSES,
            )
            .order_by("-pk")
            .first()
        )
        if handler is None or dispatch is None:
            raise _NoActor(f"no open dispatch to {key} or no handler")
        if step.kind == "report":
            services.dispatch_report(actor=handler, dispatch=dispatch, now=step.at)
        elif step.kind == "return":
            services.dispatch_return(
                actor=handler, dispatch=dispatch, reason=step.params["reason"], now=step.at
            )
        else:
            services.dispatch_complete(
                actor=handler, dispatch=dispatch, note=step.params["note"], now=step.at
            )

    # Numbers --------------------------------------------------------------------------------

    def number_in_bulk(self, run: _Run) -> None:
        """The next number of the year, as intake would have given it at that moment."""
        year = timezone.localtime(run.plan.created_at).year
        self.counter[year] = self.counter.get(year, 0) + 1
        run.number = f"{year}-{self.counter[year]:06d}"

    def sync_counter(self, at: dt.datetime) -> None:
        """Before intake numbers a petition: the counter holds the bulk numbers given since."""
        year = timezone.localtime(at).year
        if self.counter.get(year, 0) != self.counter_written.get(year, 0):
            self.write_counter()

    def write_counter(self) -> None:
        for year, last in self.counter.items():
            if self.counter_written.get(year) != last:
                NumberSequence.objects.update_or_create(
                    name="petition", year=year, defaults={"last": last}
                )
                self.counter_written[year] = last

    # Bulk -----------------------------------------------------------------------------------

    def write_bulk(self, runs: list[_Run]) -> None:
        writer = BulkWriter(staff=self.staff, departments=self.departments, units=self.units)
        for run in runs:
            writer.add(run.plan, run.number)
        writer.write()


def seed_petitions_demo(
    *, seed: int = PETITIONS_SEED, now: dt.datetime | None = None
) -> PetitionsSeedResult:
    """Create the demo petitions of the six months before ``now`` (and the accounts that act
    on them) unless petitions exist: played on the reference clock, moved to ``now``. Needs
    the org, people and grids demos (seeded for the same ``now``: the hazards their visits
    found become petitions)."""
    seeder = _Seeder(REFERENCE_NOW, seed, demo_shift(now or timezone.now()))
    # The sweep logs every escalation, and the recount below every day it re-keys (the bulk
    # writer bypasses the workflow core, the move changes the days): hundreds of lines that
    # would bury the command's output.
    quiet = {
        logging.getLogger("petitions.sweep"): logging.WARNING,
        logging.getLogger("petitions.rollups"): logging.ERROR,
    }
    levels = {log: log.level for log in quiet}
    for log, level in quiet.items():
        log.setLevel(level)
    try:
        with transaction.atomic():
            result = seeder.run()
            # Count the dashboards' rollups from the rows (this also brings the rollups of an
            # older demo database up to date).
            rollups.recompute()
            return result
    finally:
        for log, level in levels.items():
            log.setLevel(level)
