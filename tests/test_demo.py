"""The demo data: the promised shape, deterministic, idempotent, valid."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from consultations.models import (
    FiveHaves,
    Meeting,
    Project,
    Topic,
    TopicEvent,
    TopicStatus,
    Vote,
)
from governance import pii
from governance.identity import parse_phone, parse_resident_id
from governance.models import AuditEvent, NumberSequence
from grids import selectors as grid_selectors
from grids.demo import grids_plan
from grids.models import Grid, GridStaff, Household, Resident, ResidentCareTag, Visit
from grids.services import restricted_tags_of
from notifications.models import Notification
from orgchart import selectors, services
from orgchart.demo import (
    REFERENCE_DATE,
    REFERENCE_NOW,
    people_plan,
    seed_org_demo,
    seed_people_demo,
)
from orgchart.demo.people import EMPLOYER_PARTY_ORGS
from orgchart.models import (
    EXPECTED_POSTS,
    Department,
    OrgUnit,
    PartyMember,
    Person,
    PersonRegistration,
    Post,
    User,
)
from orgchart.policy import policy
from orgchart.services import orgtree_check
from petitions import selectors as petition_selectors
from petitions.demo import TOTAL as PETITIONS
from petitions.demo import load_world, petitions_plan
from petitions.demo.seed import HANDLERS, UNIT_STAFF, unit_staff_username
from petitions.models import (
    OPEN_DISPATCH_STATUSES,
    Dispatch,
    Escalation,
    Petition,
    PetitionEvent,
)
from petitions.models import Status as PetitionStatus
from volunteers import services as volunteer_services
from volunteers.models import Activity as VolunteerActivity
from volunteers.models import (
    DualRegistration,
    Pairing,
    PartnerUnit,
    PointEntry,
    Redemption,
    Reward,
    Signup,
    Team,
    Volunteer,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)

# Seeding takes seconds to over a minute: scheduled first on parallel test workers.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def counts() -> dict[str, int]:
    return {kind: OrgUnit.objects.filter(kind=kind).count() for kind in OrgUnit.Kind.values}


def people_counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "registrations": PersonRegistration.objects.count(),
        "party members": PartyMember.objects.count(),
        "posts": Post.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def grid_counts() -> dict[str, int]:
    return {
        "grids": Grid.objects.count(),
        "staff": GridStaff.objects.count(),
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "care tags": ResidentCareTag.objects.count(),
        "visits": Visit.objects.count(),
    }


def petition_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Petition, Dispatch, Escalation, PetitionEvent, Notification)
    }


def volunteer_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            PartnerUnit,
            Pairing,
            DualRegistration,
            Volunteer,
            Team,
            Reward,
            Wish,
            WorkOrder,
            VolunteerActivity,
            Signup,
            PointEntry,
            Redemption,
        )
    }


# The volunteers demo: three volunteer accounts per community, the demo account ``volunteer``
# being one of 光明社区's.
VOLUNTEER_ACCOUNTS = 3 * 12 - 1


def test_seed_demo_builds_the_promised_city_and_is_idempotent() -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    plan = grids_plan()
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Demo data: 262 units, 6 departments, 6 accounts, 500 people, 150 party members, "
        f"{len(people_plan().posts)} posts created (existing rows kept). "
        "Demo password: demo12345"
    )
    assert lines[1] == (
        f"Demo grids: {len(plan.grids)} grids, {len(plan.households)} households, "
        f"{len(plan.people) - 500} people, {Resident.objects.count()} residents, "
        f"{len(plan.members)} party members, {len(plan.accounts)} grid worker accounts, "
        f"{len(plan.staff)} grid staff, {Visit.objects.count()} visits created."
    )
    assert lines[-1] == (
        f"Demo consultations: 96 topics, {Meeting.objects.count()} meetings, "
        f"{Vote.objects.count()} votes, {Project.objects.count()} micro-governance projects "
        "created."
    )
    assert lines[-2] == (
        "Demo volunteers: 20 partner units, 24 pairings, "
        f"{DualRegistration.objects.count()} dual registrations, 300 volunteers, "
        f"{VOLUNTEER_ACCOUNTS} volunteer accounts, 24 teams, 72 rewards, 110 wishes, "
        f"96 work orders, {VolunteerActivity.objects.count()} activities, "
        f"{Signup.objects.count()} sign-ups, {Redemption.objects.count()} redemptions created."
    )
    petition_accounts = len(UNIT_STAFF) + len(HANDLERS)
    assert lines[2] == (
        f"Demo petitions: {petition_accounts} unit and department accounts, {PETITIONS} "
        f"petitions, {Dispatch.objects.count()} dispatches, {Escalation.objects.count()} "
        f"escalations, {PetitionEvent.objects.count()} events created."
    )
    first_petitions = petition_counts()
    assert len(lines) == 5
    first = counts()
    first_volunteers = volunteer_counts()
    first_people = people_counts()
    first_grids = grid_counts()
    assert first == {
        "city": 1,
        "district": 2,
        "street": 4,
        "community": 12,
        "compound": 40,
        "building": 200,
        "branch": 3,
    }
    assert OrgUnit.objects.filter(kind="street", area_type="rural").count() == 1
    assert str(OrgUnit.objects.get(kind="street", area_type="rural").kind_label) == "乡镇"
    assert Department.objects.count() == 6
    # Streets and communities have office phones, but for one village (its notices give the
    # township's).
    phones = dict(
        OrgUnit.objects.filter(kind__in=["street", "community"]).values_list("name", "phone")
    )
    assert [name for name, phone in phones.items() if not phone] == ["王家庄村"]
    assert phones["光明社区"] == "0315-2871101"
    assert selectors.orgunit_phone_unit(unit=OrgUnit.objects.get(name="王家庄村")) == (
        OrgUnit.objects.get(name="青山镇")
    )
    assert not OrgUnit.objects.filter(kind__in=["city", "district", "compound"]).exclude(phone="")
    snapshot = list(OrgUnit.objects.order_by("pk").values_list("pk", "name", "lft", "rght"))

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert again.getvalue() == (
        "Demo data: 0 units, 0 departments, 0 accounts, 0 people, 0 party members, 0 posts "
        "created (existing rows kept). Demo password: demo12345\n"
        "Demo grids: 0 grids, 0 households, 0 people, 0 residents, 0 party members, 0 grid "
        "worker accounts, 0 grid staff, 0 visits created.\n"
        "Demo petitions: 0 unit and department accounts, 0 petitions, 0 dispatches, "
        "0 escalations, 0 events created.\n"
        "Demo volunteers: 0 partner units, 0 pairings, 0 dual registrations, 0 volunteers, "
        "0 volunteer accounts, 0 teams, 0 rewards, 0 wishes, 0 work orders, 0 activities, "
        "0 sign-ups, 0 redemptions created.\n"
        "Demo consultations: 0 topics, 0 meetings, 0 votes, 0 micro-governance projects "
        "created.\n"
    )
    assert volunteer_counts() == first_volunteers
    assert petition_counts() == first_petitions
    assert counts() == first
    assert people_counts() == first_people
    assert grid_counts() == first_grids
    assert list(OrgUnit.objects.order_by("pk").values_list("pk", "name", "lft", "rght")) == snapshot
    assert Department.objects.count() == 6
    assert User.objects.count() == (6 + len(plan.accounts) + petition_accounts + VOLUNTEER_ACCOUNTS)
    assert orgtree_check() == []
    codes = OrgUnit.objects.exclude(division_code=None).values_list("division_code", flat=True)
    assert all(len(code) == 12 and code.isdigit() for code in codes)
    assert len(codes) == 1 + 2 + 4 + 12
    # The grids demo, checked on what this test has seeded (seeding takes a while).
    check_grids()
    check_households_and_residents()
    check_grid_staff()
    check_visits()
    check_volunteers()
    check_petitions()
    check_consultations()
    check_admin_querysets()


DEMO_ACCOUNTS = [
    # username, role, communities in scope
    ("admin", "admin", 12),
    ("official", "official", 3),
    ("worker", "community_worker", 1),
    ("grid", "grid_worker", 1),
    ("handler", "department_handler", 9),
    ("volunteer", "volunteer", 1),
]


def test_demo_accounts_log_in_with_their_role_scope_and_street() -> None:
    seed_org_demo()  # once for every account: it takes a while
    for username, role, sees_communities in DEMO_ACCOUNTS:
        # A request, as a login has one (django-axes counts failures per address).
        user = authenticate(RequestFactory().post("/"), username=username, password="demo12345")
        assert user is not None, username
        assert user.role == role, username
        communities = policy(user, OrgUnit).filter(kind="community").count()
        assert communities == sees_communities, username
    # The tour's street: the community accounts work in the official's street.
    official = User.objects.get(username="official")
    for username in ("worker", "grid", "volunteer"):
        community = User.objects.get(username=username).anchor_unit
        assert community is not None
        assert community.kind == "community"
        assert community.parent_id == official.anchor_unit_id


# --- People, party members, posts ----------------------------------------------------------------

COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "皇甫", "东方"}


def age(birth: dt.date | None) -> int:
    assert birth is not None
    before_birthday = (REFERENCE_DATE.month, REFERENCE_DATE.day) < (birth.month, birth.day)
    return REFERENCE_DATE.year - birth.year - int(before_birthday)


def adult_on(birth: dt.date | None) -> dt.date:
    assert birth is not None
    return birth.replace(year=birth.year + 18, day=min(birth.day, 28))


def people_rows() -> list[tuple[str, str, str, str]]:
    return list(
        Person.objects.order_by("pk").values_list(
            "name", "document_number_hash", "mobile_hash", "address"
        )
    )


def test_demo_people_are_deterministic_valid_and_realistic() -> None:
    """One seed (they take seconds) checked from every side: people, members, posts."""
    assert people_plan() == people_plan()
    assert people_plan(seed=1).people != people_plan().people
    seed_org_demo()
    # Two fresh runs write the same people in the same order.
    with transaction.atomic():
        seed_people_demo()
        first_run = people_rows()
        transaction.set_rollback(True)
    assert Person.objects.count() == 0
    result = seed_people_demo()
    assert people_rows() == first_run
    assert [name for name, *_rest in first_run] == [p.name for p in people_plan().people]
    assert (result.created_people, result.created_party_members) == (500, 150)
    assert result.created_posts == len(people_plan().posts)

    check_people()
    check_party_members()
    check_posts()


def check_people() -> None:
    people = list(Person.objects.order_by("pk"))
    assert len(people) == 500
    areas: Counter[str] = Counter()
    for person in people:
        number = pii.decrypt(person.document_number_encrypted)
        resident = parse_resident_id(number)
        assert resident.number == number
        assert (person.birth_date, person.sex) == (resident.birth_date, resident.sex)
        assert 1 <= age(person.birth_date) <= 95
        areas[number[:6]] += 1
        if person.mobile_encrypted:
            assert parse_phone(pii.decrypt(person.mobile_encrypted)).is_mobile
        if person.landline_encrypted:
            assert pii.decrypt(person.landline_encrypted)[:6] in {"0315-2", "0315-5"}
    assert set(areas) == {"139902", "139921"}  # the demo districts' division codes
    assert areas["139921"] == 28 + 20 + 20  # the three villages of 青山县
    # Realistic spreads: many elderly, some children, nearly everyone reachable by mobile.
    ages = [age(person.birth_date) for person in people]
    assert 110 <= sum(a >= 60 for a in ages) <= 175
    assert 25 <= sum(a >= 80 for a in ages) <= 70
    assert 60 <= sum(a < 18 for a in ages) <= 120
    assert 0.86 <= sum(bool(p.mobile_hash) for p in people) / 500 <= 0.95
    assert 30 <= sum(bool(p.landline_hash) for p in people) <= 120
    assert 220 <= sum(p.sex == "male" for p in people) <= 280
    # Names: the common surnames lead, a few compound surnames, given names of 1-2 characters.
    surnames = Counter(person.name[0] for person in people)
    assert {surname for surname, _count in surnames.most_common(4)} <= set("王李张刘陈")
    assert 1 <= sum(p.name[:2] in COMPOUND_SURNAMES for p in people) <= 10
    assert all(2 <= len(person.name) <= 4 for person in people)
    assert len({person.name for person in people}) >= 400
    # Registered where they live: a building in town, a villagers' group in a village.
    homes = PersonRegistration.objects.filter(unit__kind__in=["building", "compound"])
    assert homes.values("person").distinct().count() == 500
    assert re.fullmatch(r"锦绣家园\d号楼\d单元\d{3}", people[0].address)
    assert re.fullmatch(r"王家庄村第一村民小组\d+号", people[-1].address)
    admin = User.objects.get(username="admin")
    by_community = {
        community.name: selectors.person_list_visible(user=admin, within=community).count()
        for community in OrgUnit.objects.filter(kind="community")
    }
    assert len(by_community) == 12
    assert min(by_community.values()) >= 20
    assert max(by_community, key=by_community.__getitem__) == "光明社区"


def check_party_members() -> None:
    members = list(PartyMember.objects.select_related("person", "organisation", "home_community"))
    assert len(members) == 150
    statuses = Counter(member.status for member in members)
    assert statuses["floating"] >= 3
    assert statuses["in_service"] >= 40
    assert statuses["retired"] >= 40
    assert 1 <= Counter(member.membership for member in members)["probationary"] <= 20
    for member in members:
        birth = member.person.birth_date
        assert member.joined_on is not None
        assert adult_on(birth) <= member.joined_on <= REFERENCE_DATE
        if member.membership == "full":  # a probationary year lies behind
            assert member.joined_on <= REFERENCE_DATE - dt.timedelta(days=365)
        assert member.organisation.kind in {"community", "compound"}
        if member.status == "in_service":
            assert member.home_community is not None
            assert member.home_community.kind == "community"
            assert member.employer
            # Their own party organisation is the employer's, not the community's: but for
            # the community's staff, whose employer is the community (居委会/村委会).
            if member.employer.endswith("民委员会"):
                assert member.employer_party_org == ""
            else:
                assert member.employer_party_org == EMPLOYER_PARTY_ORGS.get(
                    member.employer, member.employer
                )
            assert member.party_organisation.startswith("中共")
            assert member.dual_registered_on is not None
            assert member.joined_on <= member.dual_registered_on <= REFERENCE_DATE
        else:
            assert member.home_community is None
        if member.status == "retired":
            assert age(birth) >= (60 if member.person.sex == "male" else 55)


def check_posts() -> None:
    posts = list(Post.objects.select_related("unit", "holder", "holder__party_member"))
    assert len(posts) == len(people_plan().posts)
    assert all(post.ended_on is None for post in posts)
    kinds = Counter(post.kind for post in posts)
    assert kinds["central_household"] >= 10
    assert kinds["supervisor"] >= 5
    assert kinds["first_secretary"] == 2
    for post in posts:
        assert adult_on(post.holder.birth_date) <= post.started_on <= REFERENCE_DATE
        if post.kind in {"secretary", "first_secretary", "central_household", "supervisor"}:
            member = post.holder.party_member
            assert member.membership == "full"
            assert member.joined_on is not None
            assert post.started_on > member.joined_on
    # One person leads at most one unit, and heads at most one building.
    leading = Counter(
        post.holder_id
        for post in posts
        if post.kind in {"secretary", "first_secretary", "area_grid_head", "supervisor"}
    )
    assert max(leading.values()) == 1
    assert max(Counter(p.holder_id for p in posts if p.kind == "building_head").values()) == 1
    # Most expected posts are held; a few are vacant, some of them on purpose.
    admin = User.objects.get(username="admin")
    city = OrgUnit.objects.get(division_code="139900000000")
    vacancies = selectors.post_vacancies(user=admin, within=city)
    expected = sum(len(EXPECTED_POSTS[unit.kind]) for unit in OrgUnit.objects.all())
    assert expected == 314
    assert 5 <= len(vacancies) <= 30
    vacant = Counter((vacancy.unit.kind, vacancy.kind) for vacancy in vacancies)
    assert vacant[("community", "secretary")] == 1
    assert vacant[("community", "chief_grid_head")] == 1
    assert {(v.unit.name, v.kind) for v in vacancies} >= {
        ("友谊社区", "secretary"),
        ("柳树村", "chief_grid_head"),
    }
    assert 1 <= vacant[("compound", "secretary")] <= 6
    assert 1 <= vacant[("building", "building_head")] <= 20
    assert vacant[("street", "secretary")] == vacant[("district", "secretary")] == 0


def test_the_whole_seed_is_one_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    registered = 0
    register = services.person_register

    def fail_on_the_tenth(**kwargs: Any) -> Any:
        nonlocal registered
        registered += 1
        if registered == 10:
            raise RuntimeError("the disk is full")
        return register(**kwargs)

    monkeypatch.setattr(services, "person_register", fail_on_the_tenth)
    with pytest.raises(RuntimeError):
        call_command("seed_demo", stdout=io.StringIO())
    assert OrgUnit.objects.count() == 0
    assert Person.objects.count() == 0
    assert User.objects.count() == 0


# --- Grids, households, residents, staff, visits (seeded by the first test) ---------------------


def check_grids() -> None:
    kinds = Counter(Grid.objects.values_list("kind", flat=True))
    assert 85 <= kinds["basic"] <= 110
    # One dedicated and one special grid per street.
    for kind in ("dedicated", "special"):
        streets = Counter(
            Grid.objects.filter(kind=kind).values_list("community__parent__name", flat=True)
        )
        assert streets == {"东城街道": 1, "西城街道": 1, "南湖街道": 1, "青山镇": 1}
    assert set(Grid.objects.filter(kind="dedicated").values_list("site", flat=True)) == {
        "mall",
        "school",
        "industrial_park",
    }
    admin = User.objects.get(username="admin")
    grids: list[Any] = list(grid_selectors.grid_list_visible(user=admin, kind="basic"))
    # Every community is split into basic grids of realistic size: the count follows the
    # households (30 urban, 50 rural), and one compound not yet re-gridded is flagged.
    for community in OrgUnit.objects.filter(kind="community"):
        mine = [grid for grid in grids if grid.community_id == community.pk]
        target = 50 if community.area_type == "rural" else 30
        households = sum(grid.household_count for grid in mine)
        assert abs(len(mine) - households / target) <= len(community.children.all()), community
    warned = [grid.name for grid in grids if grid.size_warning(grid.household_count)]
    assert warned == ["友谊社区第三网格"]
    assert all(grid.boundary and grid.boundary["type"] == "Polygon" for grid in grids)


def check_households_and_residents() -> None:
    assert 2_800 <= Household.objects.count() <= 3_300
    residents = Resident.objects.count()
    assert 7_000 <= residents <= 9_000
    # Every household is in a basic grid of its own community.
    assert not Household.objects.exclude(grid__kind="basic").exists()
    assert not Household.objects.exclude(grid__community=F("community")).exists()
    assert Household.objects.filter(tenure="vacant").count() >= 100
    # Care tags on a realistic share of residents, a few restricted tags, some 人户分离.
    tags = Counter(ResidentCareTag.objects.values_list("tag", flat=True))
    assert 0.02 <= tags["lives_alone_elderly"] / residents <= 0.04
    assert 0.01 <= tags["subsistence_allowance"] / residents <= 0.03
    assert 0.01 <= tags["disabled"] / residents <= 0.03
    assert tags["left_behind_child"] >= 10
    restricted = list(Resident.objects.exclude(restricted_tags_encrypted=""))
    assert 5 <= len(restricted) <= 60
    assert all(
        restricted_tags_of(r) and set(restricted_tags_of(r)) <= set(Resident.RestrictedTag.values)
        for r in restricted
    )
    away = Resident.objects.filter(registered_here=True, lives_here=False).count()
    incoming = Resident.objects.filter(registered_here=False, lives_here=True).count()
    assert 0.02 <= away / residents <= 0.06
    assert 0.05 <= incoming / residents <= 0.15
    assert Resident.objects.filter(relation="head").count() >= 2_700
    # The people demo's 500 live in the homes they were given; everyone is known to the
    # household's community and the ID numbers are valid and sealed as person_clean seals them.
    assert Person.objects.count() == len(grids_plan().people)
    assert not Person.objects.filter(residences=None).exists()
    assert Person.objects.filter(address__startswith="光明小区").count() > 100
    for person in Person.objects.filter(pk__gt=500).order_by("pk")[::250]:
        number = pii.decrypt(person.document_number_encrypted)
        resident = parse_resident_id(number)
        sealed = services.person_clean(
            name=person.name, document_type="resident_id", document_number=number
        ).fields
        for field in (
            "name_pinyin",
            "name_initials",
            "birth_date",
            "sex",
            "document_number_hash",
            "document_number_head",
            "document_number_tail",
        ):
            assert getattr(person, field) == sealed[field], field
        assert resident.birth_date == person.birth_date
        community = Resident.objects.filter(person=person).values("household__community")
        assert PersonRegistration.objects.filter(person=person, unit__in=community).exists()


def check_grid_staff() -> None:
    admin = User.objects.get(username="admin")
    grids: list[Any] = list(grid_selectors.grid_list_visible(user=admin))
    heads = Counter(
        GridStaff.objects.filter(role="head", ended_on=None).values_list("grid", flat=True)
    )
    assert all(heads[grid.pk] == 1 for grid in grids)
    assert all(grid.staff_count >= 3 for grid in grids)
    share = grid_selectors.grid_staff_share(user=admin)
    assert share.share is not None
    assert 0.6 <= share.share <= 0.75
    below = [grid for grid in grids if grid.party_staff_count / grid.staff_count < 0.6]
    assert 3 <= len(below) <= 15
    # Every grid has a full-time worker with an account of its community.
    full_time = GridStaff.objects.filter(employment="full_time", ended_on=None)
    assert set(full_time.values_list("grid", flat=True)) == {grid.pk for grid in grids}
    assert not full_time.filter(account=None).exists()
    assert not full_time.exclude(account__anchor_unit=F("grid__community")).exists()
    # The demo grid worker staffs grids of 光明社区 that have households.
    grid = User.objects.get(username="grid")
    mine: list[Any] = list(grid_selectors.grid_list_visible(user=grid, mine=True))
    assert 1 <= len(mine) <= 2
    assert all(g.community.name == "光明社区" and g.household_count >= 20 for g in mine)
    assert policy(grid, Household).count() == sum(g.household_count for g in mine)
    assert Person.objects.filter(name="张强", grid_posts__account=grid).exists()


def check_visits() -> None:
    now = timezone.now()
    visits = Visit.objects.all()
    assert 3_000 <= visits.count() <= 9_000
    assert not visits.filter(visited_at__lt=now - dt.timedelta(days=90)).exists()
    assert not visits.filter(visited_at__gt=now).exists()
    assert 20 <= visits.filter(hazard_found=True).count() <= 300
    assert not visits.filter(hazard_found=True, notes="").exists()
    assert set(visits.values_list("purpose", flat=True)) == set(Visit.Purpose.values)
    # Every grid was visited; the visitors are grid workers of the grid's community (and the
    # community worker of 光明社区).
    assert visits.values("grid").distinct().count() == Grid.objects.count()
    grid_worker = visits.filter(visitor__role="grid_worker")
    assert not grid_worker.exclude(visitor__anchor_unit=F("grid__community")).exists()
    assert set(
        visits.exclude(visitor__role="grid_worker").values_list("visitor__username", flat=True)
    ) == {"worker"}
    assert visits.filter(household__isnull=False).exclude(household__grid=F("grid")).count() == 0


# --- Volunteers (seeded by the first test) -----------------------------------------------------


def check_volunteers() -> None:
    now = timezone.now()
    communities = OrgUnit.objects.filter(kind="community")
    # 25 volunteers a community, party members among them; a 先锋队 and a 帮帮团 each, led by
    # volunteers with accounts of the community.
    per_community = Counter(Volunteer.objects.values_list("community__name", flat=True))
    assert per_community == {community.name: 25 for community in communities}
    party = Volunteer.objects.filter(person__party_member__isnull=False).count()
    assert 0.3 <= party / 300 <= 0.6
    teams = Counter(Team.objects.values_list("kind", flat=True))
    assert teams == {"vanguard": 12, "helping_group": 12}
    assert not Team.objects.exclude(lead__account__anchor_unit=F("unit")).exists()
    assert not Team.objects.exclude(members=F("lead")).exists()
    # Every in-service party member living in a community is registered there (双报到).
    in_service = PartyMember.objects.filter(status="in_service", home_community__isnull=False)
    registered = DualRegistration.objects.filter(
        ended_on=None, community=F("party_member__home_community")
    )
    assert registered.count() == in_service.count()
    assert registered.exclude(post="").count() == registered.count()
    assert Pairing.objects.filter(ended_on=None).values("community").distinct().count() == 12
    # Every stage of both workflows; wishes open on the demo community's board.
    assert set(Wish.objects.values_list("status", flat=True)) == set(WishStatus.values)
    assert set(WorkOrder.objects.values_list("status", flat=True)) == set(WorkOrderStatus.values)
    assert Wish.objects.filter(community__name="光明社区", status="posted").count() >= 3
    assert not Wish.objects.filter(posted_at__gt=now).exists()
    assert not WorkOrder.objects.filter(ordered_at__gt=now).exists()
    for wish in Wish.objects.filter(status="confirmed"):
        assert wish.events.order_by("at", "id").last().at == wish.confirmed_at  # type: ignore[union-attr]
        assert PointEntry.objects.filter(
            source_type="volunteers.Wish", source_id=wish.pk, volunteer=wish.claimed_by
        ).exists()
    # Activities over the last three months and the weeks ahead; attendance earned points.
    activities = VolunteerActivity.objects.all()
    assert not activities.filter(starts_at__lt=now - dt.timedelta(days=100)).exists()
    assert activities.filter(starts_at__gt=now).exists()
    attended = Signup.objects.filter(checked_in_at__isnull=False)
    assert not attended.filter(activity__starts_at__gt=now).exists()
    assert (
        PointEntry.objects.filter(source_type="volunteers.Signup").count() == 2 * attended.count()
    )
    # Balances never below zero; the demo account has points, a redemption and leads its team.
    for volunteer in Volunteer.objects.filter(redemptions__isnull=False).distinct():
        assert volunteer_services.points_balance(volunteer) >= 0
    me = Volunteer.objects.get(account__username="volunteer")
    assert me.community.name == "光明社区"
    assert volunteer_services.points_balance(me) > 0
    assert Redemption.objects.filter(volunteer=me).exists()
    assert Team.objects.get(name="光明先锋队").lead == me
    assert Reward.objects.filter(unit__kind="community").count() == 72


# --- Consultations (seeded by the first test) ----------------------------------------------


def check_consultations() -> None:
    now = timezone.now()
    topics = Topic.objects.all()
    # Eight topics a community, in every stage; no step after the moment of seeding.
    assert Counter(topics.values_list("community__name", flat=True)) == dict.fromkeys(
        OrgUnit.objects.filter(kind="community").values_list("name", flat=True), 8
    )
    assert set(topics.values_list("status", flat=True)) == set(TopicStatus.values)
    assert not TopicEvent.objects.filter(at__gt=now).exists()
    # Every decision counted its votes and had its quorum; a topic on notice is still on it.
    for topic in topics.exclude(decided_at=None):
        assert topic.votes_cast == Vote.objects.filter(topic=topic).count() >= (topic.quorum or 1)
        assert (topic.status == "not_adopted") is (topic.votes_for * 2 <= topic.votes_cast)
    on_notice = topics.filter(status="published")
    assert on_notice.exists()
    assert not on_notice.filter(notice_until__lte=now).exists()
    # 光明社区's meeting is under way for the worker: votes in, short of its quorum.
    journey = topics.get(community__name="光明社区", status="deliberated")
    assert 0 < Vote.objects.filter(topic=journey).count() < (journey.quorum or 0)
    assert journey.posted_by.username == "worker"
    assert journey.meetings.get().status == "scheduled"
    # Every topic that reached its meeting was decided at one, its voters signed in.
    for topic in topics.exclude(decided_at=None):
        meeting = topic.decided_at_meeting
        assert meeting is not None
        assert meeting.status == "held"
        signed = set(
            meeting.invitees.exclude(signed_in_at=None).values_list("person_id", flat=True)
        )
        assert set(Vote.objects.filter(topic=topic).values_list("voter_id", flat=True)) <= signed
    # Micro-governance: a project done and a 五有院落 in each community, one under way.
    # (the second compound's project where the community has a second compound).
    projects = Counter(Project.objects.values_list("status", flat=True))
    assert projects["completed"] == 12
    assert 0 < projects["in_progress"] <= 12
    assert set(projects) == {"completed", "in_progress"}
    assert sum(1 for status in FiveHaves.objects.all() if status.complete) == 12
    # A people's suggestion became a topic where the community had one.
    assert topics.filter(source="petition", petition__channel="suggestion").exists()


# --- Petitions (seeded by the first test) ----------------------------------------------------


# Admin pages of rows that belong to no unit: every administrator keeps them (the deadline
# policies, the working-day calendar, the points rules); everything else is scoped.
ADMINS_OF_NO_UNIT = {
    "petitions.DeadlinePolicy",
    "petitions.CalendarYear",
    "petitions.CalendarDay",
    "volunteers.PointRule",
    "dashboard.RankingScheme",
}


def check_admin_querysets() -> None:
    """Every admin page lists the policy's rows and no others: for an administrator of one
    street, on the whole demo (two districts), each changelist's queryset lies inside
    ``policy.overseen`` and misses none of it; pages without a policy rule are either closed
    to them or hold rows of no unit."""
    from django.contrib import admin

    from orgchart.policy import VISIBILITY_RULES, overseen

    official = User.objects.get(username="official")
    street_admin = User.objects.create(
        username="demo_street_admin",
        role=User.Role.ADMIN,
        is_staff=True,
        anchor_unit=official.anchor_unit,
    )
    request = RequestFactory().get("/admin/")
    request.user = street_admin
    scoped_rows = outside_rows = 0
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if not model_admin.has_module_permission(request):
            continue
        if label not in VISIBILITY_RULES:
            assert label in ADMINS_OF_NO_UNIT, f"{label}: an admin page outside the policy"
            continue
        shown = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        allowed = set(overseen(street_admin, model).values_list("pk", flat=True))
        assert shown == allowed, label
        scoped_rows += len(shown)
        outside_rows += model._default_manager.exclude(pk__in=allowed).count()
    # The check saw rows on both sides of the street's border.
    assert scoped_rows > 1000
    assert outside_rows > 1000


def check_petitions() -> None:
    now = timezone.now()
    # The plan is a function of the seed and the moment (and the demo world).
    world = load_world(REFERENCE_NOW)
    assert petitions_plan(world) == petitions_plan(world)
    assert petitions_plan(world, seed=1) != petitions_plan(world)
    petitions = Petition.objects.all()
    assert petitions.count() == PETITIONS
    assert set(petitions.values_list("status", flat=True)) == set(PetitionStatus.values)
    assert not petitions.filter(created_at__lt=now - dt.timedelta(days=183)).exists()
    assert not PetitionEvent.objects.filter(at__gt=now).exists()
    # Numbered in the order they were logged, without gaps.
    logged = list(petitions.order_by("created_at", "pk").values_list("number", flat=True))
    assert logged == sorted(logged)
    for year, last in NumberSequence.objects.filter(name="petition").values_list("year", "last"):
        assert petitions.filter(number__startswith=f"{year}-").count() == last
    # Each change of a petition is one event (the services' version counts them), and the
    # petition is where its last event left it; each intake has its audit row.
    events: dict[int, list[PetitionEvent]] = {}
    for event in PetitionEvent.objects.order_by("at", "id"):
        events.setdefault(event.petition_id, []).append(event)
    dispatch_actions = {"report", "return", "complete", "rate"}
    for petition in petitions:
        mine = events[petition.pk]
        assert petition.version == len(mine), petition.number
        assert mine[0].action == "create"
        own = [event for event in mine if event.action not in dispatch_actions]
        assert own[-1].to_status == petition.status, petition.number
    for dispatch in Dispatch.objects.prefetch_related("events"):
        own = sorted(dispatch.events.all(), key=lambda event: (event.at, event.pk))
        if not own:  # whistled (an event of the petition), not yet reported
            assert dispatch.status == "pending"
            continue
        assert own[-1].to_status == dispatch.status or own[-1].action == "escalate"
    assert (
        AuditEvent.objects.filter(object_type="petitions.Petition", action="create").count()
        == PETITIONS
    )
    # Escalated by the sweep, within a minute of the deadline, to the street and the district.
    escalations = list(Escalation.objects.select_related("to_unit"))
    assert Counter(item.to_unit.kind for item in escalations)["street"] >= 20
    assert Counter(item.to_unit.kind for item in escalations)["district"] >= 3
    assert all(dt.timedelta(0) <= e.at - e.due_at < dt.timedelta(minutes=1) for e in escalations)
    assert PetitionEvent.objects.filter(action="escalate").count() == len(escalations)
    # Overdue right now (red until the running beat escalates them).
    admin = User.objects.get(username="admin")
    assert petition_selectors.petition_list_visible(user=admin, overdue=True).exists()
    open_dispatches = Dispatch.objects.filter(status__in=OPEN_DISPATCH_STATUSES)
    assert any(
        petition_selectors.dispatch_light(dispatch) == "red"
        for dispatch in open_dispatches.select_related("petition__policy")
    )
    # Whistles with assists, returns (退单), ratings, repeats, complex, supervised, 信访 cases.
    assert Dispatch.objects.filter(role="assist").count() >= 50
    assert Dispatch.objects.filter(status="returned").count() >= 10
    assert Dispatch.objects.filter(rating__isnull=False).count() >= 500
    repeats = petitions.filter(is_repeat=True).select_related("repeat_of")
    assert repeats.count() >= 10
    assert all(
        (p.petitioner_id, p.category) == (p.repeat_of.petitioner_id, p.repeat_of.category)  # type: ignore[union-attr]
        for p in repeats
    )
    assert petitions.exclude(complexity="").count() >= 20
    assert petitions.filter(is_supervised=True).count() >= 20
    assert petitions.filter(track="formal").count() >= 20
    assert petitions.filter(reopen_count__gt=0).exists()
    assert petitions.filter(extension_state="approved").exists()
    # Every department has a handler; ``handler`` (城管局) finds whistles to report and finish.
    for department in Department.objects.all():
        assert User.objects.filter(role="department_handler", anchor_department=department)
    handler = User.objects.get(username="handler")
    inbox = Counter(
        open_dispatches.filter(department=handler.anchor_department).values_list(
            "status", flat=True
        )
    )
    assert inbox["pending"] >= 2
    assert inbox["reported"] >= 1
    # ``worker`` (光明社区) finds a case at every open stage; ``official`` one to decide.
    worker = User.objects.get(username="worker")
    stages = Counter(
        petitions.filter(community=worker.anchor_unit).values_list("status", flat=True)
    )
    for status in ("submitted", "accepted", "dispatched", "in_progress", "replied", "closed"):
        assert stages[status] >= 1, status
    official = User.objects.get(username="official")
    assert petitions.filter(extension_state="requested", community__parent=official.anchor_unit)
    assert petitions.filter(handling_unit=official.anchor_unit, status="submitted").exists()
    # Old messages are read; the unit staff accounts log in.
    assert not Notification.objects.filter(
        read_at__isnull=True, created_at__lt=now - dt.timedelta(days=3)
    ).exists()
    for unit_name in ("和平社区", "西城街道", "云阳区"):
        username = unit_staff_username(unit_name)
        user = authenticate(RequestFactory().post("/"), username=username, password="demo12345")
        assert user is not None
        assert user.anchor_unit is not None
        assert user.anchor_unit.name == unit_name
