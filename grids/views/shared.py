"""What the grid pages share: filters of the lists, names as the viewer may see them, the
person search of the forms about a person, the rows of households and residents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from governance.errors import ValidationFailed
from governance.ledger.registry import import_ledger
from grids import exports, selectors
from grids.forms import PersonSearchForm
from grids.models import Grid, Household, Resident
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Person
from orgchart.pages import ExportAsked, list_search
from orgchart.policy import AnyUser

# Rows shown on a grid's page and a household's page; the full history is the visits list.
RECENT_VISITS = 10
HOUSEHOLD_VISITS = 20
# Options of the unit and grid filters (a street has a few hundred grids at most).
FILTER_CHOICES_LIMIT = 300
# People offered when adding a resident or appointing staff, per search.
PERSON_CANDIDATES = 10
# Grid codes count up (…001, …002); names do not sort in order (第七 before 第三).
GRID_ORDER = ("community__tree_id", "community__lft", "kind", "code", "name", "id")
RELATION_ORDER = {relation: index for index, relation in enumerate(Resident.Relation.values)}


def is_grid_worker(user: AnyUser) -> bool:
    """A grid worker sees only the grids they staff: their pages start from "my grids"."""
    return policy.sees_staffed_grids_only(user)


def names(user: Any) -> Callable[[Person], str]:
    full = policy.sees_full_names(user)
    return lambda person: person.name if full else person.masked_name


def masked(user: Any, name: str | None) -> str:
    if not name:
        return ""
    return name if policy.sees_full_names(user) else Person(name=name).masked_name


def export_request(
    user: Any, asked: ExportAsked, within: OrgUnit | None, filters: dict[str, Any]
) -> exports.ExportRequest:
    return exports.ExportRequest(
        user=user,
        file_format=asked.file_format,
        reveal=asked.reveal,
        within=within,
        filters=filters,
    )


def within_filter(user: Any, data: Any) -> OrgUnit | None:
    """``?unit=``: a unit of the user's area (404 otherwise)."""
    value = data.get("unit", "")
    return org_selectors.orgunit_get(user=user, pk=value) if value else None


def grid_filter(user: Any, data: Any) -> Grid | None:
    """``?grid=``: a grid the user sees (404 otherwise)."""
    value = data.get("grid", "")
    return selectors.grid_get(user=user, pk=value) if value else None


def unit_choices(user: Any) -> list[OrgUnit]:
    """Communities and compounds of the user's area for the unit filter (one query)."""
    return list(
        org_selectors.orgunit_list_visible(user=user)
        .filter(kind__in=[OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.COMPOUND])
        .only("id", "name", "kind", "area_type", "level", "tree_id", "lft", "rght")[
            :FILTER_CHOICES_LIMIT
        ]
    )


def grid_choices(user: Any) -> list[tuple[int, str, str]]:
    """(id, name, community) of the grids the user sees, for the grid filter (one query)."""
    return list(
        selectors.grid_list_visible(user=user, mine=is_grid_worker(user))
        .order_by(*GRID_ORDER)
        .values_list("pk", "name", "community__name")[:FILTER_CHOICES_LIMIT]
    )


def searched(form: Any, build: Callable[[], QuerySet[Any]], empty: QuerySet[Any]) -> QuerySet[Any]:
    """The list, or none with the message on the search field (a whole ID or phone number
    searched by a role that may not reveal)."""
    try:
        return build()
    except ValidationFailed as error:
        add_service_errors(form, error)
        return empty


def import_allowed(user: Any, name: str) -> bool:
    ledger = import_ledger(name)
    return ledger is not None and ledger.permission(user)


def error_text(error: ValidationFailed) -> str:
    """A service's messages in one line (for a message after a redirect)."""
    texts = [str(text) for texts in error.fields.values() for text in texts]
    return "; ".join(texts) or str(error.message)


def form_status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


@dataclass(frozen=True)
class PersonPick:
    """Step one of a form about a person: the search and its candidates. A search for a whole
    ID or phone number is POSTed and answered directly (never in a URL), as on the people
    list; every other search becomes a GET URL (``redirect_to``)."""

    form: PersonSearchForm
    query: str
    masked_query: str
    candidates: list[tuple[Person, str]]
    redirect_to: str | None


def person_pick(request: HttpRequest) -> PersonPick:
    user = request.user
    listed = list_search(request, keep=("q",))
    form = PersonSearchForm(listed.data)
    form.is_valid()
    if listed.redirect_to:
        return PersonPick(form, "", "", [], listed.redirect_to)
    candidates: list[tuple[Person, str]] = []
    if listed.query:
        name = names(user)
        people = searched(
            form,
            lambda: org_selectors.person_list_visible(user=user, query=listed.query),
            Person.objects.none(),
        )
        candidates = [(person, name(person)) for person in people[:PERSON_CANDIDATES]]
    return PersonPick(form, listed.query, listed.masked_query, candidates, None)


def chosen_person(request: HttpRequest) -> Person | None:
    value = request.GET.get("person", "") or request.POST.get("person", "")
    return org_selectors.person_get(user=request.user, pk=value) if value else None


def with_head(households: QuerySet[Household]) -> QuerySet[Household]:
    """The current head of household's name and pinyin (for the rows and the pinyin sort)."""
    head = Resident.objects.filter(
        household=OuterRef("pk"), relation=Resident.Relation.HEAD, moved_out_on__isnull=True
    )
    return households.annotate(
        head_name=Subquery(head.values("person__name")[:1]),
        head_pinyin=Subquery(head.values("person__name_pinyin")[:1]),
    )


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    head: str


def household_rows(user: Any, households: Any) -> list[HouseholdRow]:
    return [HouseholdRow(household, masked(user, household.head_name)) for household in households]


@dataclass(frozen=True)
class ResidentRow:
    resident: Resident
    name: str
    age: int | None


def resident_rows(user: Any, residents: Any) -> list[ResidentRow]:
    name = names(user)
    today = timezone.localdate()
    return [
        ResidentRow(resident, name(resident.person), resident.person.age_on(today))
        for resident in residents
    ]
