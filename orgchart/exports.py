"""The ledgers (台账) of orgchart's lists: their columns, titles and who may export what.

Each ``*_export`` takes the queryset the list shows (scope and filters applied, unpaginated) and
answers the file through ``governance.ledger.export``:

* personal data is masked by default; ``reveal`` exports ID numbers and phones in full when
  the role may reveal them in bulk (``policy.may_reveal_in_bulk``, asked once) and every row's
  person is in the user's scope (one query), else ``NotAllowed`` (403) before anything is
  counted or logged; names are full only for roles that see them (``policy.sees_full_names``);
* one COUNT before streaming, which also enforces the row cap (400);
* one audit row (EXPORT) for each export of a ledger holding personal data: people, party
  members, post holders, accounts;
* a constant number of queries however many rows: the rows come with ``select_related``, and
  the people ledger's registrations with one prefetch per chunk of 2,000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import (
    Choices,
    Count,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from governance import pii, ratelimit
from governance.errors import NotAllowed
from governance.ledger.export import (
    CHUNK_SIZE,
    Column,
    Kind,
    Ledger,
    count_rows,
    ledger_response,
    record_export,
)
from orgchart import policy
from orgchart.models import (
    KIND_LABELS,
    Department,
    OrgUnit,
    PartyMember,
    Person,
    PersonRegistration,
    Post,
    User,
)
from orgchart.policy import AnyUser

RowT = TypeVar("RowT", bound=Model)


@dataclass(frozen=True)
class ExportRequest:
    """What the caller asked for. ``within`` is the unit the list is about (``?unit=`` or the
    page's unit; None: the user's whole area); ``filters`` go into the export log."""

    user: AnyUser
    file_format: str
    reveal: bool = False
    within: OrgUnit | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LedgerContext:
    """What the columns depend on besides the row."""

    full_names: bool
    reveal: bool
    today: dt.date


@dataclass(frozen=True)
class LedgerSpec(Generic[RowT]):
    """A ledger of this app: its slug, its name ("people ledger"), its columns, and what it
    holds. ``personal_data`` is the model label written in the export log ("" when the ledger
    holds none); ``person_path`` leads from a row to its Person ("" when the row is the person,
    None when it holds no revealable data)."""

    name: str
    noun: str | Promise
    columns: Callable[[LedgerContext], list[Column[RowT]]]
    personal_data: str = ""
    person_path: str | None = None

    @property
    def revealable(self) -> bool:
        return self.person_path is not None


def header(model: type[Any], field_name: str) -> str:
    """A model field's verbose name as a column header ("证件类型")."""
    return capfirst(str(model._meta.get_field(field_name).verbose_name))


def labels(choices: type[Choices]) -> Callable[[str], str]:
    """A choice's label in the current language, looked up without translating per row (a
    ledger may hold 100,000 rows; the columns are built once, in the request's language)."""
    table = {value: str(label) for value, label in choices.choices}
    return lambda value: table.get(value, value)


def yes(flag: bool) -> str:
    return pgettext("ledger", "yes") if flag else ""


def yes_no(flag: bool) -> str:
    return pgettext("ledger", "yes") if flag else pgettext("ledger", "no")


def person_name(context: LedgerContext, person: Person) -> str:
    return person.name if context.full_names else person.masked_name


def personal_value(context: LedgerContext, person: Person, name: str) -> str:
    """A document number or phone: in full when revealing, else the mask."""
    if context.reveal:
        sealed = getattr(person, f"{name}_encrypted")
        return pii.decrypt(sealed) if sealed else ""
    return str(getattr(person, f"masked_{name}"))


# --- Columns ---------------------------------------------------------------------------------


def people_columns(context: LedgerContext) -> list[Column[Person]]:
    C = Column[Person]
    sex, document_type = labels(Person.Sex), labels(Person.DocumentType)
    return [
        C(pgettext_lazy("person", "Name"), lambda p: person_name(context, p), width=10),
        C(header(Person, "sex"), lambda p: sex(p.sex), width=6),
        C(gettext_lazy("Age"), lambda p: p.age_on(context.today), Kind.INTEGER, width=6),
        C(gettext_lazy("Document type"), lambda p: document_type(p.document_type), width=14),
        C(
            gettext_lazy("Document number"),
            lambda p: personal_value(context, p, "document_number"),
            Kind.ID,
            width=22,
        ),
        C(
            gettext_lazy("Mobile"),
            lambda p: personal_value(context, p, "mobile"),
            Kind.PHONE,
            width=14,
        ),
        C(
            gettext_lazy("Landline"),
            lambda p: personal_value(context, p, "landline"),
            Kind.PHONE,
            width=18,
        ),
        C(gettext_lazy("Address"), lambda p: p.address, width=30),
        C(
            gettext_lazy("Registered at"),
            lambda p: "、".join(r.unit.name for r in p.registered_units),  # type: ignore[attr-defined]
            width=24,
        ),
        C(gettext_lazy("Party member"), lambda p: yes(hasattr(p, "party_member")), width=8),
        C(header(Person, "created_at"), lambda p: p.created_at, Kind.DATE, width=12),
    ]


