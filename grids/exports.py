"""The ledgers (台账) of the grids app: grids, grid staff, households, residents and visits.

Each ``*_export`` has the signature of ``orgchart.exports``' (the API viewsets and the list
pages call them the same way)::

    grid_export(request: ExportRequest, grids: QuerySet[Grid]) -> HttpResponseBase
    grid_staff_export(request: ExportRequest, staff: QuerySet[GridStaff]) -> HttpResponseBase
    household_export(request: ExportRequest, households: QuerySet[Household]) -> HttpResponseBase
    resident_export(request: ExportRequest, residents: QuerySet[Resident]) -> HttpResponseBase
    visit_export(request: ExportRequest, visits: QuerySet[Visit]) -> HttpResponseBase

``request`` is ``orgchart.exports.ExportRequest`` (re-exported here): the user, ``"xlsx"`` or
``"csv"``, ``reveal``, ``within`` (the unit the list is about, for the title) and the filters
(for the export log). The queryset is the list's own, scope and filters applied, unpaginated:
``grids.selectors.grid_list_visible`` / ``household_list_visible`` / ``resident_list_visible``
/ ``visit_list_visible``, or for staff ``grid_staff_list`` or any ``policy(user, GridStaff)``
queryset. Annotations a ledger needs and the caller's queryset lacks are added here.

* Personal data is masked by default; ``reveal`` exports ID numbers, mobiles and the birth
  date in full only for roles that may reveal in bulk (``policy.may_reveal_in_bulk``: admins
  and community workers, never grid workers, whose reveal right is per resident) and only when
  every row's person is in the user's scope, else ``NotAllowed`` (403) before anything is
  counted or logged. Names are full for the roles that see them (``policy.sees_full_names``).
  Restricted tags (特殊人群) never leave in a ledger.
* One audit row (EXPORT) for each export holding personal data: residents, grid staff and
  visits (their notes are about people at home); none for an empty file.
* A constant number of queries however many rows: a COUNT, the rows with their joins and
  annotations, and for residents their care tags prefetched once per chunk of 2,000.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http.response import HttpResponseBase
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy, pgettext_lazy

from governance.ledger.export import Column, Kind
from governance.pii import mask_name
from grids.models import (
    Grid,
    GridStaff,
    Household,
    Resident,
    ResidentCareTag,
    Visit,
    VisitPhoto,
)

# The one export core of every app's ledgers: the bulk-reveal check, the 台账 title from the
# user's area, the row cap, the streamed file and the export log.
from orgchart.exports import (
    ExportRequest,
    LedgerContext,
    LedgerSpec,
    export_ledger,
    header,
    labels,
    person_name,
    personal_value,
    yes,
    yes_no,
)
from orgchart.models import OrgUnit, PartyMember, Person

__all__ = [
    "ExportRequest",
    "grid_export",
    "grid_staff_export",
    "household_export",
    "resident_export",
    "visit_export",
]


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) as a subquery (several never multiply each other)."""
    counted = queryset.order_by().annotate(_group=Value(1)).values("_group").annotate(n=Count("*"))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), 0)


def _is_party_member() -> Exists:
    return Exists(PartyMember.objects.filter(person=OuterRef("person")))


def _annotate_missing(rows: QuerySet[Any], **annotations: Any) -> QuerySet[Any]:
    """Add the annotations the caller's queryset lacks (the selectors add them already)."""
    missing = {
        name: expression
        for name, expression in annotations.items()
        if name not in rows.query.annotations
    }
    return rows.annotate(**missing) if missing else rows


def _last_visit(field: str, outer: str = "pk") -> Subquery:
    """The time of the last visit to the grid or household (``field``) the row refers to."""
    return Subquery(
        Visit.objects.filter(**{field: OuterRef(outer)})
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )


def _share(staff: int, party_members: int) -> Decimal | None:
    """The party-member share in per cent, two decimals (None without staff)."""
    if not staff:
        return None
    return (Decimal(party_members) * 100 / Decimal(staff)).quantize(Decimal("0.01"))


def _building(household: Household) -> str:
    return household.building.name if household.building is not None else household.building_label


