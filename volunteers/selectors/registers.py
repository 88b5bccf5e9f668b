"""双报到 registrations, partner units and their pairings (包联), volunteers and teams, and the
party members' share of the volunteers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from orgchart.models import OrgUnit, Person
from orgchart.policy import AnyUser, may_reveal_in_bulk, policy
from orgchart.selectors import person_search_q
from volunteers.models import DualRegistration, Pairing, PartnerUnit, Skill, Team, Volunteer
from volunteers.selectors.shared import _get, _is_party_member, _within


def _person_matches(query: str, user: AnyUser) -> QuerySet[Person]:
    """People matching a name search (a whole number only for roles that may reveal)."""
    return Person.objects.filter(person_search_q(query, whole_numbers=may_reveal_in_bulk(user)))


def volunteer_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    query: str = "",
    skill: str = "",
    party_member: bool | None = None,
    active: bool | None = None,
) -> QuerySet[Volunteer]:
    """Volunteers the user may see (a volunteer account: its own record), by community and
    pinyin, each with ``is_party_member``."""
    volunteers = (
        policy(user, Volunteer)
        .select_related("person", "community")
        .annotate(is_party_member=_is_party_member("person_id"))
        .order_by("community__tree_id", "community__lft", "person__name_pinyin", "id")
    )
    if within is not None:
        volunteers = volunteers.filter(_within("community", within))
    if query:
        volunteers = volunteers.filter(person__in=_person_matches(query, user))
    if skill and skill in Skill.values:
        volunteers = volunteers.filter(
            Q(skills=skill)
            | Q(skills__startswith=f"{skill},")
            | Q(skills__endswith=f",{skill}")
            | Q(skills__contains=f",{skill},")
        )
    if party_member is not None:
        volunteers = volunteers.filter(is_party_member=party_member)
    if active is not None:
        volunteers = volunteers.filter(is_active=active)
    return volunteers


def volunteer_get(*, user: AnyUser, pk: Any) -> Volunteer:
    return _get(volunteer_list_visible(user=user), pk)


def team_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    serving: OrgUnit | None = None,
    kind: str = "",
) -> QuerySet[Team]:
    """Teams the user may see, with their lead, ``member_count`` and whether the lead is a
    party member (``lead_is_party_member``). Staff see their area's teams and those of the
    street above it.

    ``within``: teams of that subtree. ``serving``: the teams that may take a community's
    work orders: those of its subtree and those of the units above it up to its street (a
    street's 先锋队 serves its communities); never another street's."""
    members = (
        Team.members.through.objects.filter(team_id=OuterRef("pk"))
        .order_by()
        .values("team_id")
        .annotate(total=Count("pk"))
        .values("total")  # type: ignore[misc]  # the stubs do not see the through model's annotation
    )
    teams = (
        policy(user, Team)
        .select_related("unit", "lead__person")
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            lead_is_party_member=_is_party_member("lead__person_id"),
            # A street's team may be led from a community outside the viewer's area: the
            # lead is named in full only when the viewer sees that volunteer.
            lead_in_area=Exists(policy(user, Volunteer).filter(pk=OuterRef("lead_id"))),
        )
        .order_by("unit__tree_id", "unit__lft", "name", "id")
    )
    if within is not None:
        teams = teams.filter(_within("unit", within))
    if serving is not None:
        street_above = Q(
            unit__kind=OrgUnit.Kind.STREET,
            unit__tree_id=serving.tree_id,
            unit__lft__lte=serving.lft,
            unit__rght__gte=serving.rght,
        )
        teams = teams.filter(_within("unit", serving) | street_above)
    if kind:
        teams = teams.filter(kind=kind)
    return teams


def team_get(*, user: AnyUser, pk: Any) -> Team:
    return _get(team_list_visible(user=user), pk)


def team_members(*, user: AnyUser, team: Team) -> QuerySet[Volunteer]:
    """The team's members the user may see (staff: those of their area)."""
    return volunteer_list_visible(user=user).filter(teams=team)


def partner_unit_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, kind: str = ""
) -> QuerySet[PartnerUnit]:
    """Partner units (共建单位) the user may see, with their contact, whether the contact is a
    party member, and ``current_pairings``: their current pairings (包联) with communities the
    user sees (one prefetch). ``within``: kept by a unit of that subtree or paired with one of
    its communities."""
    pairings = (
        policy(user, Pairing)
        .filter(ended_on__isnull=True)
        .select_related("community")
        .order_by("community__tree_id", "community__lft")
    )
    partners = (
        policy(user, PartnerUnit)
        .select_related("unit", "contact")
        .annotate(contact_is_party_member=_is_party_member("contact_id"))
        .prefetch_related(Prefetch("pairings", queryset=pairings, to_attr="current_pairings"))
        .order_by("name", "id")
    )
    if within is not None:
        paired = Pairing.objects.filter(
            _within("community", within), partner_id=OuterRef("pk"), ended_on__isnull=True
        )
        partners = partners.filter(_within("unit", within) | Q(Exists(paired)))
    if kind:
        partners = partners.filter(kind=kind)
    return partners


