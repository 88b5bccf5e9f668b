"""Demo data (``manage.py seed_demo``): the org tree, departments and demo accounts
(``tree``), and the people, party members and posts of the demo communities (``people``).

Deterministic and idempotent: units are found by division code (down to community level) or
by name under their parent; people are planned by a seeded ``random.Random`` against a fixed
reference date and found again by their ID number (``person_register`` is idempotent by
document), party members by person, posts by (unit, kind, holder) among current terms. Running
it again creates nothing new. Everything is written through the services, as the system
(``actor=None``).

``clock`` holds the reference clock the later demos plan their activity on (visits, petitions)
before they move it to the moment of seeding.
"""

from orgchart.demo.clock import REFERENCE_NOW, demo_shift
from orgchart.demo.people import REFERENCE_DATE, people_plan, seed_people_demo
from orgchart.demo.tree import DEMO_PASSWORD, seed_org_demo

__all__ = [
    "DEMO_PASSWORD",
    "REFERENCE_DATE",
    "REFERENCE_NOW",
    "demo_shift",
    "people_plan",
    "seed_org_demo",
    "seed_people_demo",
]
