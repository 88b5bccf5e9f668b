"""Home = my work (DESIGN §8): the counts of what waits for the user, each a link to the list
behind it. Which counts a user gets follows the policy's answers about their account (no
role comparison here): unit staff get their unit's cases (and a community its wishes, work
orders and households due a visit), grid workers their households due a visit and the cases
they reported, department handlers their whistles and the department's month, volunteers their
wishes, team orders and next activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.selectors import household_visit_counts
from orgchart.models import OrgUnit, User
from orgchart.policy import (
    AnyUser,
    is_grid_worker_account,
    is_volunteer_account,
    role_may,
)
from petitions.figures import DepartmentTally, department_figures
from petitions.models import Petition
from petitions.selectors import (
    dispatch_work_counts,
    petition_work_counts,
    petitions_logged_by,
)
from volunteers.models import Activity
from volunteers.selectors.work import community_volunteer_work, volunteer_work


@dataclass(frozen=True)
class WorkItem:
    """One count of what waits, linked to its list; ``urgent`` ones are red when not zero."""

    key: str
    label: str
    count: int
    href: str
    urgent: bool = False


@dataclass
class MyWork:
    items: list[WorkItem] = field(default_factory=list)
    # A grid worker's open reports, with where each stands.
    reports: list[Petition] = field(default_factory=list)
    # A handler's department this month.
    department: DepartmentTally | None = None
    next_activity: Activity | None = None

    @property
    def any(self) -> bool:
        return bool(self.items or self.reports or self.department or self.next_activity)


def _petitions_here(**query: str) -> str:
    return f"{reverse('petitions:list')}?here=on&" + "&".join(
        f"{key}={value}" for key, value in query.items()
    )


def _unit_work(user: AnyUser, unit: OrgUnit, now: dt.datetime) -> list[WorkItem]:
    counts = petition_work_counts(user=user, unit=unit, now=now)
    items = [
        WorkItem(
            "to_accept",
            str(_("To accept")),
            counts["to_accept"],
            _petitions_here(status="submitted"),
            urgent=True,
        ),
        WorkItem(
            "overdue", str(_("Overdue")), counts["overdue"], _petitions_here(overdue="yes"), True
        ),
        WorkItem(
            "to_reply",
            str(_("To reply")),
            counts["to_reply"],
            _petitions_here(status="in_progress"),
        ),
        WorkItem(
            "to_evaluate",
            str(_("To evaluate (回访)")),
            counts["to_evaluate"],
            _petitions_here(status="replied"),
        ),
        WorkItem(
            "awaiting_department",
            str(_("Awaiting a department")),
            counts["awaiting_department"],
            _petitions_here(status="dispatched"),
        ),
    ]
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        volunteer_counts = community_volunteer_work(user=user, unit=unit)
        visits = household_visit_counts(user=user, now=now)
        items += [
            WorkItem(
                "wishes_to_confirm",
                str(_("Wishes to confirm")),
                volunteer_counts["wishes_to_confirm"],
                f"{reverse('volunteers:wishes')}?status=fulfilled",
            ),
            WorkItem(
                "orders_to_dispatch",
                str(_("Work orders to dispatch")),
                volunteer_counts["orders_to_dispatch"],
                f"{reverse('volunteers:work_orders')}#stage-ordered",
            ),
            WorkItem(
                "unvisited_90",
                str(_("Households not visited in 90 days")),
                visits["unvisited_90"],
                f"{reverse('grids:households')}?unvisited=90",
            ),
        ]
    return items


def _grid_work(user: AnyUser, now: dt.datetime) -> list[WorkItem]:
    visits = household_visit_counts(user=user, now=now)
    households = reverse("grids:households")
    return [
        WorkItem(
            "care_due",
            str(_("Care households due a visit")),
            visits["care_due"],
            f"{households}?unvisited=30&care=on",
            urgent=True,
        ),
        WorkItem(
            "unvisited_30",
            str(_("Not visited in 30 days")),
            visits["unvisited_30"],
            f"{households}?unvisited=30",
        ),
        WorkItem(
            "unvisited_90",
            str(_("Not visited in 90 days")),
            visits["unvisited_90"],
            f"{households}?unvisited=90",
            urgent=True,
        ),
    ]


def _department_work(user: User, department_id: int, now: dt.datetime) -> list[WorkItem]:
    counts = dispatch_work_counts(user=user, department_id=department_id, now=now)
    inbox = reverse("petitions:inbox")
    return [
        WorkItem(
            "to_report",
            str(_("To report (报到)")),
            counts["to_report"],
            f"{inbox}?status=pending",
            urgent=True,
        ),
        WorkItem(
            "overdue", str(_("Overdue")), counts["overdue"], f"{inbox}?overdue=on", urgent=True
        ),
        WorkItem(
            "to_complete", str(_("To complete")), counts["to_complete"], f"{inbox}?status=reported"
        ),
        WorkItem("returned", str(_("Returned")), counts["returned"], f"{inbox}?status=returned"),
    ]


def my_work(*, user: AnyUser, now: dt.datetime | None = None) -> MyWork:
    """What waits for ``user`` now (a few grouped queries per role; none for a role without
    work lists)."""
    now = now or timezone.now()
    work = MyWork()
    if not isinstance(user, User) or not user.is_active:
        return work
    anchor = user.anchor_unit
    if anchor is not None and role_may(user, "page.dashboard", None):
        work.items = _unit_work(user, anchor, now)
    elif is_grid_worker_account(user):
        work.items = _grid_work(user, now)
        work.reports = petitions_logged_by(user=user)
    elif role_may(user, "page.petition_inbox", None) and user.anchor_department_id:
        work.items = _department_work(user, user.anchor_department_id, now)
        today = timezone.localtime(now).date()
        work.department = department_figures(
            user.anchor_department_id,
            date_from=today.replace(day=1),
            date_to=today + dt.timedelta(days=1),
        )
    elif is_volunteer_account(user):
        mine = volunteer_work(user=user, now=now)
        work.items = [
            WorkItem(
                "claimed_wishes",
                str(_("My claimed wishes")),
                mine.claimed_wishes,
                f"{reverse('volunteers:wishes')}?status=claimed",
            ),
            WorkItem(
                "team_orders",
                str(_("My team's work orders")),
                mine.team_orders_waiting,
                reverse("volunteers:work_orders"),
            ),
        ]
        work.next_activity = mine.next_activity
    return work
