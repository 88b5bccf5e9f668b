"""The residents ledger (居民台账): one resident a row, the person found by the document's
keyed hash."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
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
    Column,
    ImportContext,
    LedgerImport,
    Row,
    RowPlan,
    applying,
    duplicate_message,
)
from grids import services
from grids.ledgers.shared import COMMUNITY_COLUMN, _choices, _community, _grid, _grid_column, _key
from grids.models import Grid, Household, Resident, ResidentCareTag
from orgchart import policy, selectors
from orgchart import services as org_services
from orgchart.ledgers.members import MEMBER_COLUMNS
from orgchart.ledgers.tree import YES_NO
from orgchart.ledgers.units import anchor_allows, plain_user
from orgchart.models import OrgUnit, Person

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


def _member_column(name: str) -> Column:
    """The person columns as the party member import has them (same headers, same rules)."""
    return next(column for column in MEMBER_COLUMNS if column.field == name)


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

RESIDENT_ERROR_COLUMNS = {
    "person": "document_number",
    "birth_date": "document_number",
    "household": "address",
    "restricted_tags": "",
}


def may_import_residents(user: Any) -> bool:
    return anchor_allows(user, "household.add_resident", "ledger.import_residents")


def _residents_url(user: Any) -> str:
    return reverse("grids:residents")


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
