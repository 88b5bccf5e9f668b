"""Party members as an importable ledger (党员导入).

A row is found by the document's keyed hash (never by decrypting): a known person is linked
(``person_register`` is idempotent), an existing party member updated or left unchanged.
Legacy 15-digit IDs are converted; the sex, if given, must agree with the ID. Admins and
community workers: ``orgunit.manage_party_members`` on the row's organisation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

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
from orgchart import policy, selectors, services
from orgchart.ledgers.units import (
    UnitNotFound,
    UnitResolver,
    anchor_allows,
    model_choices,
    plain_user,
    resolver_for,
)
from orgchart.models import OrgUnit, PartyMember, Person

MEMBER_COLUMNS = (
    Column(
        "name",
        pgettext_lazy("person", "Name"),
        required=True,
        max_length=50,
        width=10,
        example="张伟",
    ),
    Column(
        "document_type",
        gettext_lazy("document type"),
        kind="choice",
        choices=(
            Choice(
                Person.DocumentType.RESIDENT_ID, Person.DocumentType.RESIDENT_ID.label, ("身份证",)
            ),
            *(
                Choice(value, label)
                for value, label in Person.DocumentType.choices
                if value != Person.DocumentType.RESIDENT_ID
            ),
        ),
        width=14,
        help_text=gettext_lazy("Empty: resident ID card."),
    ),
    Column(
        "document_number",
        gettext_lazy("Document number"),
        kind="id",
        personal=True,
        required=True,
        width=22,
        example="110101199003078013",
        aliases=("身份证号", "身份证号码", "公民身份号码"),
        help_text=gettext_lazy(
            "18 characters for a resident ID (legacy 15-digit numbers are converted). Keep the "
            "column formatted as text."
        ),
    ),
    Column(
        "mobile",
        gettext_lazy("Mobile"),
        kind="phone",
        personal=True,
        width=15,
        example="13812345678",
        aliases=("手机", "联系电话"),
    ),
    Column(
        "sex",
        gettext_lazy("Sex"),
        kind="choice",
        choices=model_choices(Person.Sex),
        width=8,
        help_text=gettext_lazy("Optional: a resident ID number decides it; it must agree."),
    ),
    Column(
        "organisation",
        gettext_lazy("Party organisation"),
        required=True,
        width=30,
        example="139902001001/光明小区",
        aliases=("所在党组织", "党组织名称"),
        help_text=gettext_lazy(
            "The unit whose party organisation the member belongs to: its division code or "
            "its path of names separated by /, e.g. 139902001001/光明小区."
        ),
    ),
    Column(
        "membership",
        gettext_lazy("membership"),
        kind="choice",
        choices=(
            Choice(PartyMember.Membership.FULL, PartyMember.Membership.FULL.label, ("正式",)),
            Choice(
                PartyMember.Membership.PROBATIONARY,
                PartyMember.Membership.PROBATIONARY.label,
                ("预备",),
            ),
        ),
        width=12,
        help_text=gettext_lazy("Empty: full member."),
    ),
    Column(
        "status",
        gettext_lazy("status"),
        kind="choice",
        required=True,
        choices=model_choices(PartyMember.Status),
        width=10,
    ),
    Column(
        "joined_on",
        gettext_lazy("joined the party on"),
        kind="date",
        width=13,
        aliases=(gettext_lazy("Joined the party"),),
    ),
    Column(
        "home_community",
        gettext_lazy("community of residence (dual registration)"),
        width=26,
        aliases=(gettext_lazy("Dual registration"), "居住地社区", "双报到社区"),
        help_text=gettext_lazy(
            "In-service members: the community where they live (division code or path)."
        ),
    ),
    Column("dual_registered_on", gettext_lazy("dual registration date"), kind="date", width=13),
    Column("employer", gettext_lazy("employer"), max_length=150, width=24),
    Column(
        "employer_party_org",
        gettext_lazy("party organisation at the employer"),
        max_length=150,
        width=28,
        aliases=("单位党组织",),
        help_text=gettext_lazy(
            "In-service members whose membership is kept at work: the employer's party "
            "organisation, e.g. 中共云州市中心医院委员会."
        ),
    ),
)
MEMBER_FIELDS = (
    "status",
    "membership",
    "joined_on",
    "employer",
    "employer_party_org",
    "dual_registered_on",
)
MEMBER_ERROR_COLUMNS = {"person": "document_number", "birth_date": "document_number"}


@dataclass(frozen=True)
class MemberPlan:
    document_type: str
    document_number: str
    name: str
    mobile: str
    sex: str
    organisation: OrgUnit
    member_id: int | None
    member_values: dict[str, Any]  # what the row gives, for a new membership
    member_changes: dict[str, Any]  # what differs from an existing membership
    person_changes: dict[str, Any]


def may_import_party_members(user: Any) -> bool:
    return anchor_allows(user, "orgunit.manage_party_members", "ledger.import_party_members")


def _member_unit(
    plan: RowPlan,
    resolver: UnitResolver,
    text: str | None,
    column: str,
    current: OrgUnit | None,
) -> OrgUnit | None:
    """The unit a member row names. Naming the member's current unit keeps it even when it
    lies outside the user's area (a member seen through dual registration, exported and
    imported again): the user saw that name in the list already."""
    if not text:
        return None
    try:
        node = resolver.find(text)
    except UnitNotFound as error:
        last = (resolver.segments(text) or [""])[-1]
        if current is not None and last in (current.name, current.division_code):
            return current
        plan.add_error(column, error.message)
        return None
    return node if isinstance(node, OrgUnit) else None


def _document(plan: RowPlan, document_type: str, text: str | None) -> tuple[str, str]:
    """The normalised document number (a legacy 15-digit ID converted) and, for a resident
    ID, the sex it implies; ("", "") with an error on the row when it is not valid."""
    if not text:
        return "", ""
    try:
        if document_type == Person.DocumentType.RESIDENT_ID:
            resident = parse_resident_id(text)
            return resident.number, resident.sex
        return normalise_document_number(text), ""
    except IdentityError as error:
        plan.add_error("document_number", error)
        return "", ""


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


def prepare_member(row: Row, user: Any, context: ImportContext) -> RowPlan:
    """One party member row: the person by document hash, their membership (create, update or
    unchanged); the units named must be in the user's area."""
    resolver = resolver_for(context)
    plan = RowPlan()
    document_type = row.get("document_type") or Person.DocumentType.RESIDENT_ID
    number, derived_sex = _document(plan, document_type, row.get("document_number"))
    member: PartyMember | None = None
    person: Person | None = None
    if number:
        earlier = context.claim(("person", document_type, number), row.number)
        if earlier:
            plan.add_error("document_number", duplicate_message(earlier))
            return plan
        person = selectors.person_find_by_document(
            document_type=document_type, document_number=number
        )
        if person is not None:
            member = (
                PartyMember.objects.select_related("organisation", "home_community")
                .filter(person=person)
                .first()
            )
        if member is not None and not policy.is_visible(user, member):
            plan.add_error(
                "document_number",
                _("This person is already a party member of an organisation outside your area."),
            )
            return plan
    sex = row.get("sex") or ""
    if sex and derived_sex and sex != derived_sex:
        plan.add_error("sex", _("Does not match the ID number."))
    mobile = _mobile(plan, row.get("mobile"))
    organisation = _member_unit(
        plan,
        resolver,
        row.get("organisation"),
        "organisation",
        member.organisation if member is not None else None,
    )
    if (
        organisation is not None
        and (member is None or organisation != member.organisation)
        and not policy.can(user, "orgunit.manage_party_members", organisation)
    ):
        plan.add_error("organisation", _("Choose a party organisation in your area."))
    home = _member_unit(
        plan,
        resolver,
        row.get("home_community"),
        "home_community",
        member.home_community if member is not None else None,
    )
    if home is not None and home.kind != OrgUnit.Kind.COMMUNITY:
        plan.add_error("home_community", _("Dual registration is with a community."))
    today = timezone.localdate()
    for field in ("joined_on", "dual_registered_on"):
        day = row.get(field)
        if day is not None and day > today:
            plan.add_error(field, _("The date cannot be in the future."))
    if not plan.ok or not number or organisation is None or not row.get("name"):
        return plan
    given: dict[str, Any] = {
        field: row.get(field) for field in MEMBER_FIELDS if row.get(field) is not None
    }
    given["organisation"] = organisation
    if home is not None:
        given["home_community"] = home
    data = MemberPlan(
        document_type=document_type,
        document_number=number,
        name=row.get("name"),
        mobile=mobile,
        sex="" if derived_sex else sex,
        organisation=organisation,
        member_id=member.pk if member is not None else None,
        member_values={key: value for key, value in given.items() if key != "organisation"},
        member_changes={},
        # A person known only outside the user's area is linked as it is (like
        # person_register): an import never rewrites a record the importer could not see.
        person_changes=(
            _person_changes(person, row.get("name"), mobile, sex, derived_sex)
            if person is None or policy.can(user, "person.change", person)
            else {}
        ),
    )
    if member is None:
        plan.action = "create"
        plan.data = data
        return plan
    member_changes = {
        field: value for field, value in given.items() if getattr(member, field) != value
    }
    plan.action = "update" if member_changes or data.person_changes else "unchanged"
    plan.changes = (*data.person_changes, *member_changes)
    plan.data = dataclasses.replace(data, member_changes=member_changes)
    return plan


