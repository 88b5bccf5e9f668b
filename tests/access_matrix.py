"""The machinery of the access matrix (tests/test_access_matrix.py): the routes of the URL
configuration, the rows each route is probed with, and one request per (route, role, scope).

* ``routes()`` walks ``django.urls.get_resolver()`` and names every pattern by its route as
  written (``petitions/<int:pk>/``); the API router's regular expressions are written the same
  way (``api/petitions/<pk>/accept/``).
* ``build_world`` makes one row of every kind in 光明社区 (in the worker's area: scope ``in``)
  and one in 新华社区 of 西城街道 (outside the area of the worker, the grid worker, the
  volunteer, and of the official and the admin of 东城街道: scope ``out``).
* ``probe`` sends one request: GET, or for a route that only writes a POST with an empty body
  in a savepoint that is rolled back afterwards (the answer tells whether the role got past
  the access checks; nothing it wrote stays for the next request).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from consultations import services as consultation_services
from consultations.models import FiveHaves, Meeting, Project, Topic, TopicFormat
from grids import services as grid_services
from grids.models import GridStaff, Visit
from orgchart import services as org_services
from orgchart.models import Department, OrgUnit, Post, User
from petitions import services as petition_services
from petitions.models import Dispatch, Petition
from tests.conftest import Personas, Tree, make_user
from tests.factories import PartyMemberFactory, PersonFactory, PetitionFactory
from tests.grids.conftest import GridWorld
from tests.volunteers.conftest import VolunteerWorld, volunteer_with_account
from volunteers import services as volunteer_services
from volunteers.models import PartnerUnit, Team

# The roles of the matrix, in the order of the table's columns: a persona of tests/conftest.py
# each (the administrator of 东城街道 is ``street_admin``), and a visitor who is not signed in.
ROLES = (
    "anonymous",
    "volunteer",
    "grid",
    "worker",
    "handler",
    "official",
    "street_admin",
    "superuser",
)
SCOPES = ("in", "out")


@dataclass(frozen=True)
class Route:
    key: str  # the route as written: "petitions/<int:pk>/", "api/petitions/<pk>/"
    name: str  # "namespace:name", or "" for a pattern without a name
    callback: Any

    @property
    def is_admin(self) -> bool:
        return self.key.startswith("admin/") and self.key != "admin/login/"

    @property
    def methods(self) -> dict[str, str]:
        """A viewset route's HTTP methods and actions ({} for other views)."""
        return dict(getattr(self.callback, "actions", None) or {})


def _api_key(regex: str) -> str:
    """``^petitions/(?P<pk>[^/.]+)/accept\\.(?P<format>[a-z0-9]+)/?$`` →
    ``petitions/<pk>/accept.<format>``."""
    text = regex.removeprefix("^").removesuffix("$")
    text = text.replace("\\.(?P<format>[a-z0-9]+)/?", ".<format>")
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text)


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry, prefix + _api_key(str(entry.pattern)), inner)
        elif isinstance(entry, URLPattern):
            key = prefix + _api_key(str(entry.pattern))
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield Route(key, name, entry.callback)


def routes() -> list[Route]:
    """Every pattern of the URL configuration, in its order."""
    return list(_walk(get_resolver(), "", ""))


def url_of(key: str, values: dict[str, Any]) -> str:
    """The path of the route ``key`` with its parameters filled in from ``values``."""

    def value(match: re.Match[str]) -> str:
        return str(values[match.group(1)])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, key)


# --- The rows ------------------------------------------------------------------------------


def _png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@dataclass
class Side:
    """The rows of one community (光明社区 for ``in``, 新华社区 for ``out``)."""

    unit: OrgUnit
    account: User  # the community worker's
    person: Any
    party_member: Any
    post: Post
    department: Department
    grid: Any
    grid_staff: GridStaff
    household: Any
    resident: Any
    visit: Visit
    petition: Petition
    dispatch: Dispatch
    wish: Any
    work_order: Any
    activity: Any
    reward: Any
    redemption: Any
    volunteer: Any
    team: Team
    partner: PartnerUnit
    pairing: Any
    registration: Any
    compound: OrgUnit
    topic: Topic
    meeting: Meeting
    project: Project
    five_haves: FiveHaves

    def photo_of_visit(self) -> int:
        return int(self.visit.photos.get().pk)

    def attachment(self) -> int:
        return int(self.petition.attachments.get().pk)

    def photo_of_dispatch(self) -> int:
        return int(self.dispatch.photos.get().pk)


