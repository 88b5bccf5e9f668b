"""What the volunteer pages share: who uses which page, the sub-menu, names as the viewer may
see them, the export request of a list and a row's actions with the version the page showed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from governance.errors import ConcurrentUpdate, InvalidTransition, NotAllowed, ValidationFailed
from orgchart import policy
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Person
from orgchart.pages import export_asked
from orgchart.policy import AnyUser
from volunteers import exports
from volunteers.forms import VersionForm
from volunteers.models import (
    Volunteer,
)

Row = TypeVar("Row", bound=Model)


# --- Who uses which page -----------------------------------------------------------------------


def is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False)) and user.is_authenticated


def is_volunteer(user: AnyUser) -> bool:
    """A volunteer's account: its own points and sign-ups, not the staff pages."""
    return policy.is_volunteer_account(user) and user.is_active


def is_volunteer_staff(user: AnyUser) -> bool:
    """The area's staff, who keep the wish board and hand rewards over (the volunteer desk:
    registers and redemptions, a section whose URLs answer only them)."""
    return policy.uses_section(user, "volunteer_staff")


def sees_volunteer_pages(user: AnyUser) -> bool:
    """The volunteer section (wish board, work orders, activities, ranking)."""
    return policy.uses_section(user, "volunteers")


def manages_volunteers(user: AnyUser) -> bool:
    """Registers party members and pairs partner units (``orgunit.manage_volunteers``, asked
    again by the services on the community chosen)."""
    return policy.role_may(user, "page.manage_volunteers", None)


def wish_community(user: AnyUser) -> OrgUnit | None:
    """The community where the user posts wishes: community and grid workers at the community
    they are anchored at (``orgunit.post_wish``)."""
    return policy.anchor_for(user, "orgunit.post_wish")


def require_page(allowed: bool) -> None:
    if not allowed:
        raise Http404


@dataclass(frozen=True)
class VolunteerNav:
    """The volunteer pages a user gets links to."""

    wishes: bool
    work_orders: bool
    activities: bool
    points: bool
    ranking: bool
    redemptions: bool
    registrations: bool
    # Hands redemptions over (the home page's "redemptions to hand over"): those who manage
    # the volunteers, not every role that sees the redemptions.
    hands_over: bool

    @property
    def any(self) -> bool:
        return self.wishes


def nav_for(user: AnyUser) -> VolunteerNav:
    return VolunteerNav(
        wishes=sees_volunteer_pages(user),
        work_orders=sees_volunteer_pages(user),
        activities=sees_volunteer_pages(user),
        points=policy.uses_section(user, "points"),
        ranking=sees_volunteer_pages(user),
        redemptions=is_volunteer_staff(user),
        registrations=is_volunteer_staff(user),
        hands_over=manages_volunteers(user),
    )


def page_base(request: HttpRequest, section: str) -> dict[str, Any]:
    return {"volunteer_nav": nav_for(request.user), "volunteer_section": section}


def person_name(user: AnyUser, person: Person | None) -> str:
    if person is None:
        return ""
    return person.name if policy.sees_full_names(user) else person.masked_name


def volunteer_name(user: AnyUser, volunteer: Volunteer | None) -> str:
    if volunteer is None:
        return ""
    if volunteer.account_id is not None and volunteer.account_id == getattr(user, "pk", None):
        return volunteer.person.name
    return person_name(user, volunteer.person)


def export_request(request: HttpRequest, filters: dict[str, Any]) -> exports.ExportRequest | None:
    asked = export_asked(request)
    if asked is None:
        return None
    # No volunteers ledger holds ID numbers or phones: ``?reveal=1`` changes nothing.
    return exports.ExportRequest(user=request.user, file_format=asked.file_format, filters=filters)


@dataclass
class ActionItem:
    name: str
    label: str
    url: str
    form: VersionForm
    tone: str
    open: bool = False
    multipart: bool = False


def run_action(
    request: HttpRequest,
    row: Row,
    *,
    action: str,
    rule: str,
    form: Callable[[], VersionForm],
    run: Callable[[int, dict[str, Any]], object],
    page: Callable[..., HttpResponse],
    reload: Callable[..., Row],
    done: str,
) -> HttpResponseBase:
    """One action on a row (a wish, a work order) with the ``version`` the page showed.

    403 unless the policy allows ``rule`` on the row. ``form()`` is the action's form bound to
    the POST; ``run(version, data)`` calls the service with its cleaned data; success says
    "Done." and goes to ``done``. A form or service field error re-renders the page with the
    form open (``page(request, row, bound=(action, form), status=400)``); a conflict
    (InvalidTransition, ConcurrentUpdate) re-renders the row as it is now, read again through
    the scoped selector ``reload(user=, pk=)``, with the message (409)."""
    if not policy.can(request.user, rule, row):
        raise NotAllowed()
    bound = form()
    if not bound.is_valid():
        return page(request, row, bound=(action, bound), status=400)
    data = dict(bound.cleaned_data)
    version = data.pop("version")
    try:
        run(version, data)
    except ValidationFailed as error:
        add_service_errors(bound, error)
        return page(request, row, bound=(action, bound), status=400)
    except (InvalidTransition, ConcurrentUpdate) as error:
        messages.error(request, str(error.message))
        fresh = reload(user=request.user, pk=row.pk)
        return page(request, fresh, status=error.status_code)
    messages.success(request, _("Done."))
    return redirect(done)


def posted_id(value: Any) -> int | None:
    """A row id sent by a page (ASCII digits, at most 18 of them), else None: "²" or "１" pass
    ``str.isdigit`` but are no id."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text) or None
