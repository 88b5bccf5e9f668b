"""Speed figures for petitions and the volunteer boards (``make bench``). Prints, asserts nothing.

Builds a synthetic area in its own database (a temporary SQLite file, or the PostgreSQL
database named by ``DATABASE_URL``, whose name must contain "bench" and which must hold no
petitions yet): a city with ``BENCH_STREETS`` streets of ``BENCH_COMMUNITIES`` communities
(two compounds of two buildings each, a grid, a volunteer team), the default deadline policies
and working-day calendar the migrations create, and, by ``bulk_create``, ``BENCH_PETITIONS``
open petitions (submitted, accepted, in progress, replied; no clock due), ``BENCH_WORK_ORDERS``
work orders and ``BENCH_WISHES`` micro-wishes. ``BENCH_FOCUS`` per cent of the rows go to one
community (the rest spread evenly), so its street official and community worker have deep
lists. Then prints, against the goals of DESIGN §10:

* petition create through ``petitions.services.petition_create``, with and without a contact
  phone (the phone adds the repeat lookup);
* the escalation sweep (``petitions.sweep.escalate_overdue``) with nothing due, and with
  ``BENCH_DUE`` accept deadlines made due: its time, rows escalated per second, its queries
  (in all and per row) and the share of the time spent in the database;
* the list pages as users get them (``django.test.Client``, a logged-in street official and
  community worker: middleware, session, selector, paginator and template) at the first page,
  page ``BENCH_DEEP_PAGE`` and the last page: the petition list, the work-order board (五单)
  and the wish board (微心愿). The petition list is read by cursor (``governance.keyset``):
  the cursor of a deep page, the one a reader who followed "next" that often would hold, is
  found once beforehand (by OFFSET, untimed). With ``BENCH_EXPLAIN=1`` on PostgreSQL, the
  plans (``EXPLAIN ANALYZE``) of the petition list's queries on the first page follow.

Each timed line shows the median and p95 of the wall time over ``BENCH_REPEAT`` runs
(``BENCH_CREATES`` for the creates), the median time spent in SQL statements, and the query
count of a run. ``BENCH_STREETS`` and ``BENCH_COMMUNITIES`` mean what they mean for
``bench.py``, with smaller defaults. The figures include whatever else the machine is doing:
the load average is printed at the start and the end.

    make bench                                            # SQLite, 100,000 petitions, ~3 min
    BENCH_PETITIONS=5000 BENCH_DUE=200 BENCH_WORK_ORDERS=2000 BENCH_WISHES=2000 \\
        .venv/bin/python scripts/bench_petitions.py       # a quick check
    DATABASE_URL=postgres://…/governance_bench BENCH_PETITIONS=1000000 BENCH_DUE=10000 \\
        .venv/bin/python scripts/bench_petitions.py       # the DESIGN §10 scale
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A throwaway VAR_DIR either way (secrets, media, the SQLite file): nothing touches var/.
VAR_DIR = tempfile.mkdtemp(prefix="governance-bench-petitions-")
atexit.register(shutil.rmtree, VAR_DIR, ignore_errors=True)
os.environ["VAR_DIR"] = VAR_DIR
if os.environ.get("DATABASE_URL") and "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
    raise SystemExit("Refusing: DATABASE_URL's database name must contain 'bench'.")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
# The cases repeat one user's requests and exports far past the rate limits: off here.
for _limit in ("API_RATE_USER", "API_RATE_ANON", "REVEAL_RATE", "EXPORT_RATE"):
    os.environ.setdefault(_limit, "")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from governance import pii  # noqa: E402
from governance.keyset import Cursor, Keyset, encode_cursor, read_page  # noqa: E402
from grids.models import Grid  # noqa: E402
from orgchart import services as org  # noqa: E402
from orgchart.models import OrgUnit, PartyMember, Person, User  # noqa: E402
from orgchart.pages import PAGE_SIZE  # noqa: E402
from orgchart.services.people import name_pinyin  # noqa: E402
from petitions import selectors as petition_selectors  # noqa: E402
from petitions.models import (  # noqa: E402
    Category,
    Channel,
    Petition,
    Status,
    Track,
    Urgency,
)
from petitions.services import deadline_policy_for, petition_create  # noqa: E402
from petitions.sweep import escalate_overdue  # noqa: E402
from volunteers import selectors as volunteer_selectors  # noqa: E402
from volunteers.models import (  # noqa: E402
    PartnerUnit,
    Team,
    Volunteer,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)
from volunteers.views.work_orders import BOARD_STAGES  # noqa: E402

# The DEBUG=1 above only lets settings generate throwaway secrets; measure as production runs
# (no query log, no template debug).
settings.DEBUG = False
# Each forced login and each sweep that acts logs a line at INFO: keep the figures readable.
logging.getLogger("axes").setLevel(logging.WARNING)
logging.getLogger("petitions.sweep").setLevel(logging.WARNING)

PETITIONS = int(os.environ.get("BENCH_PETITIONS", "100000"))
DUE = int(os.environ.get("BENCH_DUE", "2000"))
WORK_ORDERS = int(os.environ.get("BENCH_WORK_ORDERS", "50000"))
WISHES = int(os.environ.get("BENCH_WISHES", "50000"))
STREETS = int(os.environ.get("BENCH_STREETS", "6"))
COMMUNITIES = int(os.environ.get("BENCH_COMMUNITIES", "8"))  # per street
FOCUS = int(os.environ.get("BENCH_FOCUS", "20"))  # per cent of the rows in the focus community
DEEP_PAGE = int(os.environ.get("BENCH_DEEP_PAGE", "200"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
CREATES = int(os.environ.get("BENCH_CREATES", "50"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "") == "1"
BATCH = 5000

NOW = timezone.now()
RANDOM = random.Random(20261118)  # the same data on every run
K = OrgUnit.Kind


# --- Measuring -------------------------------------------------------------------------------


class QueryCounter:
    """Counts the statements the connection runs and the time spent in them (no query log)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


