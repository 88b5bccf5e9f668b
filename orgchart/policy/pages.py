"""Rules of the pages: which pages and menu entries a role gets, where a role works from its
anchor, and the few other questions a page asks about the user's role (no query: the role and
the anchor that come with the user).

* The gates of pages and menu entries are ``ACTION_RULES`` named ``page.*``, asked with
  ``role_may(user, "page.…", None)`` (they are about no row): anonymous and inactive users get
  none, active superusers every one.
* The imports of a ledger are ``ledger.import_*`` rules of the same kind: the roles that may
  import it at all (each row is then checked by the services).
* ``petition.print_notice`` (obj: a petition the user sees) says who prints the acceptance
  notice (受理告知书).
* The sections of the app (``SECTIONS``: the org tree, people, grids, petitions…) are asked
  with ``uses_section(user, section)``: the navbar shows a section's entry, and the section's
  URLs answer, exactly when it says so (``nav_sections`` lists the navbar's entries; the URL
  gate is ``orgchart.sections``). A section a role never uses is a 403 by URL.
* The functions below answer by the account's role for superuser accounts too, as the pages
  always have: a superuser anchored as a community worker logs petitions at that community;
  one with the administrator role has no "my grids" and no points of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orgchart.models import OrgUnit, User
from orgchart.policy.accounts import (
    is_grid_worker_account,
    is_volunteer_account,
    role_uses_admin_site,
)
from orgchart.policy.consultations import CONSULTATION_ROLES
from orgchart.policy.core import ACTION_RULES, ActionRule, AnyUser, Role, role_may
from orgchart.policy.grids import GRID_ROLES
from orgchart.policy.people import PEOPLE_ROLES
from orgchart.policy.volunteers import VOLUNTEER_STAFF_ROLES, _manages_volunteers

# The roles the policy shows petitions to: the area's staff, grid workers (what they logged or
# what concerns their grids) and department handlers (what was whistled to them).
PETITION_PAGE_ROLES = frozenset(
    {Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.DEPARTMENT_HANDLER}
)
# The roles notifications are written to: unit staff (``notifications.recipients``: about
# petitions and work orders), department handlers (about petitions) and grid workers (about the
# cases they reported: ``petitions.notifications.tell_the_reporter``).
NOTIFIED_ROLES = frozenset(
    {Role.COMMUNITY_WORKER, Role.OFFICIAL, Role.DEPARTMENT_HANDLER, Role.GRID_WORKER}
)
# The roles that browse the org tree and open unit pages (a unit's children, party
# organisation, departments, party members and posts): those who keep or read the area's
# records. Not handlers, whose area is their department's jurisdiction, reached through the
# cases whistled to them; not volunteers, whose pages are their community's wish board,
# activities and their own points (DESIGN §6).
ORG_PAGE_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER})
# The roles whose home shows the dashboard of their scope (and who open any unit's in it).
DASHBOARD_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})
# The roles that import the households and residents ledgers, and the party members ledger:
# the community and the administrators (grid workers keep households one by one).
LEDGER_IMPORT_ROLES = frozenset({Role.ADMIN, Role.COMMUNITY_WORKER})


def _roles(*roles: str) -> ActionRule:
    allowed = frozenset(roles)

    def rule(user: User, obj: Any) -> bool:
        return user.role in allowed

    return rule


# --- Where a role works from its anchor ---------------------------------------------------------


def anchor_for(user: AnyUser, action: str) -> OrgUnit | None:
    """The unit where the user takes ``action`` from their anchor: the anchor, when the role's
    rule of ``action`` allows it there (community and grid workers log petitions and post
    wishes at their community: ``orgunit.log_petition``, ``orgunit.post_wish``). None for
    everyone else; superusers, who may act anywhere, choose the place unless their role and
    anchor give one. No query."""
    if not isinstance(user, User) or not user.is_active:
        return None
    anchor = user.anchor_unit
    if anchor is None or not ACTION_RULES[action](user, anchor):
        return None
    return anchor


def intake_community(user: AnyUser) -> OrgUnit | None:
    """The community where the user logs petitions (登记) by ``orgunit.log_petition``."""
    return anchor_for(user, "orgunit.log_petition")


def _has_intake_community(user: User, obj: Any) -> bool:
    """登记: those with a community to log petitions at (superusers log anywhere)."""
    return intake_community(user) is not None


# --- Questions a page asks about the user's role ------------------------------------------------


def works_with_people(user: AnyUser) -> bool:
    """The roles the policy shows people's records to (DESIGN §6): not handlers, volunteers."""
    return role_may(user, "page.people", None)