# --- Columns ---------------------------------------------------------------------------------


def grid_columns(context: LedgerContext) -> list[Column[Grid]]:
    C = Column[Grid]
    kind, site, area_type = labels(Grid.Kind), labels(Grid.Site), labels(OrgUnit.AreaType)

    def head(grid: Grid) -> str:
        name: str = grid.head_name or ""  # type: ignore[attr-defined]
        return name if context.full_names else mask_name(name)

    return [
        C(header(Grid, "community"), lambda g: g.community.name, width=14),
        C(header(Grid, "compound"), lambda g: g.compound.name if g.compound else "", width=14),
        C(header(Grid, "name"), lambda g: g.name, width=16),
        C(header(Grid, "code"), lambda g: g.code, Kind.ID, width=10),
        C(header(Grid, "kind"), lambda g: kind(g.kind), width=10),
        C(
            gettext_lazy("Site or topic"),
            lambda g: site(g.site) if g.site else g.topic,
            width=16,
        ),
        C(header(Grid, "area_type"), lambda g: area_type(g.area_type), width=8),
        C(
            gettext_lazy("Households"),
            lambda g: g.household_count,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=8,
            total=True,
        ),
        C(gettext_lazy("Target households"), lambda g: g.target_households, Kind.INTEGER, width=8),
        C(
            gettext_lazy("Far off the target size"),
            lambda g: yes(g.size_warning(g.household_count)),  # type: ignore[attr-defined]
            width=10,
        ),
        C(
            gettext_lazy("Grid staff"),
            lambda g: g.staff_count,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=8,
            total=True,
        ),
        C(
            gettext_lazy("Party members among staff"),
            lambda g: g.party_staff_count,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=10,
            total=True,
        ),
        C(
            gettext_lazy("Party-member share (%)"),
            lambda g: _share(g.staff_count, g.party_staff_count),  # type: ignore[attr-defined]
            Kind.NUMBER,
            width=10,
        ),
        C(gettext_lazy("Grid head"), head, width=10),
        C(
            gettext_lazy("Last visit"),
            lambda g: g.last_visit_at,  # type: ignore[attr-defined]
            Kind.DATETIME,
            width=17,
        ),
    ]


def grid_staff_columns(context: LedgerContext) -> list[Column[GridStaff]]:
    C = Column[GridStaff]
    sex, role = labels(Person.Sex), labels(GridStaff.Role)
    employment, background = labels(GridStaff.Employment), labels(GridStaff.Background)
    return [
        C(header(Grid, "community"), lambda s: s.grid.community.name, width=14),
        C(header(GridStaff, "grid"), lambda s: s.grid.name, width=16),
        C(pgettext_lazy("person", "Name"), lambda s: person_name(context, s.person), width=10),
        C(header(Person, "sex"), lambda s: sex(s.person.sex), width=6),
        C(gettext_lazy("Age"), lambda s: s.person.age_on(context.today), Kind.INTEGER, width=6),
        C(
            gettext_lazy("Document number"),
            lambda s: personal_value(context, s.person, "document_number"),
            Kind.ID,
            width=22,
        ),
        C(
            gettext_lazy("Mobile"),
            lambda s: personal_value(context, s.person, "mobile"),
            Kind.PHONE,
            width=14,
        ),
        C(header(GridStaff, "role"), lambda s: role(s.role), width=10),
        C(header(GridStaff, "employment"), lambda s: employment(s.employment), width=8),
        C(header(GridStaff, "background"), lambda s: background(s.background), width=14),
        C(
            gettext_lazy("Party member"),
            lambda s: yes(s.is_party_member),  # type: ignore[attr-defined]
            width=8,
        ),
        C(
            header(GridStaff, "account"),
            lambda s: s.account.username if s.account else "",
            width=12,
        ),
        C(header(GridStaff, "started_on"), lambda s: s.started_on, Kind.DATE, width=12),
        C(header(GridStaff, "ended_on"), lambda s: s.ended_on, Kind.DATE, width=12),
    ]