def party_member_columns(context: LedgerContext) -> list[Column[PartyMember]]:
    C = Column[PartyMember]
    sex, status = labels(Person.Sex), labels(PartyMember.Status)
    membership = labels(PartyMember.Membership)
    return [
        C(pgettext_lazy("person", "Name"), lambda m: person_name(context, m.person), width=10),
        C(header(Person, "sex"), lambda m: sex(m.person.sex), width=6),
        C(gettext_lazy("Age"), lambda m: m.person.age_on(context.today), Kind.INTEGER, width=6),
        C(
            gettext_lazy("Document number"),
            lambda m: personal_value(context, m.person, "document_number"),
            Kind.ID,
            width=22,
        ),
        C(
            gettext_lazy("Mobile"),
            lambda m: personal_value(context, m.person, "mobile"),
            Kind.PHONE,
            width=14,
        ),
        C(gettext_lazy("Party organisation"), lambda m: m.organisation.name, width=20),
        C(header(PartyMember, "membership"), lambda m: membership(m.membership), width=10),
        C(header(PartyMember, "status"), lambda m: status(m.status), width=8),
        C(gettext_lazy("Joined the party"), lambda m: m.joined_on, Kind.DATE, width=12),
        C(header(PartyMember, "employer"), lambda m: m.employer, width=24),
        C(header(PartyMember, "employer_party_org"), lambda m: m.employer_party_org, width=28),
        C(
            gettext_lazy("Dual registration"),
            lambda m: m.home_community.name if m.home_community else "",
            width=16,
        ),
        C(
            header(PartyMember, "dual_registered_on"),
            lambda m: m.dual_registered_on,
            Kind.DATE,
            width=12,
        ),
    ]


def post_columns(context: LedgerContext) -> list[Column[Post]]:
    C = Column[Post]
    kind = labels(Post.Kind)
    return [
        C(gettext_lazy("Unit"), lambda p: p.unit.name, width=18),
        C(
            header(OrgUnit, "parent"),
            lambda p: p.unit.parent.name if p.unit.parent else "",
            width=18,
        ),
        C(header(Post, "kind"), lambda p: kind(p.kind), width=14),
        C(header(Post, "holder"), lambda p: person_name(context, p.holder), width=10),
        C(
            gettext_lazy("Mobile"),
            lambda p: personal_value(context, p.holder, "mobile"),
            Kind.PHONE,
            width=14,
        ),
        C(header(Post, "started_on"), lambda p: p.started_on, Kind.DATE, width=12),
        C(header(Post, "ended_on"), lambda p: p.ended_on, Kind.DATE, width=12),
    ]


def orgunit_columns(context: LedgerContext, *, with_counts: bool) -> list[Column[OrgUnit]]:
    C = Column[OrgUnit]
    party_org_type = labels(OrgUnit.PartyOrgType)
    kind_labels = {key: str(label) for key, label in KIND_LABELS.items()}
    columns = [
        C(header(OrgUnit, "name"), lambda u: u.name, width=20),
        C(header(OrgUnit, "kind"), lambda u: kind_labels[u.kind, u.area_type], width=12),
        C(header(OrgUnit, "parent"), lambda u: u.parent.name if u.parent else "", width=18),
        C(header(OrgUnit, "division_code"), lambda u: u.division_code, Kind.ID, width=15),
        C(header(OrgUnit, "party_org_name"), lambda u: u.party_org_name, width=24),
        C(header(OrgUnit, "party_org_type"), lambda u: party_org_type(u.party_org_type), width=10),
        C(header(OrgUnit, "rating"), lambda u: u.rating, width=6),
        C(header(OrgUnit, "is_weak"), lambda u: yes(u.is_weak), width=8),
    ]
    if with_counts:
        columns += [
            C(
                pgettext_lazy("ledger", "People registered"),
                lambda u: u.registered_people,
                Kind.INTEGER,
                width=10,
                total=True,
            ),
            C(
                pgettext_lazy("ledger", "Party members"),
                lambda u: u.party_member_count,
                Kind.INTEGER,
                width=10,
                total=True,
            ),
        ]
    return columns


