"""Scoped reads of the org tree. Every function takes the user and goes through the policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from governance import pii
from governance.database import scalar_count
from governance.errors import OutOfScope, ValidationFailed
from governance.identity import (
    IdentityError,
    normalise,
    normalise_document_number,
    parse_phone,
    parse_resident_id,
)
from orgchart.models import (
    EXPECTED_POSTS,
    Department,
    OrgUnit,
    PartyMember,
    Person,
    PersonRegistration,
    Post,
    User,
)
from orgchart.policy import AnyUser, may_reveal_in_bulk, policy, scope_of


def orgunit_list_visible(
    *, user: AnyUser, kind: str | None = None, within: OrgUnit | None = None
) -> QuerySet[OrgUnit]:
    """Units the user may see, in tree order; optionally of one kind or inside ``within``."""
    units = policy(user, OrgUnit).order_by("tree_id", "lft")
    if kind:
        units = units.filter(kind=kind)
    if within is not None:
        units = units.filter(tree_id=within.tree_id, lft__gte=within.lft, lft__lte=within.rght)
    return units


def orgunit_get(*, user: AnyUser, pk: Any) -> OrgUnit:
    """One unit the user may see; ``OutOfScope`` (404) otherwise, also for a malformed id."""
    try:
        return policy(user, OrgUnit).select_related("parent").get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def orgunit_roots_visible(*, user: AnyUser) -> QuerySet[OrgUnit]:
    """The top of what the user sees: the roots for superusers, else their scope's root."""
    scope = scope_of(user)
    if scope.everything:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("tree_id")
    if scope.empty:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(tree_id=scope.tree_id, lft=scope.lft)