@dataclass
class World:
    tree: Tree
    people: Personas
    sides: dict[str, Side]
    deadline_policy: Any


def _side(
    tree: Tree,
    people: Personas,
    *,
    unit: OrgUnit,
    account: User,
    grid_account: User | None,
    department: Department,
    handler: User,
    volunteer: Any,
    volunteer_account: User,
    partner_unit: OrgUnit,
    compound: OrgUnit,
    grids: dict[str, Any],
) -> Side:
    pm = PartyMemberFactory.create(organisation=unit, person__unit=unit, employer="云阳供电公司")
    post = org_services.post_assign(
        actor=None,
        unit=unit,
        kind=Post.Kind.SUPERVISOR,
        holder=pm.person,
        started_on=dt.date(2024, 1, 1),
    )
    visit = grid_services.visit_record(
        actor=grid_account or account,
        household=grids["household"],
        purpose=Visit.Purpose.CARE_VISIT,
        notes="身体健康",
        photos=[_png()],
    )
    petition = PetitionFactory.create(actor=account, location=unit, attachments=[_png()])
    petition = petition_services.petition_accept(actor=account, petition=petition)
    petition = petition_services.petition_dispatch(
        actor=account, petition=petition, lead=department
    )
    dispatch = petition_services.dispatch_report(
        actor=handler, dispatch=petition.dispatches.get(), note="已报到"
    )
    dispatch = petition_services.dispatch_complete(
        actor=handler, dispatch=dispatch, note="已处理", photos=[_png()]
    )
    wish = volunteer_services.wish_post(actor=account, community=unit, title="帮独居老人买药")
    wish = volunteer_services.wish_claim(actor=volunteer_account, wish=wish)
    wish = volunteer_services.wish_fulfil(
        actor=volunteer_account, wish=wish, note="药已送到", photo=_png()
    )
    team = volunteer_services.team_create(
        actor=None, unit=unit, name=f"{unit.name}先锋队", kind=Team.Kind.VANGUARD, lead=volunteer
    )
    order = volunteer_services.work_order_create(
        actor=account, community=unit, title="楼道粉刷", content="粉刷1号楼楼道"
    )
    order = volunteer_services.work_order_dispatch(actor=account, work_order=order, team=team)
    activity = volunteer_services.activity_create(
        actor=None,
        unit=unit,
        title="周六志愿服务日",
        kind="volunteer_day",
        starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
        ends_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3, hours=2),
        capacity=10,
        created_by=account,
    )
    reward = volunteer_services.reward_create(
        actor=None, unit=unit, name="洗衣液", points=10, stock=3
    )
    volunteer_services.points_award(volunteer=volunteer, rule_code="wish_fulfilled", source=wish)
    redemption = volunteer_services.redemption_create(
        actor=volunteer_account, volunteer=volunteer, reward=reward
    )
    partner = volunteer_services.partner_unit_create(
        actor=None,
        unit=partner_unit,
        name=f"{partner_unit.name}供电所",
        kind=PartnerUnit.Kind.STATE_ENTERPRISE,
    )
    pairing = volunteer_services.pairing_create(
        actor=None, partner=partner, community=unit, started_on=dt.date(2026, 1, 1)
    )
    registration = volunteer_services.dual_register(
        actor=None, party_member=pm, community=unit, partner=partner
    )
    # 议事协商: a topic just solicited, a meeting scheduled with it on the agenda, a compound's
    # micro-governance project at its first step and the compound's 五有 marks; the community's
    # notice board is published in 光明社区 and never in 新华社区 (so the public reads the one
    # and gets a 404 from the other).
    topic = consultation_services.topic_solicit(
        actor=account,
        community=unit,
        unit=compound,
        title="小区东门加装电动车充电桩",
        format=TopicFormat.COURTYARD,
        description="居民反映电动车进楼充电存在火灾隐患。",
    )
    meeting = consultation_services.meeting_schedule(
        actor=account,
        community=unit,
        title="居民代表会议",
        format=TopicFormat.COURTYARD,
        starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
        place="党群服务中心",
        topics=[topic],
    )
    project = consultation_services.project_start(
        actor=account, compound=compound, title="楼道微改造"
    )
    five_haves = consultation_services.five_haves_set(
        actor=account, compound=compound, marks={"party_org": True}
    )
    if unit.name == "光明社区":
        consultation_services.notice_board_set(actor=account, community=unit, is_public=True)
    return Side(
        unit=unit,
        account=account,
        person=grids["resident"].person,
        party_member=pm,
        post=post,
        department=department,
        grid=grids["grid"],
        grid_staff=grids["staff"],
        household=grids["household"],
        resident=grids["resident"],
        visit=visit,
        petition=petition,
        dispatch=dispatch,
        wish=wish,
        work_order=order,
        activity=activity,
        reward=reward,
        redemption=redemption,
        volunteer=volunteer,
        team=team,
        partner=partner,
        pairing=pairing,
        registration=registration,
        compound=compound,
        topic=topic,
        meeting=meeting,
        project=project,
        five_haves=five_haves,
    )