def percentile_95(samples: Sequence[float]) -> float:
    return sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]


def timed(label: str, action: Callable[[], object], repeat: int) -> None:
    """Run ``action`` ``repeat`` times; print the median and p95 of the wall time, the median
    time spent in the database and the query count of one run."""
    samples, in_sql, counts = [], [], set()
    for _ in range(repeat):
        counter = QueryCounter()
        start = time.perf_counter()
        with connection.execute_wrapper(counter):
            action()
        samples.append((time.perf_counter() - start) * 1000)
        in_sql.append(counter.seconds * 1000)
        counts.add(counter.count)
    queries = f"{min(counts)}" if len(counts) == 1 else f"{min(counts)}–{max(counts)}"
    print(
        f"  {label:<44} median {statistics.median(samples):7.1f} ms  "
        f"p95 {percentile_95(samples):7.1f} ms  SQL {statistics.median(in_sql):7.1f} ms  "
        f"{queries:>3} queries"
    )


# --- The synthetic area ----------------------------------------------------------------------


def bulk_level(parents: list[OrgUnit], kind: str, per_parent: int, name: str) -> list[OrgUnit]:
    rows = [
        OrgUnit(
            name=f"{parent.name[:20]}{name}{index}",
            kind=kind,
            parent=parent,
            area_type=parent.area_type,
            tree_id=parent.tree_id,
            lft=0,
            rght=0,
            level=parent.level + 1,
        )
        for parent in parents
        for index in range(1, per_parent + 1)
    ]
    return OrgUnit.objects.bulk_create(rows, batch_size=2000)


