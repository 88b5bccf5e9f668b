"""Demo petitions (part of ``manage.py seed_demo``): about 2,000 petitions over the six months
before the day of seeding, in every status, with whistles, escalations, returns, ratings,
repeats, complex and supervised cases and formal 信访 ones.

``plan`` plans them from a seed (no writes), ``texts`` holds what they say, ``seed`` creates the
accounts that act on them and plays the plan on the demo's reference clock: recent and
eventful petitions through the services with the escalation sweep running as their deadlines
pass, older plain ones in bulk; ``shift`` then moves them to the moment of seeding.
"""

from petitions.demo.plan import PETITIONS_SEED, TOTAL, PetitionPlan, petitions_plan
from petitions.demo.seed import (
    PetitionsSeedResult,
    load_world,
    seed_petitions_demo,
    unit_staff_username,
)

__all__ = [
    "PETITIONS_SEED",
    "TOTAL",
    "PetitionPlan",
    "PetitionsSeedResult",
    "load_world",
    "petitions_plan",
    "seed_petitions_demo",
    "unit_staff_username",
]