def build_world(tree: Tree, people: Personas, grids: GridWorld, vworld: VolunteerWorld) -> World:
    """One row of every kind in 光明社区 and one in 新华社区 (see the module's text)."""
    west_police = org_services.department_create(
        actor=None, name="西城派出所", jurisdiction=tree.west
    )
    west_handler = make_user("west_handler", User.Role.DEPARTMENT_HANDLER, department=west_police)
    xinhua_volunteer_account, xinhua_volunteer = volunteer_with_account(
        "xinhua_volunteer", tree.xinhua, "志愿者戊", "11010119910404004"
    )
    xinhua_staff = grid_services.grid_staff_appoint(
        actor=None,
        grid=grids.xinhua_grid,
        person=PersonFactory.create(unit=tree.xinhua, name="网格员丙"),
        started_on=dt.date(2024, 1, 1),
    )
    inside = _side(
        tree,
        people,
        unit=tree.guangming,
        account=people.worker,
        grid_account=people.grid,
        department=tree.chengguan,
        handler=people.handler,
        volunteer=vworld.me,
        volunteer_account=people.volunteer,
        partner_unit=tree.east,
        compound=tree.guangming_compound,
        grids={
            "grid": grids.grid_a,
            "staff": grids.staff_a,
            "household": grids.home_101,
            "resident": grids.wang,
        },
    )
    outside = _side(
        tree,
        people,
        unit=tree.xinhua,
        account=people.other_worker,
        grid_account=None,
        department=west_police,
        handler=west_handler,
        volunteer=xinhua_volunteer,
        volunteer_account=xinhua_volunteer_account,
        partner_unit=tree.west,
        compound=org_services.orgunit_create(
            actor=None, parent=tree.xinhua, name="新华小区", kind=OrgUnit.Kind.COMPOUND
        ),
        grids={
            "grid": grids.xinhua_grid,
            "staff": xinhua_staff,
            "household": grids.xinhua_home,
            "resident": grids.sun,
        },
    )
    petition_services.deadline_policies_ensure_defaults()
    from petitions.models import DeadlinePolicy

    return World(tree, people, {"in": inside, "out": outside}, DeadlinePolicy.objects.first())


# --- The requests --------------------------------------------------------------------------

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def answer_of(response: Any) -> str:
    """The answer as the table writes it: the status code, or for a redirect ``L`` (to the
    login page), ``AL`` (to the admin's login page) or ``302`` (anywhere else)."""
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(LOGIN):
            return "L"
        if location.startswith(ADMIN_LOGIN):
            return "AL"
        return str(response.status_code)
    return str(response.status_code)


def probe(client: Client, method: str, url: str, *, api: bool) -> str:
    """One request and its answer; a POST runs in a savepoint that is rolled back."""
    if method == "GET":
        return answer_of(client.get(url))
    with transaction.atomic():
        if api:
            response = client.post(url, data="{}", content_type="application/json")
        else:
            response = client.post(url, data={})
        transaction.set_rollback(True)
    return answer_of(response)


# --- The objects a route is probed with ----------------------------------------------------

