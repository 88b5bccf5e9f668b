"""Demo volunteer service (part of ``manage.py seed_demo``): ``seed`` writes what is missing
(idempotent, see its docstring) through its phases ``registers``, ``workflows`` and
``activities`` on the shared ``state``; ``texts`` holds what the demo rows say."""

from volunteers.demo.seed import seed_volunteers_demo
from volunteers.demo.state import VOLUNTEERS_SEED, VolunteersSeedResult

__all__ = ["VOLUNTEERS_SEED", "VolunteersSeedResult", "seed_volunteers_demo"]