def department_columns(context: LedgerContext) -> list[Column[Department]]:
    C = Column[Department]
    return [
        C(header(Department, "name"), lambda d: d.name, width=24),
        C(header(Department, "jurisdiction"), lambda d: d.jurisdiction.name, width=18),
        C(header(Department, "phone"), lambda d: d.phone, Kind.PHONE, width=16),
        C(header(Department, "is_active"), lambda d: yes_no(d.is_active), width=8),
    ]


def user_columns(context: LedgerContext) -> list[Column[User]]:
    C = Column[User]
    role = labels(User.Role)
    return [
        C(gettext_lazy("Username"), lambda u: u.username, width=16),
        C(capfirst(gettext_lazy("full name")), lambda u: u.first_name, width=12),
        C(header(User, "role"), lambda u: role(u.role), width=14),
        C(
            header(User, "anchor_unit"),
            lambda u: u.anchor_unit.name if u.anchor_unit else "",
            width=18,
        ),
        C(
            header(User, "anchor_department"),
            lambda u: u.anchor_department.name if u.anchor_department else "",
            width=20,
        ),
        C(header(User, "is_active"), lambda u: yes_no(u.is_active), width=8),
        C(header(User, "last_login"), lambda u: u.last_login, Kind.DATETIME, width=17),
    ]


PEOPLE = LedgerSpec[Person](
    "people",
    pgettext_lazy("ledger", "people ledger"),
    people_columns,
    personal_data=Person._meta.label,
    person_path="",
)
PARTY_MEMBERS = LedgerSpec[PartyMember](
    "party-members",
    pgettext_lazy("ledger", "party member ledger"),
    party_member_columns,
    personal_data=PartyMember._meta.label,
    person_path="person",
)
POSTS = LedgerSpec[Post](
    "posts",
    pgettext_lazy("ledger", "post ledger"),
    post_columns,
    personal_data=Post._meta.label,
    person_path="holder",
)
DEPARTMENTS = LedgerSpec[Department](
    "departments", pgettext_lazy("ledger", "department ledger"), department_columns
)
USERS = LedgerSpec[User](
    "accounts",
    pgettext_lazy("ledger", "account ledger"),
    user_columns,
    personal_data=User._meta.label,
)


def _orgunit_spec(with_counts: bool) -> LedgerSpec[OrgUnit]:
    return LedgerSpec[OrgUnit](
        "orgunits",
        pgettext_lazy("ledger", "org unit ledger"),
        lambda context: orgunit_columns(context, with_counts=with_counts),
    )


# --- The export ------------------------------------------------------------------------------


def _check_bulk_reveal(user: AnyUser, rows: QuerySet[Any], person_path: str) -> None:
    if not policy.may_reveal_in_bulk(user):
        raise NotAllowed(_("Your role may not export ID numbers and phones in full."))
    if person_path:
        # A member or post holder visible through their organisation or post may be known
        # to the user's area only there, not as a person the user may reveal.
        outside = rows.exclude(**{f"{person_path}__in": policy.policy(user, Person)})
        if outside.exists():
            raise NotAllowed(
                _(
                    "Some rows are about people outside your area, whose numbers you may not "
                    "see in full. Export without revealing."
                )
            )