class Area:
    """The tree, the people and the accounts the figures are taken for."""

    def __init__(self) -> None:
        city = org.orgunit_create(actor=None, parent=None, name="诉求基准市", kind=K.CITY)
        district = bulk_level([city], K.DISTRICT, 1, "区")[0]
        streets = bulk_level([district], K.STREET, STREETS, "街道")
        communities = bulk_level(streets, K.COMMUNITY, COMMUNITIES, "社区")
        compounds = bulk_level(communities, K.COMPOUND, 2, "小区")
        buildings = bulk_level(compounds, K.BUILDING, 2, "号楼")
        org.orgtree_repair()
        self.street = OrgUnit.objects.get(pk=streets[0].pk)
        self.communities = list(
            OrgUnit.objects.filter(pk__in=[unit.pk for unit in communities]).order_by("lft")
        )
        self.focus = self.communities[0]
        by_compound = {unit.pk: unit.parent_id for unit in compounds}
        self.places: dict[int, list[int]] = {unit.pk: [unit.pk] for unit in communities}
        for building in buildings:
            self.places[by_compound[building.parent_id]].append(building.pk)
        self.grids = {
            grid.community_id: grid
            for grid in Grid.objects.bulk_create(
                Grid(community=unit, name=f"{unit.name}第一网格", area_type=unit.area_type)
                for unit in communities
            )
        }

        def account(name: str, role: str, unit: OrgUnit) -> User:
            user = User(username=name, first_name=name, role=role, anchor_unit=unit)
            user.save()
            return user

        self.official = account("bench-petitions-official", User.Role.OFFICIAL, self.street)
        self.worker = account("bench-petitions-worker", User.Role.COMMUNITY_WORKER, self.focus)
        # A colleague at the focus community: intake notifies the unit's other staff.
        account("bench-petitions-worker2", User.Role.COMMUNITY_WORKER, self.focus)

        self.people = self._people(len(communities) + 200)
        PartyMember.objects.bulk_create(
            PartyMember(person=person, organisation=self.focus, status=PartyMember.Status.RETIRED)
            for person in self.people[::3]
        )
        # A volunteer per community, leading its community's team; two partner units.
        volunteers = Volunteer.objects.bulk_create(
            Volunteer(person=person, community=unit, registered_on=NOW.date())
            for person, unit in zip(self.people, communities, strict=False)
        )
        teams = Team.objects.bulk_create(
            Team(
                name=f"{v.community.name}先锋队", kind=Team.Kind.VANGUARD, unit=v.community, lead=v
            )
            for v in volunteers
        )
        Team.members.through.objects.bulk_create(
            Team.members.through(team_id=team.pk, volunteer_id=team.lead_id) for team in teams
        )
        self.teams = {team.unit_id: team for team in teams}
        self.volunteers = {volunteer.community_id: volunteer for volunteer in volunteers}
        self.partners = PartnerUnit.objects.bulk_create(
            PartnerUnit(
                name=f"共建单位{index}",
                kind=PartnerUnit.Kind.STATE_ENTERPRISE,
                unit=self.street,
                contact=self.people[-index],
            )
            for index in (1, 2)
        )
        self.residents = self.people[len(communities) :]

    @staticmethod
    def _people(count: int) -> list[Person]:
        surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
        given = "秀英建国桂兰志强丽华明军淑珍海燕玉梅"
        rows = []
        for index in range(count):
            name = surnames[index % len(surnames)] + given[index % 7 : index % 7 + 2]
            pinyin, initials = name_pinyin(name)
            rows.append(Person(name=name, name_pinyin=pinyin, name_initials=initials))
        return Person.objects.bulk_create(rows)

    def community_of(self, index: int) -> OrgUnit:
        """Row ``index``'s community: FOCUS % in the focus community, the rest evenly."""
        if index % 100 < FOCUS:
            return self.focus
        return self.communities[index % len(self.communities)]


def in_batches(rows: Iterator[Any], model: Any) -> int:
    batch: list[Any] = []
    total = 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        total += len(batch)
    return total


TITLES = (
    "楼道堆放杂物",
    "路灯不亮",
    "小区垃圾清运不及时",
    "邻里噪音纠纷",
    "井盖松动",
    "物业收费争议",
)
PETITION_STATUSES = (
    # status, share in per cent
    (Status.SUBMITTED, 30),
    (Status.ACCEPTED, 25),
    (Status.IN_PROGRESS, 25),
    (Status.REPLIED, 20),
)


