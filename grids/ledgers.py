"""Households and residents as importable ledgers (房屋/居民台账导入, DESIGN §9).

``register()`` (called from ``GridsConfig.ready()``) offers them to the generic import pages
of ``governance.ledger`` (``/ledgers/households/import/``, ``/ledgers/residents/import/``):
template, dry-run preview, per-row errors, all or nothing, .xlsx and legacy .xls. This module
only checks rows (``prepare``, reads only) and writes them (``apply``, through
``grids.services`` and ``orgchart.services``).

* ``households``: a row names its community (division code or path, within the user's area:
  ``orgchart.ledgers.UnitResolver``), its basic grid (name or code) and the dwelling (a
  building unit of the community by name, or the building as free text; stairwell, room, or
  the address as written). A household is found by its address in the community: an existing
  one is updated (moved to the grid the row names, its description corrected), never
  recorded twice.
* ``residents``: a row names the household (community + address; with a grid, a household
  not yet recorded is recorded in that grid) and the person. The person is found by the
  document's keyed hash: a person already known anywhere is linked, never registered twice;
  a current resident of that household is updated, not added again.

In both, empty cells leave recorded values as they are, and the same file imported twice
changes nothing. Admins and community workers import (grid workers record households and
residents one by one on their pages); each row is checked against ``orgchart.policy``
(``grid.add_household``, ``household.change``, ``household.move``,
``household.add_resident``, ``resident.change``): a unit outside the user's area is "not in
your area" in that row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import pii
from governance.identity import (
    IdentityError,
    normalise_document_number,
    parse_phone,
    parse_resident_id,
)
from governance.ledger.imports import (
    Choice,
    Column,
    ImportContext,
    LedgerImport,
    Row,
    RowPlan,
    applying,
    duplicate_message,
)
from governance.ledger.registry import register_import
from grids import services
from grids.models import Grid, Household, Resident, ResidentCareTag
from orgchart import policy, selectors
from orgchart import services as org_services
from orgchart.ledgers.members import MEMBER_COLUMNS
from orgchart.ledgers.tree import YES_NO
from orgchart.ledgers.units import (
    UnitNotFound,
    anchor_allows,
    plain_user,
    resolver_for,
)
from orgchart.models import OrgUnit, Person

FLOOR_AREA_UNITS = re.compile(r"\s*(㎡|m²|m2|平方米|平米)$", re.IGNORECASE)
TAG_SEPARATORS = re.compile(r"[、,，;；/\r\n]+")
NO_TAGS = frozenset({"无", "none", "-"})

# The words people write for the care tags (the labels in every language are accepted too).
CARE_TAG_ALIASES: dict[str, tuple[str, ...]] = {
    ResidentCareTag.Tag.LIVES_ALONE_ELDERLY: ("独居老人",),
    ResidentCareTag.Tag.EMPTY_NEST_ELDERLY: ("空巢老人",),
    ResidentCareTag.Tag.DISABLED: ("残疾人", "残疾"),
    ResidentCareTag.Tag.SUBSISTENCE_ALLOWANCE: ("低保", "低保户", "低保对象"),
    ResidentCareTag.Tag.EXTREME_HARDSHIP: ("特困", "特困人员", "特困供养"),
    ResidentCareTag.Tag.ENTITLED_GROUP: ("优抚对象", "优抚"),
    ResidentCareTag.Tag.LEFT_BEHIND_CHILD: ("留守儿童",),
    ResidentCareTag.Tag.CHILD_IN_DIFFICULTY: ("困境儿童",),
    ResidentCareTag.Tag.SERIOUS_ILLNESS: ("重病", "大病", "重大疾病"),
}
RELATION_ALIASES: dict[str, tuple[str, ...]] = {
    Resident.Relation.HEAD: ("户主", "本人"),
    Resident.Relation.SPOUSE: ("配偶", "妻子", "丈夫"),
    Resident.Relation.CHILD: ("子女", "儿子", "女儿", "子", "女"),
    Resident.Relation.PARENT: ("父母", "父亲", "母亲"),
    Resident.Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙子女"),
    Resident.Relation.GRANDPARENT: ("祖父母", "外祖父母"),
    Resident.Relation.SIBLING: ("兄弟姐妹",),
    Resident.Relation.RELATIVE: ("其他亲属",),
    Resident.Relation.TENANT: ("租户", "租客"),
    Resident.Relation.OTHER: ("其他",),
}
TENURE_ALIASES: dict[str, tuple[str, ...]] = {
    Household.Tenure.OWNED: ("自住", "自有"),
    Household.Tenure.RENTED: ("出租", "租住"),
    Household.Tenure.VACANT: ("空置", "空房"),
}


def _choices(choices: Any, aliases: dict[str, tuple[str, ...]]) -> tuple[Choice, ...]:
    return tuple(
        Choice(value, label, aliases=aliases.get(value, ())) for value, label in choices.choices
    )


def _member_column(name: str) -> Column:
    """The person columns as the party member import has them (same headers, same rules)."""
    return next(column for column in MEMBER_COLUMNS if column.field == name)


COMMUNITY_COLUMN = Column(
    "community",
    gettext_lazy("community"),
    required=True,
    width=20,
    example="139902001001",
    aliases=("所属社区", "社区/村"),
    help_text=gettext_lazy(
        "The community's 12-digit division code or its path of names separated by /, "
        "e.g. 东城街道/光明社区."
    ),
)


def _grid_column(*, required: bool, help_text: Promise) -> Column:
    return Column(
        "grid",
        gettext_lazy("grid"),
        required=required,
        width=16,
        example="光明一网格",
        aliases=("所属网格", "网格名称", "网格编码"),
        help_text=help_text,
    )


HOUSEHOLD_COLUMNS = (
    COMMUNITY_COLUMN,
    _grid_column(
        required=True,
        help_text=gettext_lazy("The name or code of a basic grid of the community."),
    ),
    Column(
        "building",
        gettext_lazy("building"),
        max_length=50,
        width=14,
        example="1号楼",
        aliases=("楼栋", "楼号"),
        help_text=gettext_lazy(
            "A building of the community by its name in the org tree (compound/building where "
            "two have the same name), or the building as written on the door."
        ),
    ),
    Column(
        "entrance",
        gettext_lazy("stairwell"),
        max_length=10,
        width=8,
        example="1",
        aliases=("单元", "单元号"),
    ),
    Column(
        "room",
        gettext_lazy("room"),
        max_length=20,
        width=8,
        example="101",
        aliases=("房号", "门牌号", "室"),
    ),
    Column(
        "address",
        gettext_lazy("address"),
        max_length=200,
        width=28,
        aliases=("房屋地址", "详细地址"),
        help_text=gettext_lazy(
            "Optional: made from building, stairwell and room (1号楼1单元101室) unless given. "
            "A household already recorded at this address in the community is updated."
        ),
    ),
    Column(
        "floor_area",
        gettext_lazy("floor area (m²)"),
        width=10,
        example="85.5",
        aliases=("面积", "建筑面积", "房屋面积"),
        help_text=gettext_lazy("In square metres, e.g. 85.5."),
    ),
    Column(
        "tenure",
        gettext_lazy("tenure"),
        kind="choice",
        choices=_choices(Household.Tenure, TENURE_ALIASES),
        width=12,
        aliases=("房屋性质", "居住性质"),
        help_text=gettext_lazy("Empty: owner-occupied (for a new household)."),
    ),
)

RESIDENT_COLUMNS = (
    COMMUNITY_COLUMN,
    Column(
        "address",
        gettext_lazy("address"),
        required=True,
        max_length=200,
        width=24,
        example="1号楼1单元101室",
        aliases=(gettext_lazy("household"), "房屋地址", "住址"),
        help_text=gettext_lazy("The household's address as the household ledger has it."),
    ),
    _grid_column(
        required=False,
        help_text=gettext_lazy(
            "Optional. A household not yet recorded at this address is recorded in this basic "
            "grid (name or code); for a recorded one it must be the household's grid."
        ),
    ),
    _member_column("name"),
    _member_column("document_type"),
    _member_column("document_number"),
    _member_column("mobile"),
    Column(
        "relation",
        gettext_lazy("relation to the head"),
        kind="choice",
        choices=_choices(Resident.Relation, RELATION_ALIASES),
        width=12,
        aliases=("与户主关系",),
        help_text=gettext_lazy("Empty: other (for a new resident). One head per household."),
    ),
    Column(
        "registered_here",
        gettext_lazy("household registration here"),
        kind="choice",
        choices=YES_NO,
        width=10,
        aliases=("户籍在此", "户籍地在本户"),
        help_text=gettext_lazy("Empty: yes (for a new resident)."),
    ),
    Column(
        "lives_here",
        gettext_lazy("lives here"),
        kind="choice",
        choices=YES_NO,
        width=10,
        aliases=("实际居住", "在此居住"),
        help_text=gettext_lazy(
            "Empty: yes (for a new resident). Registered here, lives here, or both."
        ),
    ),
    Column(
        "care_tags",
        gettext_lazy("care tags"),
        max_length=200,
        width=20,
        example="独居老人、低保",
        aliases=("关爱对象", "关爱标签", "特殊群体"),
        help_text=gettext_lazy(
            "Separated by 、 or commas, e.g. 独居老人、低保. The whole set: tags not listed are "
            "removed; empty leaves them as they are; 无 removes them all."
        ),
    ),
    Column(
        "moved_in_on",
        gettext_lazy("moved in on"),
        kind="date",
        width=13,
        aliases=("入住日期", "迁入日期"),
    ),
)

HOUSEHOLD_ERROR_COLUMNS = {"building_label": "building"}
RESIDENT_ERROR_COLUMNS = {
    "person": "document_number",
    "birth_date": "document_number",
    "household": "address",
    "restricted_tags": "",
}


def _key(text: object) -> str:
    """How addresses and names are compared: NFKC, no whitespace, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


