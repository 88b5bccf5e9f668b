"""Rules for partner units, 双报到, volunteers, teams, wishes, work orders, activities and
points (the volunteers app, by label)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from orgchart.models import OrgUnit, Post, User
from orgchart.policy.core import (
    ACTION_RULES,
    VISIBILITY_RULES,
    AnyUser,
    Role,
    Scope,
    policy,
    scope_of,
)

# Roles that keep the volunteer registers of their subtree.
VOLUNTEER_STAFF_ROLES = frozenset(
    {Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER}
)


def _is_volunteer_account(user: AnyUser) -> bool:
    return isinstance(user, User) and user.role == Role.VOLUNTEER


def _staff_or_none(user: AnyUser, scope: Scope, unit_q: Q) -> Q:
    if scope.everything:
        return Q()
    if isinstance(user, User) and user.role in VOLUNTEER_STAFF_ROLES:
        return unit_q
    return Q(pk__in=[])


def _volunteer_own(user: AnyUser, path: str) -> Q:
    return Q(**{f"{path}account_id": user.pk})


def _partner_unit_rule(user: AnyUser, scope: Scope) -> Q:
    pairing = apps.get_model("volunteers", "Pairing")
    paired_here = pairing.objects.filter(
        scope.units_q("community"), partner_id=OuterRef("pk"), ended_on__isnull=True
    )
    rule = _staff_or_none(user, scope, scope.units_q("unit") | Q(Exists(paired_here)))
    if _is_volunteer_account(user):
        rule = Q(contact_account_id=user.pk) | Q(Exists(paired_here))
    return rule


def _pairing_rule(user: AnyUser, scope: Scope) -> Q:
    if _is_volunteer_account(user):
        return scope.units_q("community")
    return _staff_or_none(user, scope, scope.units_q("community"))


def _dual_registration_rule(user: AnyUser, scope: Scope) -> Q:
    return _staff_or_none(user, scope, scope.units_q("community"))


def _volunteer_rule(user: AnyUser, scope: Scope) -> Q:
    if _is_volunteer_account(user):
        return Q(account_id=user.pk)
    return _staff_or_none(user, scope, scope.units_q("community"))


def _team_rule(user: AnyUser, scope: Scope) -> Q:
    if _is_volunteer_account(user):
        return scope.units_q("unit") | scope.covers_unit_q("unit")
    # Staff: the teams of their area and those of the street above it (a street's 先锋队
    # serves its communities: their community workers dispatch work orders to it).
    street_above = scope.covers_unit_q("unit") & Q(unit__kind=OrgUnit.Kind.STREET)
    return _staff_or_none(user, scope, scope.units_q("unit") | street_above)


def _wish_rule(user: AnyUser, scope: Scope) -> Q:
    # The wish board is public inside the community, volunteers included (beneficiaries are
    # masked for them).
    if _is_volunteer_account(user):
        return scope.units_q("community")
    return _staff_or_none(user, scope, scope.units_q("community"))


def _work_order_rule(user: AnyUser, scope: Scope) -> Q:
    if _is_volunteer_account(user):
        # Work orders offered to a team the volunteer belongs to, or to the partner unit
        # whose contact they are; and every order of a community where their person holds a
        # current supervisor post (督单 needs to see what it supervises).
        team = apps.get_model("volunteers", "Team")
        member = team.members.through.objects.filter(
            team_id=OuterRef("team_id"), volunteer__account_id=user.pk
        )
        supervising = Post.objects.filter(
            unit_id=OuterRef("community_id"),
            kind=Post.Kind.SUPERVISOR,
            ended_on__isnull=True,
            holder__volunteer__account_id=user.pk,
        )
        return Q(Exists(member)) | Q(partner__contact_account_id=user.pk) | Q(Exists(supervising))
    return _staff_or_none(user, scope, scope.units_q("community"))


def _activity_rule(user: AnyUser, scope: Scope) -> Q:
    # Activities of the area and of the units above it (a street's volunteer day is open to
    # its communities).
    if _is_volunteer_account(user):
        return scope.units_q("unit") | scope.covers_unit_q("unit")
    return _staff_or_none(user, scope, scope.units_q("unit") | scope.covers_unit_q("unit"))


def _signup_rule(user: AnyUser, scope: Scope) -> Q:
    if _is_volunteer_account(user):
        return _volunteer_own(user, "volunteer__")
    return _staff_or_none(user, scope, scope.units_q("volunteer__community"))


def _points_holders(user: AnyUser, scope: Scope, path: str) -> Q:
    """Volunteers (reached by ``path``; "" for Volunteer itself) whose points ledger the user
    sees: a volunteer their own; the staff of an area its volunteers; a grid worker those
    among the people they see, the residents of their grids (DESIGN §6: their grids' people
    and no one else's; the monthly ranking stays the community's, as volunteers see it)."""
    prefix = f"{path}__" if path else ""
    if _is_volunteer_account(user):
        return _volunteer_own(user, prefix)
    if isinstance(user, User) and user.role == Role.GRID_WORKER and not scope.everything:
        people = policy(user, "orgchart.Person")
        return scope.units_q(f"{prefix}community") & Q(**{f"{prefix}person__in": people})
    return _staff_or_none(user, scope, scope.units_q(f"{prefix}community"))


def points_holders_q(user: AnyUser) -> Q:
    """Volunteer rows whose points the user sees (for statements built on volunteers)."""
    return _points_holders(user, scope_of(user), "")


def _points_rule(user: AnyUser, scope: Scope) -> Q:
    return _points_holders(user, scope, "volunteer")


def _reward_rule(user: AnyUser, scope: Scope) -> Q:
    if _is_volunteer_account(user):
        return scope.units_q("unit") | scope.covers_unit_q("unit")
    return _staff_or_none(user, scope, scope.units_q("unit") | scope.covers_unit_q("unit"))


def _posts_wishes(user: User, unit: OrgUnit) -> bool:
    """Post a micro-wish or order a work order (点单): community or grid workers."""
    return (
        user.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER)
        and unit.kind == OrgUnit.Kind.COMMUNITY
    )


def _community_worker(user: User, obj: Any) -> bool:
    return user.role == Role.COMMUNITY_WORKER


def _manages_volunteers(user: User, obj: Any) -> bool:
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER)


def _keeps_unit_row(user: User, obj: Any) -> bool:
    """Change a row kept by a unit (a reward, a partner unit, a team) in the user's own area:
    a community worker sees the street's reward catalogue and teams but does not restock the
    one or change the members of the other."""
    return _manages_volunteers(user, obj) and scope_of(user).contains(obj.unit)


def _manages_activities(user: User, obj: Any) -> bool:
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER, Role.OFFICIAL)


def _organises(user: User, activity: Any) -> bool:
    """Call off an activity of a unit in the user's own area (a community worker does not call
    off the street's volunteer day)."""
    return _manages_activities(user, activity) and scope_of(user).contains(activity.unit)