def household_columns(context: LedgerContext) -> list[Column[Household]]:
    C = Column[Household]
    tenure = labels(Household.Tenure)
    return [
        C(header(Household, "community"), lambda h: h.community.name, width=14),
        C(header(Household, "grid"), lambda h: h.grid.name, width=16),
        C(header(Household, "address"), lambda h: h.address, width=28),
        C(header(Household, "building"), _building, width=12),
        C(header(Household, "entrance"), lambda h: h.entrance, width=8),
        C(header(Household, "room"), lambda h: h.room, width=8),
        C(header(Household, "floor_area"), lambda h: h.floor_area, Kind.NUMBER, width=10),
        C(header(Household, "tenure"), lambda h: tenure(h.tenure), width=10),
        C(
            gettext_lazy("Residents"),
            lambda h: h.resident_count,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=8,
            total=True,
        ),
        C(
            gettext_lazy("Last visit"),
            lambda h: h.last_visit_at,  # type: ignore[attr-defined]
            Kind.DATETIME,
            width=17,
        ),
    ]


def resident_columns(context: LedgerContext) -> list[Column[Resident]]:
    C = Column[Resident]
    sex, relation = labels(Person.Sex), labels(Resident.Relation)
    care_tag = labels(ResidentCareTag.Tag)

    def separation(resident: Resident) -> str:
        return resident.separation

    def care_tags(resident: Resident) -> str:
        rows: list[ResidentCareTag] = resident.care_tag_rows  # type: ignore[attr-defined]
        return "、".join(care_tag(row.tag) for row in rows)

    columns = [
        C(pgettext_lazy("person", "Name"), lambda r: person_name(context, r.person), width=10),
        C(header(Person, "sex"), lambda r: sex(r.person.sex), width=6),
        C(gettext_lazy("Age"), lambda r: r.person.age_on(context.today), Kind.INTEGER, width=6),
    ]
    if context.reveal:
        # The birth date with the masked number's ends rebuilds the number: shown only in full.
        columns.append(
            C(header(Person, "birth_date"), lambda r: r.person.birth_date, Kind.DATE, width=12)
        )
    columns += [
        C(
            gettext_lazy("Document number"),
            lambda r: personal_value(context, r.person, "document_number"),
            Kind.ID,
            width=22,
        ),
        C(
            gettext_lazy("Mobile"),
            lambda r: personal_value(context, r.person, "mobile"),
            Kind.PHONE,
            width=14,
        ),
        C(header(Household, "community"), lambda r: r.household.community.name, width=14),
        C(header(Household, "grid"), lambda r: r.household.grid.name, width=16),
        C(header(Household, "address"), lambda r: r.household.address, width=24),
        C(header(Resident, "relation"), lambda r: relation(r.relation), width=10),
        C(header(Resident, "registered_here"), lambda r: yes_no(r.registered_here), width=8),
        C(header(Resident, "lives_here"), lambda r: yes_no(r.lives_here), width=8),
        C(gettext_lazy("Separated from registration (人户分离)"), separation, width=16),
        C(capfirst(gettext_lazy("care tags")), care_tags, width=20),
        C(header(Resident, "moved_in_on"), lambda r: r.moved_in_on, Kind.DATE, width=12),
        C(
            gettext_lazy("Last visit"),
            lambda r: r.last_visit_at,  # type: ignore[attr-defined]
            Kind.DATETIME,
            width=17,
        ),
    ]
    return columns


def visit_columns(context: LedgerContext) -> list[Column[Visit]]:
    C = Column[Visit]
    purpose = labels(Visit.Purpose)
    return [
        C(header(Visit, "visited_at"), lambda v: v.visited_at, Kind.DATETIME, width=17),
        C(header(Grid, "community"), lambda v: v.grid.community.name, width=14),
        C(header(Visit, "grid"), lambda v: v.grid.name, width=16),
        C(
            header(Visit, "household"),
            lambda v: v.household.address if v.household else "",
            width=24,
        ),
        C(
            header(Visit, "visitor"),
            lambda v: v.visitor.first_name or v.visitor.username,
            width=10,
        ),
        C(header(Visit, "purpose"), lambda v: purpose(v.purpose), width=12),
        C(header(Visit, "hazard_found"), lambda v: yes(v.hazard_found), width=8),
        C(header(Visit, "notes"), lambda v: v.notes, width=40),
        C(
            gettext_lazy("Photos"),
            lambda v: v.photo_count,  # type: ignore[attr-defined]
            Kind.INTEGER,
            width=6,
            total=True,
        ),
    ]