def may_import_households(user: Any) -> bool:
    return anchor_allows(user, "grid.add_household", "ledger.import_households")


def may_import_residents(user: Any) -> bool:
    return anchor_allows(user, "household.add_resident", "ledger.import_residents")


def _households_url(user: Any) -> str:
    return reverse("grids:households")


def _residents_url(user: Any) -> str:
    return reverse("grids:residents")


# --- What the rows name ----------------------------------------------------------------------


class _Community:
    """What a run knows about one community: its grids, buildings and households, each
    loaded once (one query each, however many rows name the community)."""

    def __init__(self, user: Any, community: OrgUnit) -> None:
        self.user = user
        self.community = community
        self._grids: dict[str, list[Grid]] | None = None
        self._buildings: list[OrgUnit] | None = None
        self._households: dict[str, Household] | None = None
        self._may: dict[tuple[str, int], bool] = {}

    def grids(self, text: str) -> list[Grid]:
        if self._grids is None:
            self._grids = {}
            for grid in policy.policy(self.user, Grid).filter(community=self.community):
                self._grids.setdefault(_key(grid.name), []).append(grid)
                if grid.code and _key(grid.code) != _key(grid.name):
                    self._grids.setdefault(_key(grid.code), []).append(grid)
        return self._grids.get(_key(text), [])

    def buildings(self) -> list[OrgUnit]:
        if self._buildings is None:
            community = self.community
            self._buildings = list(
                OrgUnit.objects.filter(
                    kind=OrgUnit.Kind.BUILDING,
                    tree_id=community.tree_id,
                    lft__gt=community.lft,
                    lft__lt=community.rght,
                )
                .select_related("parent")
                .order_by("lft")
            )
        return self._buildings

    def household(self, address: str) -> Household | None:
        if self._households is None:
            self._households = {
                _key(household.address): household
                for household in policy.policy(self.user, Household)
                .filter(community=self.community)
                .select_related("grid", "building")
            }
        return self._households.get(_key(address))

    def may(self, action: str, obj: Grid | Household) -> bool:
        """``policy.can``, asked once per action and grid or household in a run."""
        key = (f"{action}:{type(obj).__name__}", obj.pk)
        if key not in self._may:
            self._may[key] = policy.can(self.user, action, obj)
        return self._may[key]