def _area(request: ExportRequest) -> OrgUnit | None:
    """The unit the title names: the filter's, else the top of the user's area."""
    if request.within is not None:
        return request.within
    user = request.user
    anchor = getattr(user, "anchor_unit", None)
    if anchor is not None:
        return anchor
    department = getattr(user, "anchor_department", None)
    if department is not None:
        return department.jurisdiction
    roots = list(policy.policy(user, OrgUnit).filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


def _ledger(
    request: ExportRequest, spec: LedgerSpec[RowT], context: LedgerContext, rows: Any
) -> Ledger[RowT]:
    user = request.user
    unit = _area(request)
    path = (
        list(unit.get_ancestors(include_self=True).values_list("name", flat=True)) if unit else []
    )
    if unit is not None:
        # "东城街道光明社区人员台账": the unit with its parent; the file takes the unit alone.
        # Translators: a ledger's title, e.g. 东城街道光明社区 + 人员台账; Chinese needs no space.
        title = _("%(area)s %(ledger)s") % {"area": "".join(path[-2:]), "ledger": spec.noun}
        stem = _("%(area)s %(ledger)s") % {"area": unit.name, "ledger": spec.noun}
    else:
        title = stem = capfirst(str(spec.noun))
    exporter = getattr(user, "first_name", "") or getattr(user, "username", "")
    return Ledger(
        name=spec.name,
        title=title,
        file_stem=stem,
        unit_line=_("Unit: %(unit)s") % {"unit": "".join(path) or _("all units")},
        date_line=_("Exported by %(user)s on %(date)s")
        % {"user": exporter, "date": context.today.isoformat()},
        columns=spec.columns(context),
        rows=rows,
        on=context.today,
    )


def export_ledger(
    request: ExportRequest, rows: QuerySet[RowT], spec: LedgerSpec[RowT]
) -> HttpResponseBase:
    """Answer ``rows`` as the ledger ``spec`` describes: bulk reveal checked first (403 before
    anything is counted or logged), one COUNT (which enforces the row cap), one export audit
    row for ledgers with personal data, then the streamed file. Other apps' ledgers use it."""
    user = request.user
    ratelimit.require("export", user)
    reveal = request.reveal and spec.revealable
    if reveal:
        _check_bulk_reveal(user, rows, spec.person_path or "")
    total = count_rows(rows)
    context = LedgerContext(
        full_names=policy.sees_full_names(user),
        reveal=reveal,
        today=timezone.localdate(),
    )
    ledger = _ledger(request, spec, context, rows.iterator(chunk_size=CHUNK_SIZE))
    if spec.personal_data and total:  # an empty file showed nobody's data: nothing to log
        record_export(
            actor=user,
            object_type=spec.personal_data,
            ledger=ledger,
            file_format=request.file_format,
            rows=total,
            revealed=reveal,
            filters=request.filters,
        )
    return ledger_response(ledger, request.file_format)


def people_export(request: ExportRequest, people: QuerySet[Person]) -> HttpResponseBase:
    """人员台账 of ``people`` (from ``selectors.person_list_visible``)."""
    scope = policy.scope_of(request.user)
    registrations = (
        PersonRegistration.objects.filter(scope.units_q("unit"))
        .select_related("unit")
        .order_by("unit__tree_id", "unit__lft")
    )
    people = people.prefetch_related(
        Prefetch("registrations", queryset=registrations, to_attr="registered_units")
    )
    return export_ledger(request, people, PEOPLE)


def party_member_export(request: ExportRequest, members: QuerySet[PartyMember]) -> HttpResponseBase:
    """党员台账 of ``members`` (from ``selectors.party_member_list_visible``)."""
    return export_ledger(request, members, PARTY_MEMBERS)


def post_export(request: ExportRequest, posts: QuerySet[Post]) -> HttpResponseBase:
    """职务台账 of ``posts`` (from ``selectors.post_list_visible``)."""
    return export_ledger(request, posts.select_related("unit__parent", "holder"), POSTS)


def orgunit_export(request: ExportRequest, units: QuerySet[OrgUnit]) -> HttpResponseBase:
    """组织单位台账 of ``units``; with the people registered at each unit and its party members
    (and their totals) for the roles that work with people."""
    with_counts = policy.works_with_people(request.user)
    units = units.select_related("parent")
    if with_counts:
        registered = (
            PersonRegistration.objects.filter(unit=OuterRef("pk"))
            .order_by()
            .values("unit")
            .annotate(total=Count("pk"))
            .values("total")
        )
        members = (
            PartyMember.objects.filter(organisation=OuterRef("pk"))
            .order_by()
            .values("organisation")
            .annotate(total=Count("pk"))
            .values("total")
        )
        units = units.annotate(
            registered_people=Coalesce(Subquery(registered, output_field=IntegerField()), 0),
            party_member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
        )
    return export_ledger(request, units, _orgunit_spec(with_counts))


def department_export(
    request: ExportRequest, departments: QuerySet[Department]
) -> HttpResponseBase:
    """职能部门台账 of ``departments``."""
    return export_ledger(request, departments.select_related("jurisdiction"), DEPARTMENTS)


def user_export(request: ExportRequest, users: QuerySet[User]) -> HttpResponseBase:
    """账号台账 of ``users`` (staff names: logged like any personal data)."""
    return export_ledger(request, users.select_related("anchor_unit", "anchor_department"), USERS)
