"""What the phases of the volunteers demo share: the figures, the counts it reports, the
communities it works on and the ``Seeder`` (the seed, the clock, the audit rows waiting to be
written)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from governance.models import AuditEvent
from grids.demo.plan import community_pinyin
from orgchart.models import OrgUnit, User
from volunteers.models import PartnerUnit, Team, Volunteer

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
class DemoCommunity:
    unit: OrgUnit
    short: str  # 光明 for 光明社区
    pinyin: str
    worker: User | None = None  # acts for the community where an account exists
    official: User | None = None  # of the street above
    volunteers: list[Volunteer] = field(default_factory=list)
    accounts: list[Volunteer] = field(default_factory=list)  # volunteers with an account
    teams: list[Team] = field(default_factory=list)
    partners: list[PartnerUnit] = field(default_factory=list)


def phase_rng(seed: int, phase: str, unit: OrgUnit) -> random.Random:
    return random.Random(f"{seed}:{phase}:{unit.division_code or unit.pk}")  # noqa: S311


def short_name(name: str) -> str:
    for suffix in ("社区", "村"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class Seeder:
    """One run of the seed: the phases (``registers``, ``workflows``, ``activities``) read
    and add to it."""

    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.seed = seed
        self.now = now
        self.today = timezone.localdate(now)
        self.result = VolunteersSeedResult()
        self.communities: list[DemoCommunity] = []
        self.fallback_user: User | None = None
        self.audit: list[AuditEvent] = []
        self.password_hash = ""

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

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
                DemoCommunity(
                    unit=unit,
                    short=short_name(unit.name),
                    pinyin=community_pinyin(unit.name),
                    worker=workers.get(unit.pk),
                    official=officials.get(unit.parent_id or 0),
                )
            )

    def poster(self, community: DemoCommunity) -> User:
        poster = community.worker or self.fallback_user
        assert poster is not None  # noqa: S101 - the demo accounts exist before this runs
        return poster

    def write_audit(self) -> None:
        AuditEvent.objects.bulk_create(self.audit, batch_size=BATCH)
        self.audit = []