def _community(plan: RowPlan, context: ImportContext, text: str | None) -> _Community | None:
    """The community a row names (division code or path, within the user's area)."""
    if not text:
        return None
    try:
        unit = resolver_for(context).find(text)
    except UnitNotFound as error:
        plan.add_error("community", error.message)
        return None
    if not isinstance(unit, OrgUnit) or unit.kind != OrgUnit.Kind.COMMUNITY:
        plan.add_error("community", _("Name a community (社区/村)."))
        return None
    communities: dict[int, _Community] = context.memo("communities", dict)
    if unit.pk not in communities:
        communities[unit.pk] = _Community(context.user, unit)
    return communities[unit.pk]


def _grid(plan: RowPlan, community: _Community, text: str | None) -> Grid | None:
    """A basic, active grid of the community, by name or code."""
    if not text:
        return None
    grids = community.grids(text)
    if not grids:
        plan.add_error(
            "grid",
            _("The community has no grid with this name or code: %(grid)s.") % {"grid": text},
        )
        return None
    if len(grids) > 1:
        plan.add_error("grid", _("Several grids match: write the grid's code."))
        return None
    grid = grids[0]
    if grid.kind != Grid.Kind.BASIC:
        plan.add_error("grid", _("A household belongs to a basic grid."))
    elif not grid.is_active:
        plan.add_error("grid", _("This grid is no longer active."))
    return grid