# Kinds whose URL parameter ``pk`` is the row of that attribute of a ``Side``.
ROW_KINDS = {
    "unit",
    "person",
    "party_member",
    "post",
    "account",
    "department",
    "grid",
    "grid_staff",
    "household",
    "resident",
    "visit",
    "petition",
    "dispatch",
    "wish",
    "work_order",
    "activity",
    "reward",
    "redemption",
    "volunteer",
    "team",
    "partner",
    "registration",
    "compound",
    "topic",
    "meeting",
    "project",
    "five_haves",
}

# Kinds that fill in more than ``pk`` (the table's object column names one of these, a kind of
# ROW_KINDS, ``kind/slug`` for a route that takes an action slug, or ``-`` for none).
SPECIAL_KINDS: dict[str, Callable[[World, Side], dict[str, Any]]] = {
    "deadline_policy": lambda world, side: {"pk": world.deadline_policy.pk},
    # A ledger the community worker imports; an import token that does not exist.
    "ledger": lambda world, side: {"name": "party-members", "token": "0" * 32},
    "person_reveal": lambda world, side: {"pk": side.person.pk, "field": "mobile"},
    "visit_photo": lambda world, side: {"pk": side.photo_of_visit()},
    "visit_photo_api": lambda world, side: {
        "pk": side.visit.pk,
        "photo_id": side.photo_of_visit(),
    },
    "attachment": lambda world, side: {
        "pk": side.petition.pk,
        "attachment_id": side.attachment(),
    },
    "dispatch_photo": lambda world, side: {
        "pk": side.dispatch.pk,
        "photo_id": side.photo_of_dispatch(),
    },
    "pairing": lambda world, side: {"pk": side.partner.pk, "pairing_pk": side.pairing.pk},
}


def lookup(kind: str, world: World, scope: str) -> dict[str, Any]:
    """The URL parameters of an object of ``kind`` in ``scope`` ("in" or "out")."""
    if kind == "-":
        return {}
    side = world.sides[scope]
    kind, _, action = kind.partition("/")
    if kind in SPECIAL_KINDS:
        values = SPECIAL_KINDS[kind](world, side)
    elif kind in ROW_KINDS:
        values = {"pk": getattr(side, kind).pk}
    else:
        raise KeyError(f"no object of kind {kind!r} in the matrix's world")
    if action:
        values["action"] = action
    return values


# The admin's models and the kind of the world's rows the object routes are probed with ("-":
# the world has no row of that model in a community; an id that exists nowhere is sent).
ADMIN_OBJECTS = {
    "auth.Group": "-",
    "authtoken.TokenProxy": "-",
    "governance.AuditEvent": "-",
    "axes.AccessAttempt": "-",
    "axes.AccessLog": "-",
    "axes.AccessFailureLog": "-",
    "orgchart.User": "account",
    "orgchart.Person": "person",
    "orgchart.PartyMember": "party_member",
    "orgchart.Post": "post",
    "orgchart.OrgUnit": "unit",
    "orgchart.Department": "department",
    "grids.Grid": "grid",
    "grids.GridStaff": "grid_staff",
    "grids.Household": "household",
    "grids.Resident": "resident",
    "grids.Visit": "visit",
    "notifications.Notification": "-",
    "notifications.OutboxEmail": "-",
    "petitions.DeadlinePolicy": "deadline_policy",
    "petitions.CalendarYear": "-",
    "petitions.CalendarDay": "-",
    "petitions.Petition": "petition",
    "petitions.Dispatch": "dispatch",
    "petitions.Escalation": "-",
    "petitions.PetitionEvent": "-",
    "volunteers.PartnerUnit": "partner",
    "volunteers.Pairing": "-",
    "volunteers.Volunteer": "volunteer",
    "volunteers.Team": "team",
    "volunteers.PointRule": "-",
    "volunteers.Reward": "reward",
    "volunteers.Wish": "wish",
    "volunteers.WorkOrder": "work_order",
    "volunteers.Activity": "activity",
    "volunteers.Signup": "-",
    "volunteers.PointEntry": "-",
    "volunteers.Redemption": "redemption",
    "dashboard.RankingScheme": "-",
    "consultations.Topic": "topic",
    "consultations.Meeting": "meeting",
    "consultations.Project": "project",
    "consultations.FiveHaves": "five_haves",
}
