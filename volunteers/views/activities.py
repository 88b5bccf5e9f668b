"""Activities (志愿活动): the month calendar, announcing an activity, and an activity's page with
sign-up and cancel for volunteers and the participants with check-in for the organisers."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import InvalidTransition, NotAllowed, OutOfScope, ValidationFailed
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit
from volunteers import exports, selectors, services
from volunteers.forms import parse_month, shift_month
from volunteers.forms.activities import (
    ActivityFilterForm,
    ActivityForm,
    CallOffForm,
    CheckInForm,
    next_saturday,
    parse_day,
)
from volunteers.models import Activity, Signup
from volunteers.views.shared import (
    export_request,
    is_superuser,
    is_volunteer,
    is_volunteer_staff,
    page_base,
    volunteer_name,
)

# Units an activity is organised by, and the calendar's unit filter: a community, or a unit
# above it for all its communities. Staff anchored above a community choose among them.
ABOVE_COMMUNITY = (OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET)
ORGANISING_KINDS = (*ABOVE_COMMUNITY, OrgUnit.Kind.COMMUNITY)
# A month of a city's communities can hold thousands of activities: the calendar shows this
# many (the unit filter narrows it, the export holds them all).
CALENDAR_LIMIT = 400
CHECK_IN_OPENS = dt.timedelta(hours=1)  # before the start, as volunteers.services checks


# --- Shared ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityRow:
    """An activity as the calendar and its page show it (local times, places, my sign-up)."""

    activity: Activity
    starts: dt.datetime
    ends: dt.datetime
    mine: bool

    @property
    def taken(self) -> int:
        return int(getattr(self.activity, "taken", 0))

    @property
    def places_left(self) -> int:
        return max(self.activity.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        return self.places_left == 0

    @property
    def percent_taken(self) -> int:
        return min(100, round(100 * self.taken / self.activity.capacity))

    @property
    def hours(self) -> Decimal:
        """The activity's length in hours (the default service hours at check-in)."""
        length = (self.activity.ends_at - self.activity.starts_at).total_seconds() / 3600
        return min(Decimal(str(round(length, 1))), Decimal("24"))


def _row(activity: Activity) -> ActivityRow:
    return ActivityRow(
        activity,
        timezone.localtime(activity.starts_at),
        timezone.localtime(activity.ends_at),
        getattr(activity, "my_signup", None) is not None,
    )


def _anchor(user: Any) -> OrgUnit | None:
    return getattr(user, "anchor_unit", None)


def _may_organise(user: Any) -> bool:
    """Whether the user announces activities at their anchor (no query: role and scope)."""
    if is_superuser(user):
        return True
    anchor = _anchor(user)
    return anchor is not None and policy.can(user, "orgunit.manage_activities", anchor)


def _units_above_communities(user: Any) -> QuerySet[OrgUnit] | None:
    """The units of the user's area an activity may be organised by, when there is a choice
    (staff anchored above a community, superusers); None for everyone else."""
    anchor = _anchor(user)
    if not is_superuser(user) and (
        is_volunteer(user) or anchor is None or anchor.kind not in ABOVE_COMMUNITY
    ):
        return None
    return org_selectors.orgunit_list_visible(user=user).filter(kind__in=ORGANISING_KINDS)


# --- The calendar ------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    is_today: bool
    rows: list[ActivityRow]

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


def _month(request: HttpRequest, today: dt.date) -> dt.date:
    """The first day of ``?month=YYYY-MM``; the current month for anything else (as the
    other pages treat a bad filter)."""
    asked = parse_month(request.GET.get("month", ""))
    year, month = asked if asked is not None else (today.year, today.month)
    return dt.date(year, month, 1)


def _month_link(first: dt.date, unit: OrgUnit | None) -> str:
    params: dict[str, Any] = {"month": f"{first.year}-{first.month:02d}"}
    if unit is not None:
        params["unit"] = unit.pk
    return f"?{urlencode(params)}"