def _building(plan: RowPlan, community: _Community, text: str | None) -> tuple[OrgUnit | None, str]:
    """A building unit of the community (by name, or compound/building), else the free text."""
    if not text:
        return None, ""
    segments = [_key(part) for part in re.split(r"\s*[/>\\]\s*", text) if part.strip()]
    if not segments:
        return None, ""
    found = [
        building
        for building in community.buildings()
        if _key(building.name) == segments[-1]
        and (
            len(segments) == 1
            or (building.parent is not None and _key(building.parent.name) == segments[-2])
        )
    ]
    if len(found) > 1:
        plan.add_error(
            "building",
            _(
                "Several buildings of the community have this name: write compound/building, "
                "e.g. %(example)s."
            )
            % {"example": f"{found[0].parent.name if found[0].parent else ''}/{found[0].name}"},
        )
        return None, ""
    if found:
        return found[0], ""
    return None, text.strip()


def _floor_area(plan: RowPlan, text: str | None) -> Decimal | None:
    if not text:
        return None
    cleaned = FLOOR_AREA_UNITS.sub("", unicodedata.normalize("NFKC", text).replace(",", ""))
    try:
        area = Decimal(cleaned).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        plan.add_error("floor_area", _("Enter a number."))
        return None
    if not Decimal("1") <= area <= Decimal("99999"):
        plan.add_error("floor_area", _("A floor area lies between 1 and 99,999 m²."))
        return None
    return area


# --- Households ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdPlan:
    grid: Grid
    household_id: int | None
    # For a new household: every field; for a recorded one: what the row changes.
    fields: dict[str, Any]
    move: bool = False


HOUSEHOLD_CHANGEABLE = ("building", "building_label", "entrance", "room", "floor_area", "tenure")


