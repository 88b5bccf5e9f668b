"""Demo volunteer service (part of ``manage.py seed_demo``): ``seed`` writes what is missing
(idempotent, see its docstring), ``texts`` holds what the demo rows say."""

from volunteers.demo.seed import VOLUNTEERS_SEED, VolunteersSeedResult, seed_volunteers_demo

__all__ = ["VOLUNTEERS_SEED", "VolunteersSeedResult", "seed_volunteers_demo"]