@login_required
def activity_calendar(request: HttpRequest) -> HttpResponseBase:
    """The month's activities the user sees (their area's and those of the units above it),
    Monday first; on a phone the days that have activities. ``?format=`` exports the month."""
    user = request.user
    today = timezone.localdate()
    first = _month(request, today)
    last = shift_month(first, 1) - dt.timedelta(days=1)
    units = _units_above_communities(user)
    anchor = _anchor(user)
    filters = ActivityFilterForm(
        request.GET if units is not None else None,
        units=units,
        top_level=anchor.level if anchor is not None else 0,
    )
    if units is not None and request.GET.get("unit") and "unit" in filters.errors:
        raise OutOfScope()  # a unit outside the user's area, as on the register pages
    unit: OrgUnit | None = (filters.value("unit") or None) if units is not None else None
    activities = selectors.activity_list_visible(
        user=user, within=unit, starts_from=first, starts_to=last
    ).order_by("starts_at", "id")
    month_value = f"{first.year}-{first.month:02d}"
    export = export_request(request, {"month": month_value, "unit": unit.pk if unit else None})
    if export is not None:
        return exports.activity_export(dataclasses.replace(export, within=unit), activities)
    fetched = list(activities[: CALENDAR_LIMIT + 1])
    by_day: dict[dt.date, list[ActivityRow]] = {}
    for activity in fetched[:CALENDAR_LIMIT]:
        row = _row(activity)
        by_day.setdefault(row.starts.date(), []).append(row)
    weeks = [
        [
            CalendarDay(day, day.month == first.month, day == today, by_day.get(day, []))
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    context = {
        **page_base(request, "activities"),
        "month_start": first,
        "month_value": month_value,
        "is_current_month": (first.year, first.month) == (today.year, today.month),
        "previous_link": _month_link(shift_month(first, -1), unit),
        "next_link": _month_link(shift_month(first, 1), unit),
        "current_link": _month_link(dt.date(today.year, today.month, 1), unit),
        "weekdays": [WEEKDAYS_ABBR[number] for number in range(7)],
        "weeks": weeks,
        # A phone's list: the days that have activities, and today to keep one's bearings.
        "days": [
            day for week in weeks for day in week if day.in_month and (day.rows or day.is_today)
        ],
        "total": min(len(fetched), CALENDAR_LIMIT),
        "truncated": len(fetched) > CALENDAR_LIMIT,
        "limit": CALENDAR_LIMIT,
        "filters_form": filters if units is not None else None,
        "unit": unit,
        "may_organise": _may_organise(user),
        "today": today,
    }
    return render(request, "volunteers/activity_calendar.html", context)


# --- Announcing an activity --------------------------------------------------------------------


def _organiser_units(user: Any) -> tuple[QuerySet[OrgUnit] | None, OrgUnit | None]:
    """(the units to choose among, or None; the fixed unit when there is no choice). 403 for a
    role that does not organise activities."""
    if not _may_organise(user):
        raise NotAllowed(_("Only community workers, officials and admins announce activities."))
    units = _units_above_communities(user)
    anchor = _anchor(user)
    if units is None:
        return None, anchor
    return units, None


@login_required
def activity_new(request: HttpRequest) -> HttpResponseBase:
    """Announce an activity of a unit the user organises for (their community; officials:
    their street or district, or one of its communities). ``?day=`` preselects the day."""
    user = request.user
    units, fixed = _organiser_units(user)
    today = timezone.localdate()
    asked = parse_day(request.GET.get("day", ""))
    day = asked if asked is not None and asked >= today else next_saturday(today)
    anchor = _anchor(user)
    initial = {"day": day, "starts_at": dt.time(9), "ends_at": dt.time(11), "unit": anchor}
    form = ActivityForm(
        request.POST or None,
        units=units,
        top_level=anchor.level if anchor is not None else 0,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = data.get("unit") or fixed
            if unit is None:
                raise NotAllowed()
            details = {
                "actor": user,
                "unit": unit,
                "title": data["title"],
                "kind": data["kind"],
                "theme": data["theme"],
                "place": data["place"],
                "starts_at": data["starts"],
                "ends_at": data["ends"],
                "capacity": data["capacity"],
            }
            try:
                series = services.activity_create_weekly(weeks=data["weeks"], **details)
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                if len(series) == 1:
                    messages.success(request, _("The activity is on the calendar."))
                    return redirect("volunteers:activity", pk=series[0].pk)
                messages.success(
                    request,
                    _("%(count)d weekly activities are on the calendar.") % {"count": len(series)},
                )
                first = timezone.localtime(series[0].starts_at).date().replace(day=1)
                return redirect(reverse("volunteers:activities") + _month_link(first, None))
        status = 400
    context = {**page_base(request, "activities"), "form": form, "fixed_unit": fixed}
    return render(request, "volunteers/activity_form.html", context, status=status)


# --- An activity's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    signup: Signup
    name: str
    form: CheckInForm


def _check_in_form(signup: Signup, default_hours: Decimal) -> CheckInForm:
    """The hours recorded, or the activity's length before the first check-in."""
    hours = signup.hours if signup.checked_in_at is not None else default_hours
    return CheckInForm(
        initial={"signup": signup.pk, "hours": hours},
        auto_id=f"checkin-{signup.pk}-%s",
    )


def _activity_page(
    request: HttpRequest,
    activity: Activity,
    *,
    bound: CheckInForm | None = None,
    call_off: CallOffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    row = _row(activity)
    signups = list(selectors.signup_list_visible(user=user, activity=activity, current=True))
    staff = is_volunteer_staff(user)
    bound_signup = str(bound.data.get("signup", "")) if bound is not None else ""
    participants = []
    if staff:
        for signup in signups:
            form = (
                bound
                if bound is not None and bound_signup == str(signup.pk)
                else _check_in_form(signup, row.hours)
            )
            participants.append(Participant(signup, volunteer_name(user, signup.volunteer), form))
    matched = any(participant.form is bound for participant in participants)
    mine = signups[0] if is_volunteer(user) and signups else None
    started = activity.starts_at <= now
    context = {
        **page_base(request, "activities"),
        "activity": activity,
        "row": row,
        "month_link": _month_link(row.starts.date().replace(day=1), None),
        "started": started,
        "ended": activity.ends_at <= now,
        "sign_up_open": not activity.is_cancelled and not started and not row.full,
        "is_volunteer": is_volunteer(user),
        "mine": mine,
        "staff": staff,
        "participants": participants,
        "watermark": bool(participants),  # the list names people (DESIGN §6)
        "others": max(row.taken - len(participants), 0) if staff else 0,
        "may_check_in": staff and bool(signups) and policy.can(user, "signup.check_in", signups[0]),
        "check_in_open": not activity.is_cancelled and now >= activity.starts_at - CHECK_IN_OPENS,
        "check_in_opens_at": timezone.localtime(activity.starts_at - CHECK_IN_OPENS),
        "unmatched_form": bound if bound is not None and not matched else None,
        "may_call_off": (
            not activity.is_cancelled
            and not started
            and is_volunteer_staff(user)
            # Visible: ``activity`` comes from the user's scoped list.
            and policy.role_may(user, "activity.cancel", activity)
        ),
        "call_off_form": call_off or CallOffForm(),
        "call_off_open": call_off is not None,
    }
    return render(request, "volunteers/activity_detail.html", context, status=status)


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The activity, its places and my sign-up; for the area's staff the participants with
    check-in. ``?format=`` exports the sign-ups the user sees (staff)."""
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    export = export_request(request, {"activity": activity.pk})
    if export is not None:
        if not is_volunteer_staff(user):
            raise NotAllowed(_("Only the organisers export the sign-ups."))
        within = activity.unit if policy.scope_of(user).contains(activity.unit) else None
        signups = selectors.signup_list_visible(user=user, activity=activity)
        return exports.signup_export(dataclasses.replace(export, within=within), signups)
    return _activity_page(request, activity)


def _back(activity: Activity, fragment: str = "") -> HttpResponseBase:
    url = reverse("volunteers:activity", args=[activity.pk])
    return redirect(f"{url}#{fragment}" if fragment else url)


def _conflict(request: HttpRequest, pk: int, error: InvalidTransition) -> HttpResponse:
    """The page as it is now, with the service's message (409)."""
    messages.error(request, str(error.message))
    fresh = selectors.activity_get(user=request.user, pk=pk)
    return _activity_page(request, fresh, status=error.status_code)


@login_required
@require_POST
def activity_sign_up(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The volunteer signs up (idempotent: signing up again keeps the one sign-up)."""
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    if not is_volunteer(user):
        raise NotAllowed(_("Only a registered volunteer can sign up."))
    already = getattr(activity, "my_signup", None) is not None
    try:
        services.activity_sign_up(actor=user, activity=activity)
    except InvalidTransition as error:
        return _conflict(request, pk, error)
    if already:
        messages.info(request, _("You were already signed up."))
    else:
        messages.success(request, _("You are signed up. See you there!"))
    return _back(activity)


@login_required
@require_POST
def activity_cancel_sign_up(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The volunteer withdraws before the start (idempotent)."""
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    if not is_volunteer(user):
        raise NotAllowed(_("Only the volunteer cancels their own sign-up here."))
    # Their current sign-up, else the last cancelled one (a retried request).
    signup = (
        selectors.signup_list_visible(user=user, activity=activity)
        .order_by("-signed_up_at", "-id")
        .first()
    )
    if signup is None:
        return _conflict(
            request, pk, InvalidTransition(_("You have not signed up for this activity."))
        )
    if signup.cancelled_at is not None:
        messages.info(request, _("Your sign-up was already cancelled."))
        return _back(activity)
    try:
        services.activity_cancel_sign_up(actor=user, signup=signup)
    except InvalidTransition as error:
        return _conflict(request, pk, error)
    messages.success(request, _("Your sign-up is cancelled; the place is free again."))
    return _back(activity)


@login_required
@require_POST
def activity_check_in(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The organiser checks one participant in with their service hours; points for the
    attendance and the hours are awarded once (a second check-in corrects the hours only)."""
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    if not is_volunteer_staff(user):
        raise NotAllowed(_("Only the organisers check volunteers in."))
    # Whose check-in first (404 outside the scope, 403 for a role that may not), then the
    # hours (400).
    signup = selectors.signup_get(user=user, pk=request.POST.get("signup", ""))
    if signup.activity_id != activity.pk:
        raise OutOfScope()
    if not policy.can(user, "signup.check_in", signup):
        raise NotAllowed(_("Only the organisers check volunteers in."))
    form = CheckInForm(request.POST, auto_id=f"checkin-{signup.pk}-%s")
    if not form.is_valid():
        return _activity_page(request, activity, bound=form, status=400)
    first_time = signup.checked_in_at is None
    try:
        signup = services.activity_check_in(
            actor=user, signup=signup, hours=form.cleaned_data["hours"]
        )
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _activity_page(request, activity, bound=form, status=400)
    except InvalidTransition as error:
        return _conflict(request, pk, error)
    values = {"name": volunteer_name(user, signup.volunteer), "hours": signup.hours}
    if first_time:
        messages.success(request, _("%(name)s checked in: %(hours)s h.") % values)
    else:
        messages.success(request, _("%(name)s: hours corrected to %(hours)s h.") % values)
    return _back(activity, "participants")


@login_required
@require_POST
def activity_call_off(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The organiser calls the activity off before it starts (idempotent), with a reason."""
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    if not is_volunteer_staff(user) or not policy.can(user, "activity.cancel", activity):
        raise NotAllowed(_("Only the organising unit's staff call an activity off."))
    form = CallOffForm(request.POST)
    if not form.is_valid():
        return _activity_page(request, activity, call_off=form, status=400)
    try:
        services.activity_cancel(actor=user, activity=activity, reason=form.cleaned_data["reason"])
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _activity_page(request, activity, call_off=form, status=400)
    except InvalidTransition as error:
        return _conflict(request, pk, error)
    messages.success(request, _("The activity is called off."))
    return _back(activity)


urlpatterns: list[URLPattern] = [
    path("activities/", activity_calendar, name="activities"),
    path("activities/new/", activity_new, name="activity_new"),
    path("activities/<int:pk>/", activity_detail, name="activity"),
    path("activities/<int:pk>/sign-up/", activity_sign_up, name="activity_sign_up"),
    path("activities/<int:pk>/cancel/", activity_cancel_sign_up, name="activity_cancel"),
    path("activities/<int:pk>/check-in/", activity_check_in, name="activity_check_in"),
    path("activities/<int:pk>/call-off/", activity_call_off, name="activity_call_off"),
]
