"""The org tree and the party members as importable ledgers (台账导入, DESIGN §9).

``register()`` (called from ``OrgchartConfig.ready()``) offers them to the generic import pages
of ``governance.ledger`` (``/ledgers/org-tree/import/``, ``/ledgers/party-members/import/``).
Later apps register theirs the same way (see ``governance.ledger.registry``) and use
``UnitResolver`` to find the units their rows name.

* ``tree``: the org tree (组织架构), for admins;
* ``members``: party members (党员), for admins and community workers;
* ``units``: how a cell names a unit (division code or path, within the user's area).

In both, empty cells leave recorded values as they are, and the same file imported twice
changes nothing.
"""

from __future__ import annotations

from governance.ledger.registry import register_import
from orgchart.ledgers.members import PARTY_MEMBERS
from orgchart.ledgers.tree import ORG_TREE
from orgchart.ledgers.units import UnitResolver

__all__ = ["ORG_TREE", "PARTY_MEMBERS", "UnitResolver", "register"]


def register() -> None:
    register_import(ORG_TREE)
    register_import(PARTY_MEMBERS)
