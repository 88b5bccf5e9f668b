"""Demo volunteer service (part of ``manage.py seed_demo``, after the grids and petitions).

What it builds, per community of the demo city:

* the points rules, partner units (the employers of the demo's in-service party members)
  paired with the communities (包联), and the 双报到 of every in-service party member at the
  community they live in, with a claimed post (设岗定责);
* about 25 volunteers among the adults known to the community (party members first), a
  先锋队 and a 帮帮团, three volunteer accounts (the team leads and one member; in 光明社区 the
  demo account ``volunteer`` leads 光明先锋队), a reward catalogue;
* micro-wishes and work orders in every stage, played through ``volunteers.services`` with
  ``now=`` at each step's moment in the last 90 days, so events, times and points are those
  the services write (in 光明社区 some wishes stay posted for the demo journey);
* weekly Saturday volunteer days and a monthly theme day over the last 13 weeks and the next
  two, created through ``activity_create``; sign-ups, check-ins, hours and their points are
  written in bulk as ``activity_check_in`` writes them (sign-up needs the volunteer's own
  account, which most demo volunteers do not have), with their audit rows;
* a few redemptions (积分兑换) through ``redemption_create``, some handed over.

Deterministic: every choice comes from a ``random.Random`` seeded by the seed, the phase and
the community's division code; times hang on the day of seeding (``now``), like the visits.
Idempotent: partner units by (unit, name), pairings by (partner, community) among current
ones, registrations by party member, volunteers by person, teams by (unit, name), accounts by
username, rewards by (unit, name); a community that has wishes, work orders, activities or
redemptions gets no more of them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from governance.audit import audit_changes
from governance.models import AuditEvent
from governance.pii import mask_name
from grids.demo.plan import community_pinyin
from orgchart.demo import DEMO_PASSWORD
from orgchart.demo.people import EMPLOYERS_RURAL, EMPLOYERS_URBAN
from orgchart.models import OrgUnit, PartyMember, Person, PersonRegistration, User
from volunteers import services
from volunteers.demo.texts import (
    COMMITMENTS,
    PARTNER_KINDS,
    POSTS,
    REWARDS,
    THEMES,
    WISHES,
    WORK_ORDERS,
)
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
    WorkOrder,
)

VOLUNTEERS_SEED = 20260701
VOLUNTEERS_PER_COMMUNITY = 25
PARTY_MEMBERS_PER_COMMUNITY = 13
PAST_WEEKS = 13
BATCH = 1000
# The demo account that leads 光明先锋队; its name is the account's own.
VOLUNTEER_ACCOUNT = "volunteer"
VOLUNTEER_COMMUNITY = "光明社区"


@dataclass
class VolunteersSeedResult:
    created_partner_units: int = 0
    created_pairings: int = 0
    created_registrations: int = 0
    created_accounts: int = 0
    created_volunteers: int = 0
    created_teams: int = 0
    created_rewards: int = 0
    created_wishes: int = 0
    created_work_orders: int = 0
    created_activities: int = 0
    created_signups: int = 0
    created_redemptions: int = 0

    def summary(self) -> str:
        return (
            f"Demo volunteers: {self.created_partner_units} partner units, "
            f"{self.created_pairings} pairings, {self.created_registrations} dual registrations, "
            f"{self.created_volunteers} volunteers, {self.created_accounts} volunteer accounts, "
            f"{self.created_teams} teams, {self.created_rewards} rewards, "
            f"{self.created_wishes} wishes, {self.created_work_orders} work orders, "
            f"{self.created_activities} activities, {self.created_signups} sign-ups, "
            f"{self.created_redemptions} redemptions created."
        )


@dataclass
class _Community:
    unit: OrgUnit
    short: str  # 光明 for 光明社区
    pinyin: str
    worker: User | None = None  # acts for the community where an account exists
    official: User | None = None  # of the street above
    volunteers: list[Volunteer] = field(default_factory=list)
    accounts: list[Volunteer] = field(default_factory=list)  # volunteers with an account
    teams: list[Team] = field(default_factory=list)
    partners: list[PartnerUnit] = field(default_factory=list)


def _rng(seed: int, phase: str, unit: OrgUnit) -> random.Random:
    return random.Random(f"{seed}:{phase}:{unit.division_code or unit.pk}")  # noqa: S311


def _short(name: str) -> str:
    for suffix in ("社区", "村"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


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


class _Seeder:
    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.seed = seed
        self.now = now
        self.today = timezone.localdate(now)
        self.result = VolunteersSeedResult()
        self.communities: list[_Community] = []
        self.fallback_user: User | None = None
        self.audit: list[AuditEvent] = []
        self.password_hash = ""

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def run(self) -> VolunteersSeedResult:
        services.point_rules_ensure_defaults()
        self.load_communities()
        if not self.communities:
            return self.result
        self.create_partner_units()
        self.create_dual_registrations()
        for community in self.communities:
            self.create_volunteers(community)
            self.create_teams(community)
            self.create_rewards(community)
        for community in self.communities:
            self.create_wishes(community)
            self.create_work_orders(community)
            self.create_activities(community)
        self.write_audit()
        for community in self.communities:
            self.create_redemptions(community)
        return self.result

    # The demo city --------------------------------------------------------------------------

    def load_communities(self) -> None:
        staff = User.objects.filter(is_active=True).order_by("pk")
        workers: dict[int, User] = {}
        officials: dict[int, User] = {}
        for user in staff.filter(role=User.Role.COMMUNITY_WORKER):
            workers.setdefault(user.anchor_unit_id or 0, user)
        for user in staff.filter(role=User.Role.OFFICIAL, anchor_unit__kind=OrgUnit.Kind.STREET):
            officials.setdefault(user.anchor_unit_id or 0, user)
        self.fallback_user = staff.filter(is_superuser=True).first() or staff.first()
        for unit in OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY).order_by("tree_id", "lft"):
            self.communities.append(
                _Community(
                    unit=unit,
                    short=_short(unit.name),
                    pinyin=community_pinyin(unit.name),
                    worker=workers.get(unit.pk),
                    official=officials.get(unit.parent_id or 0),
                )
            )

    def poster(self, community: _Community) -> User:
        poster = community.worker or self.fallback_user
        assert poster is not None  # noqa: S101 - the demo accounts exist before this runs
        return poster

    # 双报到: partner units, pairings, registrations -----------------------------------------

    def create_partner_units(self) -> None:
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
                self.result.created_partner_units += 1
            rural = name in EMPLOYERS_RURAL and unit is rural_district
            partners["rural" if rural else "urban"].append(partner)
        current = set(
            Pairing.objects.filter(ended_on__isnull=True).values_list("partner_id", "community_id")
        )
        urban_index = rural_index = 0
        for community in self.communities:
            village = community.unit.area_type == OrgUnit.AreaType.RURAL and bool(partners["rural"])
            pool = partners["rural"] if village else partners["urban"]
            rng = _rng(self.seed, "pairing", community.unit)
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
                self.result.created_pairings += 1

    def create_dual_registrations(self) -> None:
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
            rng = random.Random(f"{self.seed}:post:{member.person_id}")  # noqa: S311
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
                registered_on=member.dual_registered_on or self.today,
            )
            self.result.created_registrations += 1

    # Volunteers, teams, accounts, rewards ---------------------------------------------------

    def candidates(self, community: _Community) -> tuple[list[Person], list[Person]]:
        """Adults (18 to 75) known to the community or a unit below it: party members of
        the community first (registered here by 双报到, or organised here), then the rest."""
        unit = community.unit
        subtree = OrgUnit.objects.filter(
            tree_id=unit.tree_id, lft__gte=unit.lft, rght__lte=unit.rght
        )
        known = PersonRegistration.objects.filter(unit__in=subtree).values("person_id")
        people = [
            person
            # A volunteer of one community only: someone known to two stays with the first.
            for person in Person.objects.filter(pk__in=known, volunteer__isnull=True).order_by("pk")
            if (age := _age(person, self.today)) is not None and 18 <= age <= 75
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

    def account(self, username: str, person: Person, community: _Community) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            if not self.password_hash:
                self.password_hash = make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=username,
                first_name=person.name,
                role=User.Role.VOLUNTEER,
                anchor_unit=community.unit,
                password=self.password_hash,
            )
            self.result.created_accounts += 1
        return user

    def create_volunteers(self, community: _Community) -> None:
        unit = community.unit
        existing = list(
            Volunteer.objects.filter(community=unit).select_related("person").order_by("pk")
        )
        if not existing:
            self.register_volunteers(community)
            existing = list(
                Volunteer.objects.filter(community=unit).select_related("person").order_by("pk")
            )
        community.volunteers = existing
        community.accounts = [v for v in existing if v.account_id is not None]

    def register_volunteers(self, community: _Community) -> None:
        unit = community.unit
        rng = _rng(self.seed, "volunteers", unit)
        party, others = self.candidates(community)
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
                accounts[person.pk] = self.account(
                    f"volunteer_{community.pinyin}_{index}", person, community
                )
        for person in chosen:
            services.volunteer_register(
                actor=None,
                person=person,
                community=unit,
                skills=rng.sample(Skill.values, rng.choice([1, 1, 2, 2, 3])),
                availability=rng.choice(Volunteer.Availability.values),
                account=accounts.get(person.pk),
                registered_on=self.today - dt.timedelta(days=rng.randrange(100, 900)),
            )
            self.result.created_volunteers += 1

    def create_teams(self, community: _Community) -> None:
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
        rng = _rng(self.seed, "teams", unit)
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
                self.result.created_teams += 1
            community.teams.append(team)

    def create_rewards(self, community: _Community) -> None:
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
            self.result.created_rewards += 1

    # Micro-wishes and work orders, played through the services --------------------------------

    def create_wishes(self, community: _Community) -> None:
        unit = community.unit
        if Wish.objects.filter(community=unit).exists() or not community.accounts:
            return
        rng = _rng(self.seed, "wishes", unit)
        worker = community.worker
        poster = self.poster(community)
        claimers = community.accounts
        journey = unit.name == VOLUNTEER_COMMUNITY
        # (stage, days ago it was posted): every stage, most confirmed; the demo community
        # keeps three posted wishes open for the demo journey.
        script = [
            ("confirmed", 80),
            ("confirmed", 62),
            ("released", 50),
            ("confirmed", 41),
            ("withdrawn", 33),
            ("confirmed", 24),
            ("fulfilled", 12),
            ("claimed", 6),
            ("posted", 3),
        ]
        if journey:
            script += [("posted", 2), ("posted", 1)]
        texts = rng.sample(WISHES, len(script)) if len(script) <= len(WISHES) else list(WISHES)
        beneficiaries = list(
            Person.objects.filter(
                registrations__unit=unit, birth_date__lt=dt.date(self.today.year - 70, 1, 1)
            ).order_by("pk")[:40]
        )
        for index, ((stage, days_ago), (title, description)) in enumerate(
            zip(script, texts, strict=False)
        ):
            start = self.now - dt.timedelta(days=days_ago, hours=rng.randrange(1, 6))
            # The demo account claims some of its community's wishes (the fulfilled and the
            # claimed one, and a confirmed one), others claim the rest.
            if journey and stage in ("fulfilled", "claimed"):
                claimer = claimers[0]
            else:
                claimer = claimers[index % len(claimers)]
            assert claimer.account is not None  # noqa: S101 - chosen among accounts
            wish = services.wish_post(
                actor=None,
                community=unit,
                title=title,
                description=description,
                beneficiary=rng.choice(beneficiaries) if beneficiaries else None,
                posted_by=poster,
                now=start,
            )
            self.result.created_wishes += 1
            if stage == "posted":
                continue
            if stage == "withdrawn":
                services.wish_withdraw(
                    actor=worker,
                    wish=wish,
                    reason="居民家属已自行解决",
                    now=start + dt.timedelta(days=2),
                )
                continue
            if stage == "released":
                first = claimers[(index + 1) % len(claimers)]
                assert first.account is not None  # noqa: S101
                services.wish_claim(
                    actor=first.account, wish=wish, now=start + dt.timedelta(hours=5)
                )
                services.wish_release(
                    actor=first.account,
                    wish=wish,
                    reason="近期出差，无法按时完成",
                    now=start + dt.timedelta(days=1),
                )
            services.wish_claim(
                actor=claimer.account, wish=wish, now=start + dt.timedelta(days=1, hours=3)
            )
            if stage == "claimed":
                continue
            services.wish_fulfil(
                actor=claimer.account,
                wish=wish,
                note="已上门完成，居民表示满意",
                now=start + dt.timedelta(days=3),
            )
            if stage == "fulfilled":
                continue
            services.wish_confirm(
                actor=worker, wish=wish, note="已回访确认", now=start + dt.timedelta(days=4)
            )

    def create_work_orders(self, community: _Community) -> None:
        unit = community.unit
        if WorkOrder.objects.filter(community=unit).exists() or not community.teams:
            return
        rng = _rng(self.seed, "work_orders", unit)
        worker = community.worker
        official = community.official
        orderer = self.poster(community)
        # (stage, provider, days ago it was ordered): every stage of the 五单法.
        script = [
            ("verified", "team", 75),
            ("verified", "partner", 60),
            ("returned", "team", 45),
            ("cancelled", "team", 38),
            ("completed", "partner", 20),
            ("accepted", "team", 14),
            ("dispatched", "team", 5),
            ("ordered", "", 2),
        ]
        texts = rng.sample(WORK_ORDERS, len(script))
        for index, ((stage, provider, days_ago), (title, content, source, funds)) in enumerate(
            zip(script, texts, strict=True)
        ):
            start = self.now - dt.timedelta(days=days_ago, hours=rng.randrange(1, 6))
            order = services.work_order_create(
                actor=None,
                community=unit,
                title=title,
                content=content,
                source=WorkOrder.Source.COMMUNITY if index % 2 else WorkOrder.Source.RESIDENT,
                funds=Decimal(funds),
                funds_source=source,
                ordered_by=orderer,
                now=start,
            )
            self.result.created_work_orders += 1
            if stage == "ordered":
                continue
            team = community.teams[index % len(community.teams)] if provider == "team" else None
            partner = (
                community.partners[index % len(community.partners)]
                if provider == "partner" and community.partners
                else None
            )
            if team is None and partner is None:
                team = community.teams[0]
            dispatched = start + dt.timedelta(hours=20)
            order = services.work_order_dispatch(
                actor=worker,
                work_order=order,
                team=team,
                partner=partner,
                due_at=dispatched + dt.timedelta(days=rng.choice([7, 10, 14])),
                now=dispatched,
            )
            if stage == "cancelled":
                services.work_order_cancel(
                    actor=worker,
                    work_order=order,
                    reason="居民需求已由物业解决",
                    now=dispatched + dt.timedelta(days=1),
                )
                continue
            if official is not None and index % 3 == 0:
                services.work_order_supervise(
                    actor=official,
                    work_order=order,
                    note="请按期完成并公开资金使用情况",
                    now=dispatched + dt.timedelta(hours=6),
                )
            if stage == "dispatched":
                continue
            lead = team.lead if team is not None else None
            accepter = lead.account if lead is not None and lead.account_id else None
            order = services.work_order_accept(
                actor=accepter,  # type: ignore[arg-type]  # a partner without an account: None
                work_order=order,
                now=dispatched + dt.timedelta(days=1),
            )
            if stage == "accepted":
                continue
            done = dispatched + dt.timedelta(days=rng.randrange(3, 6))
            order = services.work_order_complete(
                actor=accepter,  # type: ignore[arg-type]
                work_order=order,
                note="已按项目内容完成，照片已存档",
                now=done,
            )
            if stage == "completed":
                continue
            if stage == "returned":
                order = services.work_order_return(
                    actor=official,
                    work_order=order,
                    reason="部分点位未完成，请补充",
                    now=done + dt.timedelta(days=1),
                )
                done += dt.timedelta(days=3)
                order = services.work_order_complete(
                    actor=accepter,  # type: ignore[arg-type]
                    work_order=order,
                    note="已补充完成全部点位",
                    now=done,
                )
            services.work_order_verify(
                actor=official, work_order=order, note="验收合格", now=done + dt.timedelta(days=2)
            )

    # Activities: created through the service, attendance written in bulk --------------------

    def activity_days(self) -> list[tuple[str, dt.date]]:
        """The Saturdays of the last ``PAST_WEEKS`` weeks and the next two, and the 5th of
        the last three months and the next (the monthly theme day)."""
        saturday = self.today + dt.timedelta(days=(5 - self.today.weekday()) % 7)
        days = [
            (Activity.Kind.VOLUNTEER_DAY, saturday + dt.timedelta(weeks=week))
            for week in range(-PAST_WEEKS, 2)
        ]
        month = self.today.replace(day=5)
        for back in range(-2, 1):
            year, index = divmod(month.month - 1 + back, 12)
            days.append(
                (Activity.Kind.THEME_DAY, month.replace(year=month.year + year, month=index + 1))
            )
        if month <= self.today:
            next_year, next_index = divmod(month.month, 12)
            days.append(
                (
                    Activity.Kind.THEME_DAY,
                    month.replace(year=month.year + next_year, month=next_index + 1),
                )
            )
        return sorted(set(days), key=lambda item: (item[1], item[0]))

    def create_activities(self, community: _Community) -> None:
        unit = community.unit
        if Activity.objects.filter(unit=unit).exists() or not community.volunteers:
            return
        rng = _rng(self.seed, "activities", unit)
        creator = self.poster(community)
        place = f"{unit.name}党群服务中心"
        rules = dict(PointRule.objects.filter(is_active=True).values_list("code", "points"))
        signups: list[tuple[Signup, Activity]] = []
        journey_account = community.accounts[0] if unit.name == VOLUNTEER_COMMUNITY else None
        for kind, day in self.activity_days():
            if kind == Activity.Kind.VOLUNTEER_DAY:
                title = f"{community.short}党员志愿服务日"
                theme = rng.choice(["环境整治", "入户走访", "文明劝导", "助老服务", "便民服务"])
                starts, ends, capacity = self.at(day, 9), self.at(day, 11), 20
            else:
                theme = THEMES[day.month]
                title = f"{day.month}月主题党日：{theme}"
                starts, ends, capacity = self.at(day, 14, 30), self.at(day, 16, 30), 40
            activity = services.activity_create(
                actor=None,
                unit=unit,
                title=title,
                kind=kind,
                starts_at=starts,
                ends_at=ends,
                capacity=capacity,
                theme=theme,
                place=place,
                created_by=creator,
            )
            self.result.created_activities += 1
            upcoming = starts > self.now
            count = (
                rng.randrange(6, 14)
                if kind == Activity.Kind.VOLUNTEER_DAY
                else rng.randrange(12, 25)
            )
            if upcoming:
                count //= 3
            chosen = rng.sample(
                community.volunteers, min(count, len(community.volunteers), capacity)
            )
            if journey_account is not None and not upcoming and journey_account not in chosen:
                chosen[0:1] = [journey_account]
            if journey_account is not None and upcoming:
                # The demo account signs up for the activities ahead itself.
                chosen = [v for v in chosen if v.pk != journey_account.pk]
            for volunteer in chosen:
                signed = min(
                    starts - dt.timedelta(days=rng.randrange(1, 6), hours=rng.randrange(8)),
                    self.now,
                )
                signup = Signup(activity=activity, volunteer=volunteer, signed_up_at=signed)
                if not upcoming and rng.random() < 0.92:
                    signup.checked_in_at = starts - dt.timedelta(minutes=rng.randrange(0, 20))
                    length = Decimal(str(round((ends - starts).total_seconds() / 3600, 1)))
                    signup.hours = length if rng.random() < 0.8 else length + Decimal("0.5")
                signups.append((signup, activity))
        Signup.objects.bulk_create([signup for signup, _activity in signups], batch_size=BATCH)
        self.result.created_signups += len(signups)
        self.award_attendance(signups, rules)

    def award_attendance(
        self, signups: list[tuple[Signup, Activity]], rules: dict[str, int]
    ) -> None:
        """The rows ``activity_check_in`` writes: per activity attended and per whole service
        hour, one award each, and the check-in's audit row (the organiser's)."""
        rule_ids = dict(PointRule.objects.values_list("code", "pk"))
        entries: list[PointEntry] = []
        for signup, activity in signups:
            if signup.checked_in_at is None:
                continue
            awards = (
                (PointRule.Code.ACTIVITY_ATTENDED, 1),
                (PointRule.Code.SERVICE_HOUR, int(signup.hours)),
            )
            for code, quantity in awards:
                points = rules.get(code, 0) * quantity
                if points <= 0:
                    continue
                entries.append(
                    PointEntry(
                        volunteer_id=signup.volunteer_id,
                        rule_id=rule_ids[code],
                        source_type=Signup._meta.label,
                        source_id=signup.pk,
                        points=points,
                        note=activity.title[:200],
                        at=signup.checked_in_at,
                    )
                )
            self.audit.append(
                AuditEvent(
                    at=signup.checked_in_at,
                    actor_id=activity.created_by_id,
                    action=AuditEvent.Action.UPDATE,
                    object_type=Signup._meta.label,
                    object_id=str(signup.pk),
                    object_repr=(f"{mask_name(signup.volunteer.person.name)} @ {activity.title}")[
                        :200
                    ],
                    changes=audit_changes(
                        {"checked_in_at": signup.checked_in_at, "hours": str(signup.hours)}
                    ),
                )
            )
        PointEntry.objects.bulk_create(entries, batch_size=BATCH)

    def write_audit(self) -> None:
        AuditEvent.objects.bulk_create(self.audit, batch_size=BATCH)
        self.audit = []

    # Redemptions and the demo account's own sign-ups ------------------------------------------

    def create_redemptions(self, community: _Community) -> None:
        unit = community.unit
        if Redemption.objects.filter(reward__unit=unit).exists():
            return
        rewards = list(Reward.objects.filter(unit=unit, is_active=True).order_by("points", "pk"))
        if not rewards or not community.volunteers:
            return
        rng = _rng(self.seed, "redemptions", unit)
        moment = self.now - dt.timedelta(days=rng.randrange(3, 9), hours=rng.randrange(1, 8))
        balances = dict(
            PointEntry.objects.filter(volunteer__community=unit, at__lt=moment)
            .values_list("volunteer_id")
            .annotate(total=Sum("points"))
            .values_list("volunteer_id", "total")
        )
        by_pk = {v.pk: v for v in community.volunteers}
        richest = sorted(balances, key=lambda pk: (-balances[pk], pk))[:5]
        if unit.name == VOLUNTEER_COMMUNITY and community.accounts:
            mine = community.accounts[0].pk
            richest = [mine, *[pk for pk in richest if pk != mine]][:5]
        for position, pk in enumerate(richest):
            affordable = [r for r in rewards if r.points <= balances.get(pk, 0)]
            if not affordable:
                continue
            reward = rng.choice(affordable)
            at = moment + dt.timedelta(hours=position)
            redemption = services.redemption_create(
                actor=None, volunteer=by_pk[pk], reward=reward, now=at
            )
            self.result.created_redemptions += 1
            if position % 2 == 0:
                services.redemption_hand_over(
                    actor=community.worker, redemption=redemption, now=at + dt.timedelta(days=1)
                )
        if unit.name == VOLUNTEER_COMMUNITY and community.accounts:
            self.sign_up_demo_account(community)

    def sign_up_demo_account(self, community: _Community) -> None:
        """The demo account has signed up for the next theme day (the Saturdays ahead are
        left for it to sign up for)."""
        volunteer = community.accounts[0]
        assert volunteer.account is not None  # noqa: S101
        ahead = (
            Activity.objects.filter(
                unit=community.unit, kind=Activity.Kind.THEME_DAY, starts_at__gt=self.now
            )
            .order_by("starts_at")
            .first()
        )
        if ahead is not None:
            services.activity_sign_up(actor=volunteer.account, activity=ahead, now=self.now)
            self.result.created_signups += 1


def seed_volunteers_demo(
    *, seed: int = VOLUNTEERS_SEED, now: dt.datetime | None = None
) -> VolunteersSeedResult:
    """Create the demo volunteer service that is missing (see the module's docstring). Needs
    the demo tree, people and accounts (``seed_org_demo``, ``seed_people_demo``); uses the
    grids demo's people and the petitions demo's unit staff when they are there."""
    seeder = _Seeder(seed=seed, now=now or timezone.now())
    with transaction.atomic():
        return seeder.run()