def sees_staffed_grids_only(user: AnyUser) -> bool:
    """A grid worker sees only the grids they staff (the visibility rule of grids), so their
    grid pages start from 我的网格. Not superusers, who see every grid."""
    return is_grid_worker_account(user) and not bool(getattr(user, "is_superuser", False))


def _works_from_department(user: AnyUser) -> bool:
    return isinstance(user, User) and user.role == Role.DEPARTMENT_HANDLER


def browses_units(user: AnyUser) -> bool:
    """Whether a list's unit filter offers the units of the user's area: not to department
    handlers, whose area is their department's jurisdiction, reached through the cases
    whistled to them and not theirs to browse."""
    return not _works_from_department(user)


def own_department_id(user: AnyUser) -> int | None:
    """The department whose whistles are the user's own work: a handler's department, whose
    clocks (报到, 办结) a petition's page shows them first. None for every other role."""
    if not _works_from_department(user) or not user.is_active:
        return None
    return getattr(user, "anchor_department_id", None)


def sees_source_visits(user: AnyUser) -> bool:
    """Whether a petition's page shows the grid visit it came from: not to department
    handlers, who see no grids."""
    return not _works_from_department(user)


def receives_petition_notifications(user: AnyUser) -> bool:
    """The roles notifications are written to (unit staff, department handlers, grid workers
    about their reports): the navbar shows them their inbox and its unread count."""
    return isinstance(user, User) and user.role in NOTIFIED_ROLES


def uses_admin_site(user: AnyUser) -> bool:
    """Who has the admin site: active staff accounts of superusers and administrators."""
    return bool(user.is_active and user.is_staff) and role_may(user, "page.admin_site", None)


def _prints_notices(user: User, petition: Any) -> bool:
    """The acceptance notice is handed to the petitioner by the unit that logged or handles
    the case; departments work on whistles and print none."""
    return user.role != Role.DEPARTMENT_HANDLER


ACTION_RULES.update(
    {
        # The org tree and the unit pages.
        "page.org": _roles(*ORG_PAGE_ROLES),
        # The people pages (人员): the roles that work with residents' records.
        "page.people": _roles(*PEOPLE_ROLES),
        # The grid pages: the roles that see grids (grid workers: the grids they staff).
        "page.grids": _roles(*GRID_ROLES, Role.GRID_WORKER),
        # The petition pages.
        "page.petitions": _roles(*PETITION_PAGE_ROLES),
        "page.petition_intake": _has_intake_community,
        "page.petition_inbox": _roles(Role.DEPARTMENT_HANDLER),  # 部门待办
        "page.petition_supervision": _roles(Role.OFFICIAL, Role.ADMIN),  # 督办
        "page.petition_complex_cases": _roles(Role.OFFICIAL, Role.ADMIN, Role.COMMUNITY_WORKER),
        # The dashboard of a unit (figures, child units, departments): officials and admins of
        # their area, a community worker of the community.
        "page.dashboard": _roles(*DASHBOARD_ROLES),
        # The volunteer pages: the area's staff and volunteers; the registers and redemptions
        # for the staff; the register forms (报到, pairing) for those who manage volunteers.
        "page.volunteers": _roles(*VOLUNTEER_STAFF_ROLES, Role.VOLUNTEER),
        "page.volunteer_staff": _roles(*VOLUNTEER_STAFF_ROLES),
        "page.manage_volunteers": _manages_volunteers,
        # The consultation pages (议事协商): the area's staff; the community's workers act.
        "page.consultations": _roles(*CONSULTATION_ROLES),
        # The admin site (with ``is_staff``: ``uses_admin_site``).
        "page.admin_site": lambda user, obj: role_uses_admin_site(user.role),
        # Ledger imports, by ledger.
        "ledger.import_org_tree": _roles(Role.ADMIN),
        "ledger.import_party_members": _roles(*LEDGER_IMPORT_ROLES),
        "ledger.import_households": _roles(*LEDGER_IMPORT_ROLES),
        "ledger.import_residents": _roles(*LEDGER_IMPORT_ROLES),
        # 受理告知书 (obj: the petition).
        "petition.print_notice": _prints_notices,
    }
)