def prepare_household(row: Row, user: Any, context: ImportContext) -> RowPlan:
    """One dwelling: found by its address in the community (update or unchanged), else
    created in the grid the row names."""
    plan = RowPlan()
    community = _community(plan, context, row.get("community"))
    if community is None:
        return plan
    grid = _grid(plan, community, row.get("grid"))
    building, building_label = _building(plan, community, row.get("building"))
    floor_area = _floor_area(plan, row.get("floor_area"))
    entrance, room = row.get("entrance") or "", row.get("room") or ""
    address = row.get("address") or ""
    if not address and (building is not None or building_label):
        address = services.household_address(
            building=building, building_label=building_label, entrance=entrance, room=room
        )
    if not address:
        plan.add_error("address", _("Give the address, or the building and room."))
    if not plan.ok or grid is None:
        return plan
    earlier = context.claim(("household", community.community.pk, _key(address)), row.number)
    if earlier:
        plan.add_error("address" if row.get("address") else "room", duplicate_message(earlier))
        return plan
    given: dict[str, Any] = {}
    if row.get("building") is not None:
        given["building"], given["building_label"] = building, building_label
    for name, value in (
        ("entrance", row.get("entrance")),
        ("room", row.get("room")),
        ("floor_area", floor_area),
        ("tenure", row.get("tenure")),
    ):
        if value is not None:
            given[name] = value
    household = community.household(address)
    if household is None:
        if not community.may("grid.add_household", grid):
            plan.add_error("grid", _("Your role may not record households in this grid."))
            return plan
        plan.action = "create"
        plan.data = HouseholdPlan(
            grid=grid,
            household_id=None,
            fields={"address": row.get("address") or "", **given},
        )
        return plan
    changes = {name: value for name, value in given.items() if getattr(household, name) != value}
    move = grid.pk != household.grid_id
    if move and not community.may("household.move", household):
        plan.add_error("grid", _("Your role may not move this household to another grid."))
    if changes and not community.may("household.change", household):
        plan.add_error("", _("Your role may not change this household."))
    if not plan.ok:
        return plan
    plan.action = "update" if changes or move else "unchanged"
    plan.changes = (*(("grid",) if move else ()), *_columns_of(changes))
    plan.data = HouseholdPlan(grid=grid, household_id=household.pk, fields=changes, move=move)
    return plan


def _columns_of(changes: dict[str, Any]) -> tuple[str, ...]:
    names = ["building" if name == "building_label" else name for name in changes]
    return tuple(dict.fromkeys(names))


def apply_households(plans: list[RowPlan], user: Any) -> None:
    """Create each new household in its grid; move and correct recorded ones."""
    user = plain_user(user)
    for plan in plans:
        data: HouseholdPlan = plan.data
        with applying(plan, fields=HOUSEHOLD_ERROR_COLUMNS):
            if data.household_id is None:
                services.household_create(actor=user, grid=data.grid, **data.fields)
                continue
            household = Household.objects.get(pk=data.household_id)
            if data.move:
                household = services.household_move(actor=user, household=household, grid=data.grid)
            if data.fields:
                # The address is the household's identity in the file: keep it as recorded
                # when the building or room is corrected.
                services.household_update(
                    actor=user, household=household, address=household.address, **data.fields
                )


# --- Residents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentPlan:
    community: OrgUnit
    household_id: int | None
    new_household: tuple[Grid, str] | None  # (grid, address) of a household to record first
    document_type: str
    document_number: str
    name: str
    mobile: str
    person_changes: dict[str, Any]
    resident_id: int | None
    resident_fields: dict[str, Any]  # a new resident: every field; a current one: changes


def _document(plan: RowPlan, document_type: str, text: str | None) -> str:
    """The normalised document number (a legacy 15-digit ID converted), or "" with an error."""
    if not text:
        return ""
    try:
        if document_type == Person.DocumentType.RESIDENT_ID:
            return parse_resident_id(text).number
        return normalise_document_number(text)
    except IdentityError as error:
        plan.add_error("document_number", error)
        return ""