def orgunit_children(*, user: AnyUser, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Visible children in their order; the descendant count is ``(rght - lft - 1) / 2``."""
    return policy(user, OrgUnit).filter(parent=unit).order_by("lft")


def orgunit_ancestors(*, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The path from the root down to the unit's parent.

    The path of a unit one may see is part of its address (its street, district, city), so
    names and kinds of ancestors are shown even above the user's scope; their pages are not.
    """
    return unit.get_ancestors().only(
        "id", "name", "kind", "area_type", "level", "tree_id", "lft", "rght"
    )


def orgunit_phone_unit(*, unit: OrgUnit) -> OrgUnit | None:
    """The nearest unit from ``unit`` upward (the unit itself first) with an office phone, or
    None. Office phones are public: the notices a unit hands out give its own, or the
    nearest one above it (a compound's residents call the community)."""
    return (
        unit.get_ancestors(include_self=True)
        .exclude(phone="")
        .only("id", "name", "phone", "level")
        .order_by("-level")
        .first()
    )


def orgunit_counts_by_kind(*, user: AnyUser, within: OrgUnit | None = None) -> dict[str, int]:
    """How many units of each kind the user sees (one query)."""
    rows = (
        orgunit_list_visible(user=user, within=within)
        .order_by()
        .values("kind")
        .annotate(total=Count("id"))
    )
    counts = dict.fromkeys(OrgUnit.Kind.values, 0)
    counts.update({row["kind"]: row["total"] for row in rows})
    return counts


def department_list_visible(*, user: AnyUser) -> QuerySet[Department]:
    return (
        policy(user, Department)
        .select_related("jurisdiction")
        .order_by("jurisdiction__tree_id", "jurisdiction__lft", "name")
    )


def department_get(*, user: AnyUser, pk: Any) -> Department:
    try:
        return department_list_visible(user=user).get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def department_list_for_unit(*, user: AnyUser, unit: OrgUnit) -> QuerySet[Department]:
    """Visible departments whose jurisdiction is exactly ``unit``."""
    return department_list_visible(user=user).filter(jurisdiction=unit)


def user_list_visible(*, user: AnyUser) -> QuerySet[User]:
    return policy(user, User).select_related("anchor_unit", "anchor_department")


def user_get(*, user: AnyUser, pk: Any) -> User:
    try:
        return user_list_visible(user=user).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


# --- People ----------------------------------------------------------------------------------


def person_find_by_document(*, document_type: str, document_number: str) -> Person | None:
    """Exact lookup by keyed hash (no decryption); None when unknown or malformed."""
    try:
        number = (
            parse_resident_id(document_number).number
            if document_type == Person.DocumentType.RESIDENT_ID
            else normalise_document_number(document_number)
        )
    except IdentityError:
        return None
    digest = pii.blind_index(number, purpose=f"document:{document_type}")
    return Person.objects.filter(document_type=document_type, document_number_hash=digest).first()


def phone_hash(value: str) -> str | None:
    """The keyed hash a phone number is stored under; None when it is not a phone number."""
    try:
        return pii.blind_index(parse_phone(value).number, purpose="phone")
    except IdentityError:
        return None


def person_search_q(query: str, *, whole_numbers: bool = True) -> Q:
    """What the search box matches: a whole ID or mobile number (by keyed hash), the visible
    fragments of an ID (first 6 / last 4), pinyin initials or spelling, or part of the name.

    A whole-number search confirms a guess about a masked number (``138****5678`` has only
    10,000 candidates), so it is for roles that may reveal numbers anyway
    (``whole_numbers``); for others it is refused, not silently empty.
    """
    text = normalise(query)
    if not text:
        return Q()
    is_mobile = re.fullmatch(r"(\+86|0086)?1[3-9]\d{9}", text)
    is_whole_id = re.fullmatch(r"\d{17}[\dX]|\d{15}", text)
    if (is_mobile or is_whole_id) and not whole_numbers:
        raise ValidationFailed(
            fields={
                "q": [
                    _(
                        "Searching by a whole ID or phone number needs the right to "
                        "reveal personal data; search by name or the visible digits."
                    )
                ]
            }
        )
    # Mobiles first: "0086…" has 15 digits like a legacy ID, but no ID starts with 00.
    if is_mobile:
        return Q(mobile_hash=phone_hash(text) or "-")
    if is_whole_id:
        person = person_find_by_document(
            document_type=Person.DocumentType.RESIDENT_ID, document_number=text
        )
        return Q(pk=person.pk) if person else Q(pk__in=[])
    if re.fullmatch(r"\d{6}", text):
        return Q(document_number_head=text)
    if re.fullmatch(r"\d{3}[\dX]", text):
        return Q(document_number_tail=text) | Q(mobile_tail=text)
    if re.fullmatch(r"[A-Z ]+", text):
        lowered = query.strip().lower()
        return Q(name_initials__startswith=lowered.replace(" ", "")) | Q(
            name_pinyin__startswith=lowered
        )
    return Q(name__contains=query.strip())


def person_list_visible(
    *, user: AnyUser, query: str = "", within: OrgUnit | None = None
) -> QuerySet[Person]:
    """People the user may see (registered in their area), sorted by pinyin."""
    people = policy(user, Person).select_related("party_member").order_by("name_pinyin", "id")
    if query:
        people = people.filter(person_search_q(query, whole_numbers=may_reveal_in_bulk(user)))
    if within is not None:
        registered = PersonRegistration.objects.filter(
            person=OuterRef("pk"),
            unit__tree_id=within.tree_id,
            unit__lft__gte=within.lft,
            unit__lft__lte=within.rght,
        )
        people = people.filter(Exists(registered))
    return people


def person_get(*, user: AnyUser, pk: Any) -> Person:
    try:
        return person_list_visible(user=user).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def person_units_visible(*, user: AnyUser, person: Person) -> QuerySet[OrgUnit]:
    """The units in the user's area where the person is registered (never the others); none
    for a user who may not see the person (a handler's area spans a whole district)."""
    visible = policy(user, Person).filter(pk=person.pk)
    return (
        policy(user, OrgUnit)
        .filter(Exists(visible), registrations__person=person)
        .order_by("tree_id", "lft")
    )


def party_member_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, status: str = "", query: str = ""
) -> QuerySet[PartyMember]:
    members = (
        policy(user, PartyMember)
        .select_related("person", "organisation", "home_community")
        .order_by("person__name_pinyin", "id")
    )
    if within is not None:
        members = members.filter(
            Q(
                organisation__tree_id=within.tree_id,
                organisation__lft__gte=within.lft,
                organisation__lft__lte=within.rght,
            )
            | Q(
                home_community__tree_id=within.tree_id,
                home_community__lft__gte=within.lft,
                home_community__lft__lte=within.rght,
            )
        )
    if status:
        members = members.filter(status=status)
    if query:
        members = members.filter(
            person__in=Person.objects.filter(
                person_search_q(query, whole_numbers=may_reveal_in_bulk(user))
            )
        )
    return members


