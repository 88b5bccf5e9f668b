"""The ledgers users may import (台账导入), registered by the apps that own them.

This package knows no domain: each app describes its ledgers as
``governance.ledger.imports.LedgerImport`` values and registers them when Django starts, from
its ``AppConfig.ready()``. The generic pages (``/ledgers/<name>/import/``, the template at
``/ledgers/<name>/template/``) find them here by name.

The org tree and party members are registered by ``orgchart/ledgers/``. A later app adds its
own the same way, e.g. ``grids/ledgers/`` for households and residents::

    from governance.ledger.imports import Column, LedgerImport, RowPlan
    from governance.ledger.registry import register_import

    HOUSEHOLDS = LedgerImport(
        name="households",
        title=_("Households"),
        columns=(Column("building", _("building"), required=True), ...),
        permission=may_import_households,  # (user) -> bool: 403 when False
        prepare=prepare_household,  # (row, user, context) -> RowPlan, reads only
        apply=apply_households,  # (plans, user) -> None, writes through services
    )

    def register() -> None:
        register_import(HOUSEHOLDS)

and calls ``register()`` from ``GridsConfig.ready()``. ``orgchart.ledgers.UnitResolver`` finds
the units such a ledger names (division code or path) within the user's area. The list page
shows the buttons with ``{% include "ledger/_import_button.html" with ledger="households" %}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from governance.ledger.imports import LedgerImport

_IMPORTS: dict[str, LedgerImport] = {}


def register_import(ledger: LedgerImport) -> None:
    """Offer ``ledger`` for import under its name. Registering the same ledger again is a no-op
    (``ready()`` may run twice in tests); another ledger under a taken name is a mistake."""
    known = _IMPORTS.get(ledger.name)
    if known is not None and known is not ledger:
        raise ImproperlyConfigured(f"Two ledgers are registered as {ledger.name!r}.")
    _IMPORTS[ledger.name] = ledger


def import_ledger(name: str) -> LedgerImport | None:
    """The ledger registered as ``name``, or None (the pages answer 404)."""
    return _IMPORTS.get(name)


def import_ledgers() -> list[LedgerImport]:
    """Every importable ledger, in the order they were registered."""
    return list(_IMPORTS.values())