def _mobile(plan: RowPlan, text: str | None) -> str:
    if not text:
        return ""
    try:
        phone = parse_phone(text)
    except IdentityError as error:
        plan.add_error("mobile", error)
        return ""
    if not phone.is_mobile:
        plan.add_error("mobile", _("This is not a mobile number."))
        return ""
    return phone.number


def _spellings(value: str, label: Any, aliases: Iterable[str]) -> set[str]:
    keys = {_key(value), *(_key(alias) for alias in aliases)}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            keys.add(_key(label))
    return keys


def care_tag_keys() -> dict[str, str]:
    """Every accepted spelling of each care tag -> the tag."""
    keys: dict[str, str] = {}
    for value, label in ResidentCareTag.Tag.choices:
        for key in _spellings(value, label, CARE_TAG_ALIASES.get(value, ())):
            keys.setdefault(key, value)
    return keys


def _care_tag_words(text: str, keys: dict[str, str]) -> list[str]:
    """The tags a cell lists: split at 、 , ; / and line breaks, and at spaces only where a
    piece is not a tag as it stands (labels in some languages hold spaces)."""
    words: list[str] = []
    for piece in TAG_SEPARATORS.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if _key(piece) in keys or _key(piece) in NO_TAGS:
            words.append(piece)
        else:
            words.extend(piece.split())
    return words


def _care_tags(plan: RowPlan, context: ImportContext, text: str | None) -> list[str] | None:
    """The care tags a cell lists (None: not given, keep them; []: 无, remove them)."""
    if not text:
        return None
    keys: dict[str, str] = context.memo("care_tags", care_tag_keys)
    words = _care_tag_words(text, keys)
    if words and all(_key(word) in NO_TAGS for word in words):
        return []
    unknown = [word for word in words if _key(word) not in keys]
    if unknown:
        plan.add_error(
            "care_tags",
            _("Unknown care tags: %(tags)s. Use: %(known)s.")
            % {
                "tags": "、".join(unknown),
                "known": "、".join(str(label) for _value, label in ResidentCareTag.Tag.choices),
            },
        )
        return None
    return sorted({keys[_key(word)] for word in words})


def _current_residents(context: ImportContext, household: Household) -> dict[int, Resident]:
    """The household's current residents by person, with their care tags (once per run)."""
    cache: dict[int, dict[int, Resident]] = context.memo("residents", dict)
    if household.pk not in cache:
        cache[household.pk] = {
            resident.person_id: resident
            for resident in Resident.objects.filter(household=household, moved_out_on__isnull=True)
            .select_related("person")
            .prefetch_related(
                Prefetch("care_tags", queryset=ResidentCareTag.objects.order_by("tag"))
            )
        }
    return cache[household.pk]


def _person_changes(user: Any, person: Person | None, name: str, mobile: str) -> dict[str, Any]:
    """What the row would correct about a known person (phones compared by keyed hash). A
    person the user may not change (known only outside their area) is linked as it is."""
    if person is None or not policy.can(user, "person.change", person):
        return {}
    changes: dict[str, Any] = {}
    if name and person.name != name:
        changes["name"] = name
    if mobile and person.mobile_hash != pii.blind_index(mobile, purpose="phone"):
        changes["mobile"] = mobile
    return changes


@dataclass
class _ResidentRow:
    """What a resident row says about the residence, as read (None: not given)."""

    relation: str | None
    registered_here: bool | None
    lives_here: bool | None
    care_tags: list[str] | None
    moved_in_on: Any