def _volunteer_here(user: User, community_id: int) -> bool:
    volunteer = apps.get_model("volunteers", "Volunteer")
    return (
        user.role == Role.VOLUNTEER
        and volunteer.objects.filter(
            account_id=user.pk, community_id=community_id, is_active=True
        ).exists()
    )


def _claims_wish(user: User, wish: Any) -> bool:
    return _volunteer_here(user, wish.community_id)


def _is_claimer(user: User, wish: Any) -> bool:
    return wish.claimed_by_id is not None and wish.claimed_by.account_id == user.pk


def _is_provider(user: User, order: Any) -> bool:
    """The team's lead (a volunteer) or the partner unit's contact."""
    if order.team_id is not None:
        lead = order.team.lead
        return lead is not None and lead.account_id == user.pk
    if order.partner_id is not None:
        return order.partner.contact_account_id == user.pk
    return False


def _street_official(user: User, order: Any) -> bool:
    """验单: an official of the street above the work order's community."""
    return (
        user.role == Role.OFFICIAL
        and user.anchor_unit is not None
        and user.anchor_unit.kind == OrgUnit.Kind.STREET
        and order.community.parent_id == user.anchor_unit_id
    )


def _supervises_work(user: User, order: Any) -> bool:
    """督单: officials, and holders of a current ``supervisor`` post of the community (their
    volunteer account links them to their person)."""
    if user.role == Role.OFFICIAL:
        return True
    if user.role != Role.VOLUNTEER:
        return False
    return Post.objects.filter(
        unit_id=order.community_id,
        kind=Post.Kind.SUPERVISOR,
        ended_on__isnull=True,
        holder__volunteer__account_id=user.pk,
    ).exists()


def _signs_up(user: User, activity: Any) -> bool:
    return user.role == Role.VOLUNTEER


def _redeems(user: User, volunteer: Any) -> bool:
    return user.role == Role.VOLUNTEER and volunteer.account_id == user.pk


VISIBILITY_RULES.update(
    {
        "volunteers.PartnerUnit": _partner_unit_rule,
        "volunteers.Pairing": _pairing_rule,
        "volunteers.DualRegistration": _dual_registration_rule,
        "volunteers.Volunteer": _volunteer_rule,
        "volunteers.Team": _team_rule,
        "volunteers.Wish": _wish_rule,
        "volunteers.WorkOrder": _work_order_rule,
        "volunteers.Activity": _activity_rule,
        "volunteers.Signup": _signup_rule,
        "volunteers.PointEntry": _points_rule,
        "volunteers.Reward": _reward_rule,
        "volunteers.Redemption": _points_rule,
    }
)
ACTION_RULES.update(
    {
        "orgunit.manage_volunteers": _manages_volunteers,
        "orgunit.manage_activities": _manages_activities,
        "orgunit.post_wish": _posts_wishes,
        "orgunit.order_work": _posts_wishes,
        "partnerunit.view": lambda user, obj: True,
        "partnerunit.change": _keeps_unit_row,
        "pairing.change": _manages_volunteers,
        "volunteer.view": lambda user, obj: True,
        "volunteer.change": _manages_volunteers,
        "volunteer.redeem": _redeems,
        "team.view": lambda user, obj: True,
        "team.change": _keeps_unit_row,
        "wish.view": lambda user, obj: True,
        "wish.claim": _claims_wish,
        "wish.release": _is_claimer,
        "wish.fulfil": _is_claimer,
        "wish.confirm": _community_worker,
        "wish.withdraw": _community_worker,
        "workorder.view": lambda user, obj: True,
        "workorder.dispatch": _community_worker,
        "workorder.cancel": _community_worker,
        "workorder.accept": _is_provider,
        "workorder.complete": _is_provider,
        "workorder.verify": _street_official,
        "workorder.return": _street_official,
        "workorder.supervise": _supervises_work,
        "activity.view": lambda user, obj: True,
        "activity.sign_up": _signs_up,
        "activity.cancel": _organises,
        "signup.change": _manages_activities,
        "signup.check_in": _manages_activities,
        "reward.view": lambda user, obj: True,
        "reward.change": _keeps_unit_row,
        "redemption.hand_over": _manages_volunteers,
    }
)
