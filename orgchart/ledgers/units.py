"""Finding the units a ledger row names, and what the orgchart ledgers share.

A cell names a unit by its 12-digit division code ("139902001001", units down to community
level) or by a path of names separated by "/" from any unit down to it ("光明社区/光明小区"),
which may start with a division code ("139902001001/光明小区"). Only units in the user's area
are found: a unit outside it reads "not in your area" whether it exists or not, so an import
tells nothing about other areas. Names of the area's ancestors may start a path ("东城街道/
光明社区"). Units that earlier rows of the same file create are found too (``plan``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.errors import ValidationFailed
from governance.ledger.imports import Choice, ImportContext, RowPlan
from orgchart import policy
from orgchart.models import OrgUnit, User

DIVISION_CODE = re.compile(r"[0-9]{12}")
PATH_SEPARATORS = re.compile(r"\s*[/>\\]\s*")
# Units a path's first name may match before the rest of the path narrows them down.
FIRST_SEGMENT_LIMIT = 5000
NOT_IN_AREA = gettext_lazy("Not in your area.")


@dataclass(eq=False)
class PlannedUnit:
    """A unit an earlier row of the same file creates (it has no id yet)."""

    row: int
    name: str
    kind: str
    area_type: str
    division_code: str | None
    parent: OrgUnit | PlannedUnit | None

    def existing_ancestor(self) -> OrgUnit | None:
        parent = self.parent
        while isinstance(parent, PlannedUnit):
            parent = parent.parent
        return parent


Node = OrgUnit | PlannedUnit


class UnitNotFound(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = str(message)


class UnitResolver:
    """Finds the unit a cell names, within the user's area (see the module docstring).

    Lookups are cached for the run: each distinct name costs one query, however many rows use
    it. ``plan()`` adds units that earlier rows create.
    """

    def __init__(self, user: Any) -> None:
        self.user = user
        self.scope = policy.scope_of(user)
        self.planned: list[PlannedUnit] = []
        self._first: dict[str, list[OrgUnit]] = {}
        self._children: dict[tuple[tuple[int, ...], str], list[OrgUnit]] = {}

    def plan(self, unit: PlannedUnit) -> None:
        self.planned.append(unit)

    @staticmethod
    def segments(text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text or "").strip()
        return [part for part in PATH_SEPARATORS.split(text) if part]

    def find(self, text: str) -> Node:
        segments = self.segments(text)
        if not segments:
            raise UnitNotFound(_("This field is required."))
        candidates = self._first_candidates(segments[0])
        for segment in segments[1:]:
            if not candidates:
                break
            candidates = self._child_candidates(candidates, segment)
        found = [
            node
            for node in candidates
            if isinstance(node, PlannedUnit) or self.scope.contains(node)
        ]
        if not found:
            raise UnitNotFound(NOT_IN_AREA)
        if len(found) > 1:
            raise UnitNotFound(
                _(
                    "Several units match: write the path from a unit with a division code, "
                    "e.g. %(example)s."
                )
                % {"example": "139902001001/光明小区"}
            )
        return found[0]

    def _reachable(self) -> Q:
        """The area and the ancestors of its top unit (a path may start above the area)."""
        scope = self.scope
        if scope.everything:
            return Q()
        if scope.empty:
            return Q(pk__in=[])
        inside = Q(lft__gte=scope.lft, lft__lte=scope.rght)
        above = Q(lft__lte=scope.lft, rght__gte=scope.rght)
        return Q(tree_id=scope.tree_id) & (inside | above)

    @staticmethod
    def _matches(segment: str) -> Q:
        if DIVISION_CODE.fullmatch(segment):
            return Q(division_code=segment)
        return Q(name=segment)

    @staticmethod
    def _planned_match(unit: PlannedUnit, segment: str) -> bool:
        if DIVISION_CODE.fullmatch(segment):
            return unit.division_code == segment
        return unit.name == segment

    def _first_candidates(self, segment: str) -> list[Node]:
        if segment not in self._first:
            self._first[segment] = list(
                OrgUnit.objects.filter(self._matches(segment), self._reachable()).order_by(
                    "tree_id", "lft"
                )[:FIRST_SEGMENT_LIMIT]
            )
        planned = [unit for unit in self.planned if self._planned_match(unit, segment)]
        return [*self._first[segment], *planned]

    def _child_candidates(self, parents: list[Node], segment: str) -> list[Node]:
        ids = tuple(sorted(node.pk for node in parents if isinstance(node, OrgUnit)))
        key = (ids, segment)
        if ids and key not in self._children:
            self._children[key] = list(
                OrgUnit.objects.filter(self._matches(segment), parent_id__in=ids).order_by("lft")
            )
        planned = [
            unit
            for unit in self.planned
            if self._planned_match(unit, segment)
            and any(unit.parent is parent or unit.parent == parent for parent in parents)
        ]
        return [*self._children.get(key, []), *planned]


def resolver_for(context: ImportContext) -> UnitResolver:
    resolver: UnitResolver = context.memo("units", lambda: UnitResolver(context.user))
    return resolver


def anchor_allows(user: Any, action: str, importer: str) -> bool:
    """Whether the user may import this ledger at all (the rows are checked one by one):
    superusers, and the roles of the policy's ``importer`` rule (``ledger.import_*``) that
    may take ``action`` at their anchor unit."""
    if not isinstance(user, User) or not policy.role_may(user, importer, None):
        return False
    if user.is_superuser:
        return True
    if user.anchor_unit is None:
        return False
    return policy.can(user, action, user.anchor_unit)


def plain_user(user: Any) -> Any:
    """The account as a plain ``User`` for the services. ``request.user`` is a lazy proxy, on
    which ``policy.refresh_scope`` cannot drop the scope cached before the first insert of
    the import shifted the tree (it pops the proxy's own ``__dict__``)."""
    if isinstance(user, User) and user.pk is not None:
        return User.objects.select_related("anchor_unit").get(pk=user.pk)
    return user


def validation_errors(plan: RowPlan, error: ValidationFailed, names: dict[str, str]) -> None:
    if not error.fields:
        plan.add_error("", error.message)
    for name, messages in error.fields.items():
        for message in messages:
            plan.add_error(names.get(name, name), message)


def model_choices(choices: Any) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in choices.choices)