def _residence(plan: RowPlan, row: Row, context: ImportContext) -> _ResidentRow:
    moved_in_on = row.get("moved_in_on")
    if moved_in_on is not None and moved_in_on > timezone.localdate():
        plan.add_error("moved_in_on", _("The date cannot be in the future."))
    return _ResidentRow(
        relation=row.get("relation"),
        registered_here=row.get("registered_here"),
        lives_here=row.get("lives_here"),
        care_tags=_care_tags(plan, context, row.get("care_tags")),
        moved_in_on=moved_in_on,
    )


def _check_flags(plan: RowPlan, registered_here: bool, lives_here: bool) -> None:
    if not registered_here and not lives_here:
        plan.add_error(
            "lives_here",
            _("A resident is registered here, lives here, or both (人户分离 is one of them)."),
        )


def _new_resident_fields(given: _ResidentRow) -> dict[str, Any]:
    return {
        "relation": given.relation or Resident.Relation.OTHER,
        "registered_here": True if given.registered_here is None else given.registered_here,
        "lives_here": True if given.lives_here is None else given.lives_here,
        "care_tags": given.care_tags or [],
        "moved_in_on": given.moved_in_on,
    }


def _resident_changes(resident: Resident, given: _ResidentRow) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("relation", "registered_here", "lives_here", "moved_in_on"):
        value = getattr(given, name)
        if value is not None and getattr(resident, name) != value:
            changes[name] = value
    if given.care_tags is not None:
        current = sorted(tag.tag for tag in resident.care_tags.all())
        if given.care_tags != current:
            changes["care_tags"] = given.care_tags
    return changes


def prepare_resident(row: Row, user: Any, context: ImportContext) -> RowPlan:
    """One resident: the household by address (or recorded in the row's grid), the person by
    document hash, the residence (added, updated or unchanged)."""
    plan = RowPlan()
    community = _community(plan, context, row.get("community"))
    document_type = row.get("document_type") or Person.DocumentType.RESIDENT_ID
    number = _document(plan, document_type, row.get("document_number"))
    mobile = _mobile(plan, row.get("mobile"))
    given = _residence(plan, row, context)
    address = row.get("address") or ""
    if community is None or not address:
        return plan
    household = community.household(address)
    grid = _grid(plan, community, row.get("grid")) if row.get("grid") else None
    household_key = (community.community.pk, _key(address))
    if household is not None and grid is not None and grid.pk != household.grid_id:
        plan.add_error(
            "grid", _("This household is in the grid %(grid)s.") % {"grid": household.grid.name}
        )
    if household is None and grid is None and plan.ok:
        plan.add_error(
            "address",
            _(
                "No household with this address in the community: import the households "
                "first, or give the grid to record it here."
            ),
        )
    if not plan.ok or not number:
        return plan
    earlier = context.claim(("resident", household_key, document_type, number), row.number)
    if earlier:
        plan.add_error("document_number", duplicate_message(earlier))
        return plan
    if household is None:
        assert grid is not None  # noqa: S101 - checked above
        # Rows naming the same new address share one household, in one grid.
        planned: dict[tuple[int, str], Grid] = context.memo("new_households", dict)
        if planned.setdefault(household_key, grid).pk != grid.pk:
            plan.add_error("grid", _("An earlier row records this household in another grid."))
            return plan
        if not community.may("grid.add_household", grid):
            plan.add_error("grid", _("Your role may not record households in this grid."))
            return plan
    elif not community.may("household.add_resident", household):
        plan.add_error("address", _("Your role may not add residents to this household."))
        return plan

    person = selectors.person_find_by_document(document_type=document_type, document_number=number)
    residents = _current_residents(context, household) if household is not None else {}
    resident = residents.get(person.pk) if person is not None else None
    if given.relation == Resident.Relation.HEAD:
        earlier_head = context.claim(("head", household_key), row.number)
        other_head = any(
            current.relation == Resident.Relation.HEAD and current is not resident
            for current in residents.values()
        )
        if earlier_head or other_head:
            plan.add_error("relation", _("This household already has a head of household."))
    if resident is None:
        fields = _new_resident_fields(given)
        _check_flags(plan, fields["registered_here"], fields["lives_here"])
    else:
        fields = _resident_changes(resident, given)
        _check_flags(
            plan,
            fields.get("registered_here", resident.registered_here),
            fields.get("lives_here", resident.lives_here),
        )
        if fields and not policy.can(user, "resident.change", resident):
            plan.add_error("", _("Your role may not change this resident."))
    if not plan.ok or not row.get("name"):
        return plan
    data = ResidentPlan(
        community=community.community,
        household_id=household.pk if household is not None else None,
        new_household=(grid, address) if household is None and grid is not None else None,
        document_type=document_type,
        document_number=number,
        name=row.get("name"),
        mobile=mobile,
        person_changes=_person_changes(user, person, row.get("name"), mobile),
        resident_id=resident.pk if resident is not None else None,
        resident_fields=fields,
    )
    if resident is None:
        plan.action = "create"
    else:
        plan.action = "update" if fields or data.person_changes else "unchanged"
        plan.changes = (*data.person_changes, *fields)
    plan.data = data
    return plan


