"""Panels that apps above ``orgchart`` add to a unit's page (``orgchart.views.unit_detail``),
without this app knowing them: an app registers a function from its ``AppConfig.ready``; the
page asks each for its panel (a template and its context, or None) and shows them in the order
registered. A panel asks the policy itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orgchart.models import OrgUnit
from orgchart.policy import AnyUser

Panel = Callable[[AnyUser, OrgUnit], "tuple[str, dict[str, Any]] | None"]
_PANELS: list[Panel] = []


def register(panel: Panel) -> Panel:
    """Add ``panel`` to every unit page (registering it twice adds it once)."""
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def panels_for(user: AnyUser, unit: OrgUnit) -> list[tuple[str, dict[str, Any]]]:
    """The panels of ``unit``'s page for ``user``: (template, context) pairs."""
    return [shown for panel in _PANELS if (shown := panel(user, unit)) is not None]
