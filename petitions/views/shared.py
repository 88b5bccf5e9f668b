"""What the petition pages share: who uses which page (no query: the role and the anchor that
comes with the user), the deadline lights of a row, the rows of the lists, the filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext, pgettext

from governance.errors import NotAllowed
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.models import OrgUnit, User
from orgchart.policy import AnyUser
from petitions.models import Dispatch, DispatchStatus, Petition
from petitions.selectors import (
    Light,
    dispatch_light,
    petition_clock_light,
    petition_overdue_since,
    petition_running_due,
)

PAGE_SIZE = 50
# Options of the unit filter (communities and compounds of a street: a few hundred at most).
FILTER_CHOICES_LIMIT = 300


# --- Who uses which page ---------------------------------------------------------------------


def sees_petition_list(user: AnyUser) -> bool:
    """Everyone the policy shows petitions to: the area's staff, grid workers (what they logged
    or what concerns their grids), handlers (what was whistled to them). Not volunteers. The
    petition section of the navbar, whose URLs answer only them."""
    return policy.uses_section(user, "petitions")


def intake_community(user: AnyUser) -> OrgUnit | None:
    """The community where the user logs petitions (登记): community and grid workers at the
    community they are anchored at. None for everyone else (superusers choose any place)."""
    return policy.intake_community(user)


def logs_petitions(user: AnyUser) -> bool:
    return policy.role_may(user, "page.petition_intake", None)


def uses_inbox(user: AnyUser) -> bool:
    """部门待办: department handlers (and superusers, who see every department)."""
    return policy.uses_section(user, "inbox")


def reads_notifications(user: AnyUser) -> bool:
    """通知: the roles messages are written to."""
    return policy.uses_section(user, "notifications")


def supervises(user: AnyUser) -> bool:
    """督办: officials (and admins) look after the cases below them."""
    return policy.role_may(user, "page.petition_supervision", None)


def reviews_complex_cases(user: AnyUser) -> bool:
    """疑难复杂: the monthly review of the area's staff."""
    return policy.role_may(user, "page.petition_complex_cases", None)


def require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed()


@dataclass(frozen=True)
class PetitionNav:
    """The petition pages a user gets links to (the navbar and the pages' own menu)."""

    petitions: bool
    intake: bool
    inbox: bool
    supervision: bool
    complex_cases: bool
    notifications: bool

    @property
    def any(self) -> bool:
        return self.petitions or self.inbox


def nav_for(user: AnyUser) -> PetitionNav:
    return PetitionNav(
        petitions=sees_petition_list(user),
        intake=logs_petitions(user),
        inbox=uses_inbox(user),
        supervision=supervises(user),
        complex_cases=reviews_complex_cases(user),
        notifications=reads_notifications(user),
    )


# --- Lights ----------------------------------------------------------------------------------


def light_label(light: str | None) -> str:
    return {
        Light.GREEN: pgettext("light", "green"),
        Light.YELLOW: pgettext("light", "yellow"),
        Light.RED: pgettext("light", "red"),
    }.get(light or "", "")


def overdue_label(late: dt.timedelta) -> str:
    """超期 N 天 (or N 小时 within the first day; at least one hour)."""
    days = late.days
    if days >= 1:
        return ngettext("Overdue %(count)d day", "Overdue %(count)d days", days) % {"count": days}
    hours = max(1, int(late.total_seconds() // 3600))
    return ngettext("Overdue %(count)d hour", "Overdue %(count)d hours", hours) % {"count": hours}


@dataclass(frozen=True)
class LightBadge:
    """A clock as a badge: its colour, its words (绿灯/黄灯/红灯) and its due time. An overdue
    case carries since when (its first missed due time) and, beside it, the running clock of
    the unit that holds it now (``clock_light`` with ``due_at``)."""

    light: str | None
    due_at: dt.datetime | None
    overdue_since: dt.datetime | None = None
    now: dt.datetime | None = None
    clock_light: str | None = None

    @property
    def label(self) -> str:
        if self.overdue_since is not None and self.now is not None:
            return overdue_label(self.now - self.overdue_since)
        return light_label(self.light)

    @property
    def clock_label(self) -> str:
        return light_label(self.clock_light)

    @property
    def shows_current_clock(self) -> bool:
        """After an escalation the new unit's own clock is shown beside the overdue badge."""
        return (
            self.overdue_since is not None
            and self.clock_light is not None
            and self.due_at is not None
            and self.due_at != self.overdue_since
        )


def petition_badge(petition: Petition, *, now: dt.datetime) -> LightBadge:
    due = getattr(petition, "running_due_at", None) or petition_running_due(petition)
    overdue_since = petition_overdue_since(petition, now=now)
    return LightBadge(
        Light.RED if overdue_since is not None else petition_clock_light(petition, now=now),
        due,
        overdue_since=overdue_since,
        now=now,
        clock_light=petition_clock_light(petition, now=now),
    )


@dataclass(frozen=True)
class PetitionRow:
    petition: Petition
    badge: LightBadge


def petition_rows(petitions: Any, *, now: dt.datetime) -> list[PetitionRow]:
    """Rows of ``selectors.petition_list_visible`` (with ``running_due_at``)."""
    return [PetitionRow(petition, petition_badge(petition, now=now)) for petition in petitions]


def dispatch_badge(dispatch: Dispatch, *, now: dt.datetime) -> LightBadge:
    due = (
        dispatch.report_due_at
        if dispatch.status == DispatchStatus.PENDING
        else dispatch.complete_due_at
    )
    light = dispatch_light(dispatch, now=now)
    return LightBadge(light, due if light is not None else None)


# --- Filters ---------------------------------------------------------------------------------


def within_filter(user: AnyUser, data: Any) -> OrgUnit | None:
    """``?unit=``: a unit of the user's area (404 otherwise, also for a malformed id)."""
    value = data.get("unit", "")
    return org_selectors.orgunit_get(user=user, pk=value) if value else None


def unit_choices(user: AnyUser) -> list[OrgUnit]:
    """Communities and compounds of the user's area for the unit filter (one query); none for
    a handler, whose area is the department's jurisdiction, not theirs to browse."""
    if not policy.browses_units(user):
        return []
    return list(
        org_selectors.orgunit_list_visible(user=user)
        .filter(kind__in=[OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.COMPOUND])
        .only("id", "name", "kind", "area_type", "level", "tree_id", "lft", "rght")[
            :FILTER_CHOICES_LIMIT
        ]
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after an action: ``next`` when it is a path of this site."""
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required lets only real accounts through
        raise NotAllowed()
    return user


def petitioner_name(user: AnyUser, petition: Petition, anonymous: str) -> str:
    """The petitioner as this user may see them: the name for the roles that keep the people
    ledger, ``张*`` for everyone else (handlers)."""
    if petition.is_anonymous:
        return anonymous
    person = petition.petitioner
    if person is None:
        return ""
    return person.name if policy.sees_full_names(user) else person.masked_name