def apply_residents(plans: list[RowPlan], user: Any) -> None:
    """Record new households first met in the file, register (or link) each person at the
    community, correct what the file changes about them, then add or update the residence."""
    user = plain_user(user)
    recorded: dict[tuple[int, str], Household] = {}
    for plan in plans:
        data: ResidentPlan = plan.data
        with applying(plan, fields=RESIDENT_ERROR_COLUMNS):
            if data.resident_id is not None:
                resident = Resident.objects.select_related("person").get(pk=data.resident_id)
                if data.person_changes:
                    org_services.person_update(
                        actor=user, person=resident.person, **data.person_changes
                    )
                if data.resident_fields:
                    services.resident_update(actor=user, resident=resident, **data.resident_fields)
                continue
            if data.household_id is not None:
                household = Household.objects.get(pk=data.household_id)
            else:
                assert data.new_household is not None  # noqa: S101 - planned so
                grid, address = data.new_household
                key = (data.community.pk, _key(address))
                if key not in recorded:
                    recorded[key] = services.household_create(
                        actor=user, grid=grid, address=address
                    )
                household = recorded[key]
            registration = org_services.person_register(
                actor=user,
                unit=data.community,
                name=data.name,
                document_type=data.document_type,
                document_number=data.document_number,
                mobile=data.mobile,
            )
            person = registration.person
            if not registration.created and data.person_changes:
                person = org_services.person_update(
                    actor=user, person=person, **data.person_changes
                )
            services.resident_add(
                actor=user, household=household, person=person, **data.resident_fields
            )


# --- The ledgers -----------------------------------------------------------------------------

HOUSEHOLDS = LedgerImport(
    name="households",
    title=gettext_lazy("Households"),
    columns=HOUSEHOLD_COLUMNS,
    permission=may_import_households,
    prepare=prepare_household,
    apply=apply_households,
    preview_fields=("community", "grid", "address", "building", "room"),
    notes=(
        gettext_lazy(
            "A household is found by its address in the community: one already recorded is "
            "updated (and moved to the grid the row names), never recorded twice."
        ),
    ),
    return_url=_households_url,
)

RESIDENTS = LedgerImport(
    name="residents",
    title=gettext_lazy("Residents"),
    columns=RESIDENT_COLUMNS,
    permission=may_import_residents,
    prepare=prepare_resident,
    apply=apply_residents,
    preview_fields=("name", "document_number", "address", "relation"),
    notes=(
        gettext_lazy(
            "A person is found by the document number: a person already registered is linked, "
            "not registered twice; a current resident of the household is updated."
        ),
        gettext_lazy("Restricted tags are never imported: record them on the resident's page."),
    ),
    return_url=_residents_url,
)


def register() -> None:
    register_import(HOUSEHOLDS)
    register_import(RESIDENTS)