GRIDS = LedgerSpec[Grid]("grids", pgettext_lazy("ledger", "grid ledger"), grid_columns)
GRID_STAFF = LedgerSpec[GridStaff](
    "grid-staff",
    pgettext_lazy("ledger", "grid staff ledger"),
    grid_staff_columns,
    personal_data=GridStaff._meta.label,
    person_path="person",
)
HOUSEHOLDS = LedgerSpec[Household](
    "households", pgettext_lazy("ledger", "household ledger"), household_columns
)
RESIDENTS = LedgerSpec[Resident](
    "residents",
    pgettext_lazy("ledger", "resident ledger"),
    resident_columns,
    personal_data=Resident._meta.label,
    person_path="person",
)
VISITS = LedgerSpec[Visit](
    "visits",
    pgettext_lazy("ledger", "visit ledger"),
    visit_columns,
    personal_data=Visit._meta.label,
)


# --- The exports -----------------------------------------------------------------------------


def grid_export(request: ExportRequest, grids: QuerySet[Grid]) -> HttpResponseBase:
    """网格台账 of ``grids`` (from ``selectors.grid_list_visible``): household count against
    the target size, staff and party-member share, the grid head, the last visit."""
    current_staff = GridStaff.objects.filter(grid=OuterRef("pk"), ended_on__isnull=True)
    head = current_staff.filter(role=GridStaff.Role.HEAD).values("person__name")[:1]
    grids = _annotate_missing(
        grids.select_related("community", "compound"),
        household_count=_count(Household.objects.filter(grid=OuterRef("pk"))),
        staff_count=_count(current_staff),
        party_staff_count=_count(current_staff.filter(_is_party_member())),
        last_visit_at=_last_visit("grid"),
        head_name=Subquery(head),
    )
    return export_ledger(request, grids, GRIDS)


def grid_staff_export(request: ExportRequest, staff: QuerySet[GridStaff]) -> HttpResponseBase:
    """网格员台账 of ``staff`` (from ``selectors.grid_staff_list``, or any scoped queryset of
    grid staff): who works which grid, their terms and whether they are party members."""
    staff = _annotate_missing(
        staff.select_related("grid__community", "person", "account"),
        is_party_member=_is_party_member(),
    )
    return export_ledger(request, staff, GRID_STAFF)


def household_export(request: ExportRequest, households: QuerySet[Household]) -> HttpResponseBase:
    """房屋台账 of ``households`` (from ``selectors.household_list_visible``)."""
    households = _annotate_missing(
        households.select_related("grid", "community", "building"),
        resident_count=_count(
            Resident.objects.filter(household=OuterRef("pk"), moved_out_on__isnull=True)
        ),
        last_visit_at=_last_visit("household"),
    )
    return export_ledger(request, households, HOUSEHOLDS)


def resident_export(request: ExportRequest, residents: QuerySet[Resident]) -> HttpResponseBase:
    """居民台账 of ``residents`` (from ``selectors.resident_list_visible``), with their care tags
    (fetched once per chunk of rows); never their restricted tags."""
    residents = _annotate_missing(
        residents.select_related("person", "household__grid", "household__community")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "care_tags",
                queryset=ResidentCareTag.objects.order_by("tag"),
                to_attr="care_tag_rows",
            )
        ),
        last_visit_at=_last_visit("household", "household"),
    )
    return export_ledger(request, residents, RESIDENTS)


def visit_export(request: ExportRequest, visits: QuerySet[Visit]) -> HttpResponseBase:
    """走访台账 of ``visits`` (from ``selectors.visit_list_visible``), newest first as listed."""
    visits = _annotate_missing(
        visits.select_related("grid__community", "household", "visitor"),
        photo_count=_count(VisitPhoto.objects.filter(visit=OuterRef("pk"))),
    )
    return export_ledger(request, visits, VISITS)