def party_member_get(*, user: AnyUser, pk: Any) -> PartyMember:
    try:
        return party_member_list_visible(user=user).get(pk=pk)
    except (PartyMember.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def post_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, kind: str = "", current: bool | None = True
) -> QuerySet[Post]:
    posts = (
        policy(user, Post)
        .select_related("unit", "holder")
        .order_by("unit__tree_id", "unit__lft", "kind", "-started_on", "id")
    )
    if within is not None:
        posts = posts.filter(
            unit__tree_id=within.tree_id, unit__lft__gte=within.lft, unit__lft__lte=within.rght
        )
    if kind:
        posts = posts.filter(kind=kind)
    if current is not None:
        posts = posts.filter(ended_on__isnull=current)
    return posts


def post_get(*, user: AnyUser, pk: Any) -> Post:
    try:
        return post_list_visible(user=user, current=None).get(pk=pk)
    except (Post.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


@dataclass(frozen=True)
class Vacancy:
    unit: OrgUnit
    kind: str

    @property
    def kind_label(self) -> str:
        return str(Post.Kind(self.kind).label)


def post_vacancies(*, user: AnyUser, within: OrgUnit, limit: int = 500) -> list[Vacancy]:
    """Expected unique posts with no current holder, for units in ``within``'s subtree."""
    units = list(orgunit_list_visible(user=user, within=within)[:limit])
    held = set(
        Post.objects.filter(unit__in=units, ended_on__isnull=True).values_list("unit_id", "kind")
    )
    return [
        Vacancy(unit, kind)
        for unit in units
        for kind in EXPECTED_POSTS[unit.kind]
        if (unit.pk, kind) not in held
    ]


# --- Figures of a unit for the dashboards ----------------------------------------------------

ORG_FIGURES = "org__"
# 创A: the share of A-rated party organisations a city aims for (seed 003).
TARGET_A_SHARE = 0.2


@dataclass(frozen=True)
class UnitOrgFigures:
    """The organisation of a unit's subtree: party organisations by A–D rating (定档) and the A
    share against the 20 % goal (创A), weak and lax ones (软弱涣散), party members by status,
    dual-registered (双报到) members living there."""

    ratings: dict[str, int]
    weak: int
    members_by_status: dict[str, int]
    dual_registered: int

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def a_share(self) -> float | None:
        return round(self.ratings.get("A", 0) / self.rated, 4) if self.rated else None

    @property
    def a_target(self) -> float:
        return TARGET_A_SHARE

    @property
    def members(self) -> int:
        return sum(self.members_by_status.values())


def unit_org_expressions(unit: OrgUnit) -> dict[str, Any]:
    """The organisation figures of ``unit``'s subtree as scalar expressions (one query with the
    other apps' figures); ``unit_org_figures`` reads them back."""
    units = OrgUnit.objects.filter(tree_id=unit.tree_id, lft__gte=unit.lft, lft__lte=unit.rght)
    members = PartyMember.objects.filter(organisation__in=units.values("pk"))
    expressions: dict[str, Any] = {
        f"{ORG_FIGURES}rating_{rating}": scalar_count(units.filter(rating=rating))
        for rating in OrgUnit.Rating.values
    }
    expressions[f"{ORG_FIGURES}weak"] = scalar_count(units.filter(is_weak=True))
    expressions.update(
        {
            f"{ORG_FIGURES}members_{status}": scalar_count(members.filter(status=status))
            for status in PartyMember.Status.values
        }
    )
    expressions[f"{ORG_FIGURES}dual"] = scalar_count(
        PartyMember.objects.filter(
            home_community__in=units.values("pk"), dual_registered_on__isnull=False
        )
    )
    return expressions


def unit_org_figures(row: dict[str, Any]) -> UnitOrgFigures:
    return UnitOrgFigures(
        ratings={rating: row[f"{ORG_FIGURES}rating_{rating}"] for rating in OrgUnit.Rating.values},
        weak=row[f"{ORG_FIGURES}weak"],
        members_by_status={
            status: row[f"{ORG_FIGURES}members_{status}"] for status in PartyMember.Status.values
        },
        dual_registered=row[f"{ORG_FIGURES}dual"],
    )


def account_place(user: Any) -> str:
    """The name of the unit or department an account works from ("" for none): what a
    timeline shows beside the actor, kept on the event as it was then."""
    if getattr(user, "anchor_department_id", None):
        return str(user.anchor_department.name)
    if getattr(user, "anchor_unit_id", None):
        return str(user.anchor_unit.name)
    return ""