# --- Sections: the parts of the app a role uses -------------------------------------------------


def _page_rule(action: str) -> Callable[[AnyUser], bool]:
    def gate(user: AnyUser) -> bool:
        return role_may(user, action, None)

    return gate


def _signed_in(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def has_own_points(user: AnyUser) -> bool:
    """我的积分 (points, rewards to redeem): a volunteer account's own, by its role (a superuser
    with the administrator role has no points of its own)."""
    return is_volunteer_account(user) and bool(user.is_active)


# Each section of the app and whether a user uses it. The navbar shows the entries of
# ``NAV_SECTIONS`` a user uses; every URL of a section answers only those who use it (403 for
# everyone else, whatever object the URL names: the answer says nothing about what exists).
SECTIONS: dict[str, Callable[[AnyUser], bool]] = {
    # 工作台: my work, and the dashboard of my area for the roles that have one.
    "home": _signed_in,
    # 组织架构: the tree browser, unit pages, a unit's party members and posts.
    "org": _page_rule("page.org"),
    # 人员: the people ledger.
    "people": _page_rule("page.people"),
    # 网格 (a grid worker: 我的网格): grids, households, residents, visits.
    "grids": _page_rule("page.grids"),
    # 诉求: the list, intake, a petition's page, 督办 and 疑难复杂 for the roles that have them.
    "petitions": _page_rule("page.petitions"),
    # 部门待办: the whistles sent to the department.
    "inbox": _page_rule("page.petition_inbox"),
    # 通知: the user's own messages (only the roles messages are written to).
    "notifications": receives_petition_notifications,
    # The dashboard of a unit of the area, its 每月通报排队 and 数据大屏.
    "dashboard": _page_rule("page.dashboard"),
    # 志愿服务 (a volunteer: 微心愿): wish board, work orders, activities, points ranking.
    "volunteers": _page_rule("page.volunteers"),
    # The staff's volunteer desk: the registers (双报到, partner units, volunteers, teams) and
    # the redemptions to hand over.
    "volunteer_staff": _page_rule("page.volunteer_staff"),
    # 议事协商: consultation topics (一征三议两公开).
    "consultations": _page_rule("page.consultations"),
    # 我的积分.
    "points": has_own_points,
    # 后台管理: the admin site.
    "admin": uses_admin_site,
}

# The navbar's entries, in its order (the notifications sit apart, by the user menu; the
# dashboards are reached from the home page, the volunteer desk from the volunteer pages).
NAV_SECTIONS = (
    "home",
    "org",
    "people",
    "grids",
    "petitions",
    "inbox",
    "volunteers",
    "consultations",
    "points",
    "admin",
)


def uses_section(user: AnyUser, section: str) -> bool:
    """Whether the user uses ``section`` (a key of ``SECTIONS``; ``KeyError`` otherwise): its
    navbar entry is shown and its URLs answer. No query."""
    return SECTIONS[section](user)


def nav_sections(user: AnyUser) -> tuple[str, ...]:
    """The navbar entries of the user, in order (``NAV_SECTIONS`` the user uses). No query."""
    return tuple(section for section in NAV_SECTIONS if uses_section(user, section))