def partner_unit_get(*, user: AnyUser, pk: Any) -> PartnerUnit:
    return _get(partner_unit_list_visible(user=user), pk)


def pairing_list_visible(*, user: AnyUser, partner: PartnerUnit | None = None) -> QuerySet[Pairing]:
    """包联 pairings the user may see (with communities of their area), current ones first,
    then by community."""
    pairings = (
        policy(user, Pairing)
        .select_related("partner", "community")
        .order_by(
            F("ended_on").desc(nulls_first=True),
            "community__tree_id",
            "community__lft",
            "partner__name",
            "id",
        )
    )
    if partner is not None:
        pairings = pairings.filter(partner=partner)
    return pairings


def pairing_get(*, user: AnyUser, pk: Any, partner: PartnerUnit | None = None) -> Pairing:
    return _get(pairing_list_visible(user=user, partner=partner), pk)


def dual_registration_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    partner: PartnerUnit | None = None,
    current: bool | None = True,
    post: str = "",
) -> QuerySet[DualRegistration]:
    """双报到 registrations the user may see (staff only), by community then newest; current
    ones unless ``current`` is False (ended ones) or None (all)."""
    registrations = (
        policy(user, DualRegistration)
        .select_related(
            "party_member__person",
            "party_member__organisation",
            "community",
            "partner",
            "post_unit",
        )
        .order_by("community__tree_id", "community__lft", "-registered_on", "id")
    )
    if within is not None:
        registrations = registrations.filter(_within("community", within))
    if partner is not None:
        registrations = registrations.filter(partner=partner)
    if current is not None:
        registrations = registrations.filter(ended_on__isnull=current)
    if post:
        registrations = registrations.filter(post=post)
    return registrations


def dual_registration_get(*, user: AnyUser, pk: Any) -> DualRegistration:
    return _get(dual_registration_list_visible(user=user, current=None), pk)


@dataclass(frozen=True)
class VolunteerShare:
    """One community of the volunteer register: its active volunteers and how many of them
    are party members (党员志愿者占比)."""

    community_id: int
    community_name: str
    volunteers: int
    party_members: int

    @property
    def share(self) -> int | None:
        """The party members' share in whole per cent (half up); None without volunteers."""
        if not self.volunteers:
            return None
        return (200 * self.party_members + self.volunteers) // (2 * self.volunteers)


def volunteer_share_by_community(
    *, user: AnyUser, within: OrgUnit | None = None
) -> list[VolunteerShare]:
    """Per community the user sees (in tree order; ``within``: of that subtree), its active
    volunteers and the party members among them. Communities without an active volunteer are
    left out. One query."""
    volunteers = policy(user, Volunteer).filter(is_active=True)
    if within is not None:
        volunteers = volunteers.filter(_within("community", within))
    rows = (
        volunteers.order_by()
        .values("community_id", "community__name", "community__tree_id", "community__lft")
        .annotate(
            total=Count("pk"),
            party=Count("pk", filter=Q(_is_party_member("person_id"))),
        )
        .order_by("community__tree_id", "community__lft")
    )
    return [
        VolunteerShare(row["community_id"], row["community__name"], row["total"], row["party"])
        for row in rows
    ]
