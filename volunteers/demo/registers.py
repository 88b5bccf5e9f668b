"""双报到 (partner units, pairings, registrations), volunteers with their accounts, teams
and the reward catalogue of each community."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password

from orgchart.demo import DEMO_PASSWORD
from orgchart.demo.people import EMPLOYERS_RURAL, EMPLOYERS_URBAN
from orgchart.models import OrgUnit, PartyMember, Person, PersonRegistration, User
from volunteers import services
from volunteers.demo.state import (
    PARTY_MEMBERS_PER_COMMUNITY,
    VOLUNTEER_ACCOUNT,
    VOLUNTEER_COMMUNITY,
    VOLUNTEERS_PER_COMMUNITY,
    DemoCommunity,
    Seeder,
    phase_rng,
)
from volunteers.demo.texts import COMMITMENTS, PARTNER_KINDS, POSTS, REWARDS
from volunteers.models import (
    DualRegistration,
    Pairing,
    PartnerUnit,
    Reward,
    ServicePostKind,
    Skill,
    Team,
    Volunteer,
)


def _partner_kind(name: str) -> str:
    for suffix, kind in PARTNER_KINDS:
        if name.endswith(suffix):
            return kind
    return PartnerUnit.Kind.STATE_ENTERPRISE


def _age(person: Person, today: dt.date) -> int | None:
    if person.birth_date is None:
        return None
    birth = person.birth_date
    return today.year - birth.year - int((today.month, today.day) < (birth.month, birth.day))


# --- 双报到: partner units, pairings, registrations --------------------------------------------


def create_partner_units(seeder: Seeder) -> None:
    districts = {
        unit.name: unit
        for unit in OrgUnit.objects.filter(
            kind=OrgUnit.Kind.DISTRICT, name__in=["云阳区", "青山县"]
        )
    }
    urban_district = districts.get("云阳区")
    rural_district = districts.get("青山县") or urban_district
    if urban_district is None:
        return
    plan = [(name, urban_district) for name in EMPLOYERS_URBAN]
    plan += [(name, rural_district) for name in EMPLOYERS_RURAL if rural_district]
    known = {(p.unit_id, p.name): p for p in PartnerUnit.objects.all()}
    partners: dict[str, list[PartnerUnit]] = {"urban": [], "rural": []}
    for name, unit in plan:
        assert unit is not None  # noqa: S101 - filtered above
        partner = known.get((unit.pk, name))
        if partner is None:
            partner = services.partner_unit_create(
                actor=None, unit=unit, name=name, kind=_partner_kind(name)
            )
            seeder.result.created_partner_units += 1
        rural = name in EMPLOYERS_RURAL and unit is rural_district
        partners["rural" if rural else "urban"].append(partner)
    current = set(
        Pairing.objects.filter(ended_on__isnull=True).values_list("partner_id", "community_id")
    )
    urban_index = rural_index = 0
    for community in seeder.communities:
        village = community.unit.area_type == OrgUnit.AreaType.RURAL and bool(partners["rural"])
        pool = partners["rural"] if village else partners["urban"]
        rng = phase_rng(seeder.seed, "pairing", community.unit)
        for _turn in range(2):
            if village:
                partner = pool[rural_index % len(pool)]
                rural_index += 1
            else:
                partner = pool[urban_index % len(pool)]
                urban_index += 1
            community.partners.append(partner)
            if (partner.pk, community.unit.pk) in current:
                continue
            services.pairing_create(
                actor=None,
                partner=partner,
                community=community.unit,
                commitments=rng.choice(COMMITMENTS),
                started_on=dt.date(2023 + rng.randrange(3), rng.choice([1, 3, 7]), 1),
            )
            current.add((partner.pk, community.unit.pk))
            seeder.result.created_pairings += 1


def create_dual_registrations(seeder: Seeder) -> None:
    partners = {p.name: p for p in PartnerUnit.objects.order_by("pk")}
    registered = set(
        DualRegistration.objects.filter(ended_on__isnull=True).values_list(
            "party_member_id", flat=True
        )
    )
    members = (
        PartyMember.objects.filter(
            status=PartyMember.Status.IN_SERVICE,
            home_community__kind=OrgUnit.Kind.COMMUNITY,
        )
        .exclude(pk__in=registered)
        .select_related("person", "home_community")
        .order_by("pk")
    )
    buildings: dict[int, list[OrgUnit]] = {}
    for member in members:
        community = member.home_community
        assert community is not None  # noqa: S101 - filtered above
        rng = random.Random(f"{seeder.seed}:post:{member.person_id}")  # noqa: S311
        post = rng.choices([p for p, _w in POSTS], [w for _p, w in POSTS])[0]
        post_unit = None
        if post == ServicePostKind.BUILDING_HEAD:
            if community.pk not in buildings:
                buildings[community.pk] = list(
                    OrgUnit.objects.filter(
                        tree_id=community.tree_id,
                        lft__gt=community.lft,
                        rght__lt=community.rght,
                        kind=OrgUnit.Kind.BUILDING,
                    ).order_by("lft")
                )
            if buildings[community.pk]:
                post_unit = rng.choice(buildings[community.pk])
            else:
                post = ServicePostKind.PATROL
        services.dual_register(
            actor=None,
            party_member=member,
            community=community,
            partner=partners.get(member.employer),
            post=post,
            post_unit=post_unit,
            registered_on=member.dual_registered_on or seeder.today,
        )
        seeder.result.created_registrations += 1


# --- Volunteers, teams, accounts, rewards ------------------------------------------------------


def candidates(seeder: Seeder, community: DemoCommunity) -> tuple[list[Person], list[Person]]:
    """Adults (18 to 75) known to the community or a unit below it: party members of
    the community first (registered here by 双报到, or organised here), then the rest."""
    unit = community.unit
    subtree = OrgUnit.objects.filter(tree_id=unit.tree_id, lft__gte=unit.lft, rght__lte=unit.rght)
    # Plain id lists, not subqueries: the seed runs in one transaction, where the planner's
    # statistics may still describe empty tables.
    known = set(
        PersonRegistration.objects.filter(unit__in=subtree).values_list("person_id", flat=True)
    )
    # A volunteer of one community only: someone known to two stays with the first.
    known -= set(Volunteer.objects.filter(person_id__in=known).values_list("person_id", flat=True))
    people = [
        person
        for person in Person.objects.filter(pk__in=known).order_by("pk")
        if (age := _age(person, seeder.today)) is not None and 18 <= age <= 75
    ]
    members = set(
        PartyMember.objects.filter(person__in=[p.pk for p in people])
        .filter(
            home_community=unit,
            status=PartyMember.Status.IN_SERVICE,
        )
        .values_list("person_id", flat=True)
    ) | set(
        PartyMember.objects.filter(
            person__in=[p.pk for p in people],
            organisation__in=subtree,
            status=PartyMember.Status.RETIRED,
        ).values_list("person_id", flat=True)
    )
    party = [p for p in people if p.pk in members]
    others = [p for p in people if p.pk not in members]
    return party, others


def account(seeder: Seeder, username: str, person: Person, community: DemoCommunity) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        if not seeder.password_hash:
            seeder.password_hash = make_password(DEMO_PASSWORD)
        user = User.objects.create(
            username=username,
            first_name=person.name,
            role=User.Role.VOLUNTEER,
            anchor_unit=community.unit,
            password=seeder.password_hash,
        )
        seeder.result.created_accounts += 1
    return user


def create_volunteers(seeder: Seeder, community: DemoCommunity) -> None:
    unit = community.unit
    existing = list(
        Volunteer.objects.filter(community=unit).select_related("person").order_by("pk")
    )
    if not existing:
        register_volunteers(seeder, community)
        existing = list(
            Volunteer.objects.filter(community=unit).select_related("person").order_by("pk")
        )
    community.volunteers = existing
    community.accounts = [v for v in existing if v.account_id is not None]


def register_volunteers(seeder: Seeder, community: DemoCommunity) -> None:
    unit = community.unit
    rng = phase_rng(seeder.seed, "volunteers", unit)
    party, others = candidates(seeder, community)
    if len(party) + len(others) < 4:
        return
    rng.shuffle(others)
    lead_account = None
    if unit.name == VOLUNTEER_COMMUNITY:
        lead_account = User.objects.filter(username=VOLUNTEER_ACCOUNT).first()
        if lead_account is not None and lead_account.anchor_unit_id == unit.pk:
            # The demo account's person: its namesake if known here, else a party member.
            same_name = [p for p in party + others if p.name == lead_account.first_name]
            if same_name:
                namesake = same_name[0]
                party = [namesake, *[p for p in party if p != namesake]]
                others = [p for p in others if p != namesake]
        else:
            lead_account = None
    chosen_party = party[:PARTY_MEMBERS_PER_COMMUNITY]
    chosen = chosen_party + others[: max(0, VOLUNTEERS_PER_COMMUNITY - len(chosen_party))]
    # Accounts: the two team leads (party members where there are some) and one member.
    with_accounts = [chosen[0], chosen[1] if len(chosen_party) > 1 else chosen[-1]]
    with_accounts.append(chosen[-2])
    accounts: dict[int, User] = {}
    for index, person in enumerate(with_accounts, start=1):
        if index == 1 and lead_account is not None:
            accounts[person.pk] = lead_account
        else:
            accounts[person.pk] = account(
                seeder, f"volunteer_{community.pinyin}_{index}", person, community
            )
    for person in chosen:
        services.volunteer_register(
            actor=None,
            person=person,
            community=unit,
            skills=rng.sample(Skill.values, rng.choice([1, 1, 2, 2, 3])),
            availability=rng.choice(Volunteer.Availability.values),
            account=accounts.get(person.pk),
            registered_on=seeder.today - dt.timedelta(days=rng.randrange(100, 900)),
        )
        seeder.result.created_volunteers += 1


def create_teams(seeder: Seeder, community: DemoCommunity) -> None:
    unit = community.unit
    known = {team.name: team for team in Team.objects.filter(unit=unit)}
    volunteers = community.volunteers
    if len(volunteers) < 3:
        return
    party_people = set(
        PartyMember.objects.filter(person__volunteer__in=volunteers).values_list(
            "person_id", flat=True
        )
    )
    party = [v for v in volunteers if v.person_id in party_people]
    others = [v for v in volunteers if v.person_id not in party_people]
    accounts = community.accounts
    if not accounts:
        return
    rng = phase_rng(seeder.seed, "teams", unit)
    plans = (
        (
            f"{community.short}先锋队",
            Team.Kind.VANGUARD,
            accounts[0],
            party[:12] or volunteers[:8],
        ),
        (
            f"{community.short}帮帮团",
            Team.Kind.HELPING_GROUP,
            accounts[1] if len(accounts) > 1 else accounts[0],
            [*party[12:], *rng.sample(others, min(len(others), 10))],
        ),
    )
    for name, kind, lead, members in plans:
        team = known.get(name)
        if team is None:
            member_list = [*members, *accounts[2:]]
            team = services.team_create(
                actor=None, unit=unit, name=name, kind=kind, lead=lead, members=member_list
            )
            seeder.result.created_teams += 1
        community.teams.append(team)


def create_rewards(seeder: Seeder, community: DemoCommunity) -> None:
    known = set(Reward.objects.filter(unit=community.unit).values_list("name", flat=True))
    for name, points, stock, description in REWARDS:
        if name in known:
            continue
        services.reward_create(
            actor=None,
            unit=community.unit,
            name=name,
            points=points,
            stock=stock,
            description=description,
        )
        seeder.result.created_rewards += 1