def synthetic_petitions(area: Area, creator: User) -> Iterator[Petition]:
    """Open petitions logged over the last 90 days; every clock runs out in the future."""
    policy = deadline_policy_for(track=Track.ORDINARY, category=Category.OTHER, urgency="normal")
    statuses = [status for status, share in PETITION_STATUSES for _ in range(share)]
    phone = pii.encrypt("13812345678")
    categories = Category.values
    channels = Channel.values
    for index in range(PETITIONS):
        community = area.community_of(index)
        status = statuses[index % 100]
        created_at = NOW - dt.timedelta(days=90) * (index + 1) / PETITIONS
        due_at = NOW + dt.timedelta(minutes=RANDOM.randint(60, 7 * 24 * 60))
        started = NOW - (due_at - NOW) * 5 * RANDOM.random()  # a fifth of the lights yellow
        with_phone = index % 4 == 0
        petition = Petition(
            number=f"BP-{index + 1:08d}",
            track=Track.ORDINARY,
            channel=channels[index % len(channels)],
            category=categories[index % len(categories)],
            urgency=Urgency.NORMAL,
            title=f"{TITLES[index % len(TITLES)]}（{index + 1}）",
            description="居民反映的问题，需社区核实处理。",
            community=community,
            location_id=RANDOM.choice(area.places[community.pk]),
            grid=area.grids[community.pk] if index % 2 else None,
            petitioner=area.residents[index % len(area.residents)] if index % 3 == 0 else None,
            contact_phone_encrypted=phone if with_phone else "",
            contact_phone_hash=f"bench{index % 5000}" if with_phone else "",
            contact_phone_head="138" if with_phone else "",
            contact_phone_tail=f"{index % 10000:04d}" if with_phone else "",
            status=status,
            handling_unit=community,
            policy=policy,
            clock_started_at=started,
            accept_due_at=due_at if status == Status.SUBMITTED else None,
            resolve_due_at=due_at if status in (Status.ACCEPTED, Status.IN_PROGRESS) else None,
            close_due_at=due_at if status == Status.REPLIED else None,
            accepted_at=created_at if status != Status.SUBMITTED else None,
            replied_at=NOW - dt.timedelta(hours=1) if status == Status.REPLIED else None,
            reply="已处理。" if status == Status.REPLIED else "",
            is_supervised=index % 50 == 0,
            is_repeat=index % 40 == 0,
            created_by=creator,
            created_at=created_at,
        )
        yield petition


ORDER_STATUSES = (
    (WorkOrderStatus.ORDERED, 20),
    (WorkOrderStatus.DISPATCHED, 20),
    (WorkOrderStatus.ACCEPTED, 20),
    (WorkOrderStatus.COMPLETED, 15),
    (WorkOrderStatus.VERIFIED, 20),
    (WorkOrderStatus.CANCELLED, 5),
)


def synthetic_work_orders(area: Area, creator: User) -> Iterator[WorkOrder]:
    statuses = [status for status, share in ORDER_STATUSES for _ in range(share)]
    for index in range(WORK_ORDERS):
        community = area.community_of(index)
        status = statuses[(index * 7) % 100]
        ordered_at = NOW - dt.timedelta(days=180) * (index + 1) / WORK_ORDERS
        provided = status not in (WorkOrderStatus.ORDERED, WorkOrderStatus.CANCELLED)
        by_partner = provided and index % 5 == 0
        yield WorkOrder(
            number=f"GDB-{index + 1:08d}",
            community=community,
            title=f"为老服务项目{index + 1}",
            content="上门为独居老人检修电路、理发。",
            source=WorkOrder.Source.RESIDENT if index % 2 else WorkOrder.Source.COMMUNITY,
            requested_by=area.residents[index % len(area.residents)] if index % 2 else None,
            status=status,
            team=area.teams[community.pk] if provided and not by_partner else None,
            partner=area.partners[index % 2] if by_partner else None,
            funds=index % 500,
            due_at=NOW + dt.timedelta(days=index % 30 + 1) if provided else None,
            dispatched_at=ordered_at if provided else None,
            ordered_by=creator,
            ordered_at=ordered_at,
        )


WISH_STATUSES = (
    (WishStatus.POSTED, 40),
    (WishStatus.CLAIMED, 20),
    (WishStatus.FULFILLED, 10),
    (WishStatus.CONFIRMED, 25),
    (WishStatus.WITHDRAWN, 5),
)


