"""Demo grids, staff, households, residents and visits (part of ``manage.py seed_demo``).

``plan`` plans them from a seed (pure, no database), ``visits`` plans the visits of the 90 days
before the demo's reference clock, ``seed`` writes what is missing (idempotent), the visits
moved to the moment of seeding.
"""

from grids.demo.plan import GRIDS_SEED, GridsPlan, grids_plan
from grids.demo.seed import GridsSeedResult, seed_grids_demo
from grids.demo.visits import visits_plan

__all__ = [
    "GRIDS_SEED",
    "GridsPlan",
    "GridsSeedResult",
    "grids_plan",
    "seed_grids_demo",
    "visits_plan",
]