def _person_changes(
    person: Person | None, name: str, mobile: str, sex: str, derived_sex: str
) -> dict[str, Any]:
    """What the row would change about a known person (compared by keyed hash for phones)."""
    if person is None:
        return {}
    changes: dict[str, Any] = {}
    if name and person.name != name:
        changes["name"] = name
    if mobile and person.mobile_hash != pii.blind_index(mobile, purpose="phone"):
        changes["mobile"] = mobile
    if sex and not derived_sex and person.sex != sex:
        changes["sex"] = sex
    return changes


def apply_members(plans: list[RowPlan], user: Any) -> None:
    """Register (or link) each person at the organisation, correct what the file changes about
    them, then create or update the membership, all through the people services."""
    user = plain_user(user)
    for plan in plans:
        data: MemberPlan = plan.data
        with applying(plan, fields=MEMBER_ERROR_COLUMNS):
            if data.member_id is None:
                registration = services.person_register(
                    actor=user,
                    unit=data.organisation,
                    name=data.name,
                    document_type=data.document_type,
                    document_number=data.document_number,
                    mobile=data.mobile,
                    sex=data.sex,
                )
                person = registration.person
                if not registration.created and data.person_changes:
                    person = services.person_update(
                        actor=user, person=person, **data.person_changes
                    )
                services.party_member_create(
                    actor=user, person=person, organisation=data.organisation, **data.member_values
                )
                continue
            member = PartyMember.objects.select_related("person").get(pk=data.member_id)
            if data.person_changes:
                services.person_update(actor=user, person=member.person, **data.person_changes)
            if data.member_changes:
                services.party_member_update(actor=user, member=member, **data.member_changes)


def _party_members_url(user: Any) -> str:
    anchor = getattr(user, "anchor_unit_id", None)
    if anchor:
        return reverse("orgchart:party_members", args=[anchor])
    return reverse("orgchart:tree")


PARTY_MEMBERS = LedgerImport(
    name="party-members",
    title=gettext_lazy("Party members"),
    columns=MEMBER_COLUMNS,
    permission=may_import_party_members,
    prepare=prepare_member,
    apply=apply_members,
    preview_fields=("name", "document_number", "organisation", "status"),
    notes=(
        gettext_lazy(
            "A person is found by the document number: a person already registered is linked, "
            "not registered twice; an existing party member is updated."
        ),
    ),
    return_url=_party_members_url,
)