def synthetic_wishes(area: Area, creator: User) -> Iterator[Wish]:
    statuses = [status for status, share in WISH_STATUSES for _ in range(share)]
    for index in range(WISHES):
        community = area.community_of(index)
        status = statuses[(index * 7) % 100]
        posted_at = NOW - dt.timedelta(days=180) * (index + 1) / WISHES
        claimed = status in (WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED)
        yield Wish(
            community=community,
            title=f"想要一台收音机（{index + 1}）",
            description="独居老人的微心愿。",
            beneficiary=area.residents[index % len(area.residents)],
            status=status,
            posted_by=creator,
            posted_at=posted_at,
            claimed_by=area.volunteers[community.pk] if claimed else None,
            claimed_at=posted_at if claimed else None,
        )


# --- The figures -----------------------------------------------------------------------------


def bench_create(area: Area) -> None:
    print(f"Petition create: petitions.services.petition_create, n={CREATES} (goal p95 ≤ 30 ms)")
    building = OrgUnit.objects.filter(kind=K.BUILDING, parent__parent=area.focus).first()
    assert building is not None  # noqa: S101 - built above
    worker = User.objects.select_related("anchor_unit").get(pk=area.worker.pk)
    variants: tuple[tuple[str, dict[str, Any]], ...] = (
        ("at a building, no contact phone", {}),
        ("with a contact phone (repeat lookup)", {"contact_phone": "13912345678"}),
    )
    for label, extra in variants:

        def create(extra: dict[str, Any] = extra) -> Petition:
            return petition_create(
                actor=worker,
                location=building,
                channel=Channel.WALK_IN,
                category=Category.SANITATION,
                title="楼道堆放杂物",
                description="1号楼1单元楼道堆放杂物，影响通行。",
                **extra,
            )

        create()  # the year's number counter exists from now on
        timed(label, create, CREATES)


