"""Load the demo data of every app, in layer order. Deterministic and idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from consultations.demo import seed_consultations_demo
from governance.database import refresh_planner_statistics
from grids.demo import seed_grids_demo
from orgchart.demo import DEMO_PASSWORD, seed_org_demo, seed_people_demo
from petitions.demo import seed_petitions_demo
from volunteers.demo import seed_volunteers_demo


class Command(BaseCommand):
    help = (
        "Create the demo city, departments, demo accounts, and the people, party members and "
        "posts of its communities, then its grids, households, residents, grid staff and "
        "visits (safe to run again: existing rows are kept)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # One moment for every stage: the visits and the petitions from their hazards move
        # from the reference clock to the same "now".
        now = timezone.now()
        # One transaction for the whole seed: it is all there or none of it is.
        with transaction.atomic():
            org = seed_org_demo()
            people = seed_people_demo()
            grids = seed_grids_demo(now=now)
            petitions = seed_petitions_demo(now=now)
            # The volunteer stage reads people, registrations and staff written above, in
            # this same transaction: the planner must know their size.
            refresh_planner_statistics()
            # Last: volunteers act on the people, grids and unit staff seeded before them.
            volunteers = seed_volunteers_demo(now=now)
            # The community's topics, their meetings' votes by residents seeded above.
            consultations = seed_consultations_demo(now=now)
        self.stdout.write(
            f"Demo data: {org.created_units} units, {org.created_departments} departments, "
            f"{org.created_accounts} accounts, {people.created_people} people, "
            f"{people.created_party_members} party members, {people.created_posts} posts "
            f"created (existing rows kept). Demo password: {DEMO_PASSWORD}"
        )
        self.stdout.write(
            f"Demo grids: {grids.created_grids} grids, {grids.created_households} households, "
            f"{grids.created_people} people, {grids.created_residents} residents, "
            f"{grids.created_party_members} party members, {grids.created_accounts} grid worker "
            f"accounts, {grids.created_staff} grid staff, {grids.created_visits} visits created."
        )
        self.stdout.write(
            f"Demo petitions: {petitions.created_accounts} unit and department accounts, "
            f"{petitions.created_petitions} petitions, {petitions.created_dispatches} "
            f"dispatches, {petitions.created_escalations} escalations, "
            f"{petitions.created_events} events created."
        )
        self.stdout.write(volunteers.summary())
        self.stdout.write(consultations.summary())
