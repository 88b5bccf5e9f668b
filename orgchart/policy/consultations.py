"""Rules for the consultation topics of community self-governance (一征三议两公开; the
consultations app, by label).

A topic belongs to a community (or one of its compounds). The area's staff see the topics of
their subtree: the community's workers act on them (solicit, propose, deliberate, record the
votes, decide, publish), its grid workers read them and solicit topics from the residents they
visit, officials and administrators above read them. Handlers and volunteers see none."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from orgchart.models import OrgUnit, User
from orgchart.policy.core import (
    ACTION_RULES,
    VISIBILITY_RULES,
    AnyUser,
    Role,
    Scope,
    scope_of,
)

# The roles that see the topics of their area.
CONSULTATION_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER})


def _topic_rule(user: AnyUser, scope: Scope) -> Q:
    if scope.everything:
        return Q()
    if isinstance(user, User) and user.role in CONSULTATION_ROLES:
        return scope.units_q("community")
    return Q(pk__in=[])


def _five_haves_rule(user: AnyUser, scope: Scope) -> Q:
    if scope.everything:
        return Q()
    if isinstance(user, User) and user.role in CONSULTATION_ROLES:
        return scope.units_q("compound")
    return Q(pk__in=[])


def _keeps_compound(user: User, unit: Any) -> bool:
    """Runs the compound's projects and keeps its 五有 status: the community's workers."""
    return (
        user.role == Role.COMMUNITY_WORKER
        and isinstance(unit, OrgUnit)
        and unit.kind == OrgUnit.Kind.COMPOUND
    )


def _solicits(user: User, unit: Any) -> bool:
    """一征: community and grid workers post a topic at the community they work at."""
    return (
        user.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER)
        and isinstance(unit, OrgUnit)
        and unit.kind == OrgUnit.Kind.COMMUNITY
    )


def _community_worker(user: User, topic: Any) -> bool:
    """The stages after 一征 are the community's (its party organisation proposes, its council
    deliberates, its meeting decides; its workers record them)."""
    return user.role == Role.COMMUNITY_WORKER


VISIBILITY_RULES.update(
    {
        "consultations.Topic": _topic_rule,
        # Meetings are the community's, seen as its topics are.
        "consultations.Meeting": _topic_rule,
        # The staff's view of the notice boards (the public reads them by ``reads_notices``).
        "consultations.NoticeBoard": _topic_rule,
        # Micro-governance projects of the area's compounds.
        "consultations.Project": _topic_rule,
        "consultations.FiveHaves": _five_haves_rule,
    }
)
ACTION_RULES.update(
    {
        "orgunit.solicit_topic": _solicits,
        "topic.view": lambda user, obj: True,
        "topic.propose": _community_worker,
        "topic.deliberate": _community_worker,
        "topic.vote": _community_worker,
        "topic.decide": _community_worker,
        "topic.publish": _community_worker,
        "topic.publish_result": _community_worker,
        "topic.withdraw": _community_worker,
        # 五单法: a decision carried out as a work order of the community.
        "topic.order_work": _community_worker,
        "orgunit.schedule_meeting": lambda user, unit: (
            user.role == Role.COMMUNITY_WORKER
            and isinstance(unit, OrgUnit)
            and unit.kind == OrgUnit.Kind.COMMUNITY
        ),
        "meeting.view": lambda user, obj: True,
        "meeting.change": _community_worker,  # the agenda, invitees, sign-in
        "meeting.hold": _community_worker,
        "meeting.cancel": _community_worker,
        # Micro-governance (微治理): projects of a compound and its 五有 status.
        "orgunit.run_project": _keeps_compound,
        "orgunit.keep_five_haves": _keeps_compound,
        "project.view": lambda user, obj: True,
        "project.step": _community_worker,
        "project.fund": _community_worker,
        "project.complete": _community_worker,
        "project.cancel": _community_worker,
        # Publishing the community's notice board (公示栏) without login, or taking it down.
        "orgunit.publish_notices": lambda user, unit: (
            user.role == Role.COMMUNITY_WORKER
            and isinstance(unit, OrgUnit)
            and unit.kind == OrgUnit.Kind.COMMUNITY
        ),
    }
)


def reads_notices(user: AnyUser, community: OrgUnit, *, published: bool) -> bool:
    """Whether ``user`` may read the public notice board (公示) of ``community``: anyone, signed
    in or not, while the community publishes it; otherwise the staff who see its topics (to
    check the board before publishing it). No query beyond the user's scope."""
    if published:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if isinstance(user, User) and user.is_superuser:
        return True
    return (
        isinstance(user, User)
        and user.role in CONSULTATION_ROLES
        and scope_of(user).contains(community)
    )