def bench_sweep(area: Area) -> None:
    open_count = Petition.objects.filter(status__in=[s for s, _ in PETITION_STATUSES]).count()
    print(
        f"Escalation sweep: petitions.sweep.escalate_overdue, {open_count:,} open petitions "
        f"(goals: none due ≤ 20 ms; 10,000 due among 1 M open ≤ 5 s, i.e. 2,000 rows/s)"
    )
    # The sweep's messages link to the petitions' pages: load the URL configuration first, as
    # a worker has it loaded after its first task (its import is the process's cost, about a
    # second here, not the sweep's).
    reverse("petitions:list")
    escalate_overdue()
    timed(f"none due (n={REPEAT})", escalate_overdue, REPEAT)
    submitted = list(
        Petition.objects.filter(status=Status.SUBMITTED).order_by("pk").values_list("pk", flat=True)
    )
    due_ids = submitted[:: max(1, len(submitted) // max(1, DUE))][:DUE]
    overdue_at = timezone.now() - dt.timedelta(minutes=5)
    for offset in range(0, len(due_ids), 900):
        Petition.objects.filter(pk__in=due_ids[offset : offset + 900]).update(
            accept_due_at=overdue_at
        )
    counter = QueryCounter()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = escalate_overdue()
    seconds = time.perf_counter() - start
    escalated = max(1, result.total)
    print(
        f"  {f'{len(due_ids):,} due (accept), {result.total:,} escalated':<44} "
        f"total {seconds:8.2f} s   {result.total / seconds:7,.0f} rows/s  "
        f"SQL {counter.seconds / seconds:4.0%}  {counter.count:,} queries "
        f"({counter.count / escalated:.2f}/row)"
    )
    timed(f"none due again (n={REPEAT})", escalate_overdue, REPEAT)


def page_client(user: User) -> Client:
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def fetch(client: Client, target: str) -> Callable[[], object]:
    return lambda: client.get(target)


def by_number(user: User, page: int) -> str:
    return f"page={page}"


def cursor_at(keyset: Keyset[Any], rows_before: int, as_of: dt.datetime) -> str:
    """The cursor after the first ``rows_before`` rows of ``keyset``: what following "next"
    would give, found by OFFSET (untimed)."""
    remaining = rows_before - 1
    for rank, segment in enumerate(keyset.segments(as_of)):
        held = segment.rows.count()
        if remaining < held:
            fields = [name.removeprefix("-") for name in segment.order]
            key = segment.rows.order_by(*segment.order).values_list(*fields)[remaining]
            return encode_cursor(keyset, Cursor(rank, tuple(key), False, as_of))
        remaining -= held
    raise SystemExit(f"the list holds fewer than {rows_before} rows")


def petition_cursor(user: User, page: int) -> str:
    if page == 1:
        return ""
    keyset = petition_selectors.petition_pages(user=user)
    return f"cursor={cursor_at(keyset, (page - 1) * PAGE_SIZE, timezone.now())}"


def bench_pages(
    title: str,
    url: str,
    viewers: Sequence[tuple[str, User, int]],
    query: Callable[[User, int], str] = by_number,
) -> None:
    """Time ``url`` for each viewer (label, user, rows the list holds for them) at the first,
    a deep and the last page (``query`` says how a page is asked for)."""
    print(f" {title}")
    for label, user, rows in viewers:
        client = page_client(user)
        last = max(1, -(-rows // PAGE_SIZE))
        pages = sorted({1, min(DEEP_PAGE, last), last})
        for page in pages:
            target = f"{url}?{query(user, page)}"
            status = client.get(target).status_code  # also the warm-up
            if status != 200:
                raise SystemExit(f"{target} answered {status} for {user.username}")
            timed(f"{label}, page {page:,} of {last:,}", fetch(client, target), REPEAT)


def explain_first_page(viewers: Sequence[tuple[str, User]]) -> None:
    """The plans of the petition list's queries on the first page, as each viewer reads it
    (the queries of ``read_page``: the area's communities, the segments, the page's rows, the
    count)."""
    for label, account in viewers:
        user = User.objects.select_related("anchor_unit").get(pk=account.pk)
        with CaptureQueriesContext(connection) as captured:
            read_page(petition_selectors.petition_pages(user=user), "", size=PAGE_SIZE)
        for number, query in enumerate(captured.captured_queries, 1):
            print(f"\n {label}, first page, query {number}: {query['sql'][:160]}…")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                for (line,) in cursor.fetchall():
                    print(f"    {line}")


def main() -> None:
    call_command("migrate", verbosity=0)
    if Petition.objects.exists() or WorkOrder.objects.exists() or Wish.objects.exists():
        raise SystemExit(
            "Refusing: the database already holds petitions, work orders or wishes; "
            "drop it and create it again (DROP DATABASE …; CREATE DATABASE …)."
        )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Database: {connection.vendor}; {os.cpu_count()} CPUs, load average {load}")
    start = time.perf_counter()
    area = Area()
    creator = area.worker
    made = in_batches(synthetic_petitions(area, creator), Petition)
    print(
        f"Built {len(area.communities)} communities and {made:,} open petitions "
        f"({FOCUS} % in one community) in {time.perf_counter() - start:.1f} s"
    )
    start = time.perf_counter()
    orders = in_batches(synthetic_work_orders(area, creator), WorkOrder)
    wishes = in_batches(synthetic_wishes(area, creator), Wish)
    seconds = time.perf_counter() - start
    print(f"Built {orders:,} work orders and {wishes:,} wishes in {seconds:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    bench_create(area)
    bench_sweep(area)

    viewers = [("street official", area.official), ("community worker", area.worker)]
    print(
        f"List pages: django.test.Client, logged in, n={REPEAT} "
        "(goals: a constant query count, p95 ≤ 50 ms at any page depth)"
    )
    bench_pages(
        "诉求列表 /petitions/ (by cursor)",
        reverse("petitions:list"),
        [
            (label, user, petition_selectors.petition_list_visible(user=user).count())
            for label, user in viewers
        ],
        petition_cursor,
    )
    if EXPLAIN and connection.vendor == "postgresql":
        explain_first_page(viewers)
    bench_pages(
        "服务项目 (五单) /volunteers/work-orders/",
        reverse("volunteers:work_orders"),
        [
            (
                label,
                user,
                volunteer_selectors.work_order_list_visible(user=user)
                .filter(status__in=BOARD_STAGES)
                .count(),
            )
            for label, user in viewers
        ],
    )
    bench_pages(
        "微心愿 /volunteers/wishes/",
        reverse("volunteers:wishes"),
        [
            (label, user, volunteer_selectors.wish_list_visible(user=user).count())
            for label, user in viewers
        ],
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Load average at the end: {load} (other processes inflate every figure)")


if __name__ == "__main__":
    main()
