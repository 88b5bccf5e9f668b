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

The phases live beside this module: ``state`` (the figures, the counts and the ``Seeder`` they
share), ``registers``, ``workflows`` (wishes, work orders), ``activities`` (with redemptions).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from volunteers import services
from volunteers.demo.activities import create_activities, create_redemptions
from volunteers.demo.registers import (
    create_dual_registrations,
    create_partner_units,
    create_rewards,
    create_teams,
    create_volunteers,
)
from volunteers.demo.state import VOLUNTEERS_SEED, Seeder, VolunteersSeedResult
from volunteers.demo.workflows import create_wishes, create_work_orders


def _run(seeder: Seeder) -> VolunteersSeedResult:
    services.point_rules_ensure_defaults()
    seeder.load_communities()
    if not seeder.communities:
        return seeder.result
    create_partner_units(seeder)
    create_dual_registrations(seeder)
    for community in seeder.communities:
        create_volunteers(seeder, community)
        create_teams(seeder, community)
        create_rewards(seeder, community)
    for community in seeder.communities:
        create_wishes(seeder, community)
        create_work_orders(seeder, community)
        create_activities(seeder, community)
    seeder.write_audit()
    for community in seeder.communities:
        create_redemptions(seeder, community)
    return seeder.result


def seed_volunteers_demo(
    *, seed: int = VOLUNTEERS_SEED, now: dt.datetime | None = None
) -> VolunteersSeedResult:
    """Create the demo volunteer service that is missing (see the module's docstring). Needs
    the demo tree, people and accounts (``seed_org_demo``, ``seed_people_demo``); uses the
    grids demo's people and the petitions demo's unit staff when they are there."""
    seeder = Seeder(seed=seed, now=now or timezone.now())
    with transaction.atomic():
        return _run(seeder)
