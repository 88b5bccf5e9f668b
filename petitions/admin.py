"""Django admin of petitions (DESIGN §6, STYLE 19).

* Deadline policies (admins): created and changed through ``deadline_policy_create`` /
  ``deadline_policy_update``, which keep the 信访工作条例 limits and one active policy per case;
  never deleted (switched off instead).
* The working-day calendar (admins): calendar years (added from the chinesecalendar package
  or, for a year it does not know yet, by hand after entering its days) and calendar days
  (holidays on weekdays, 调休 make-up working days on weekends). A year that is not filled in
  counts Monday to Friday only: the admin index and the calendar pages warn while this year or
  the next one is missing; a deadline is never an error.
* Petitions, dispatches, escalations and events, read-only: statuses change only through the
  workflow. Non-superusers see their subtree only (a row outside it is missing, 404);
  petitioners are masked. Every list is the policy's (``policy.overseen``). The notifications
  about petitions and their e-mails are in the notifications admin (``notifications.admin``).

Every write here leaves an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms, http
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from governance import pii
from governance.admin_display import BooleanColumnsMixin
from governance.errors import ApplicationError, ValidationFailed
from orgchart import policy
from orgchart.admin.base import (
    AdminBase,
    ReadOnlyScopedMixin,
    form_errors_from,
)
from petitions import selectors, services
from petitions.calendar import calendar_missing_years, calendar_seed_year
from petitions.models import (
    CalendarDay,
    CalendarYear,
    DeadlinePolicy,
    Dispatch,
    DispatchStatus,
    Escalation,
    Petition,
    PetitionEvent,
    Status,
    TimeUnit,
    holiday_label,
)
from petitions.services.calendar import (
    calendar_day_delete,
    calendar_day_save,
    calendar_year_add,
    calendar_year_fill,
)
from petitions.services.policies import POLICY_FIELDS


def is_admin(user: Any) -> bool:
    """Who has this admin: active staff that are superusers or have the admin role."""
    return policy.uses_admin_site(user)


class _DryRun(Exception):
    """Rolls back a service call made only to learn whether it would succeed."""


def _would_fail(call: Callable[[], object]) -> ValidationFailed | None:
    """Run ``call`` in a savepoint that is always rolled back: its ``ValidationFailed`` (the
    service's own rules, with field messages for the form), or None when it would succeed."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        return None
    except ValidationFailed as error:
        return error


class ServiceErrorsMixin(AdminBase):
    """A service may still refuse what the form accepted (a concurrent change): the page says
    why instead of failing."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            details = [str(m) for field in error.fields.values() for m in field]
            self.message_user(
                request, " ".join(details) or str(error.message), level=messages.ERROR
            )
            return http.HttpResponseRedirect(request.get_full_path())


class AdminsOnlyMixin(BooleanColumnsMixin):
    """Rows that belong to no unit (policies, the calendar): every admin sees them, other
    roles have no admin. No bulk delete."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


# --- The calendar warning ----------------------------------------------------------------------


def calendar_warning(request: HttpRequest, *, today: dt.date | None = None) -> list[int]:
    """Warn (a message on the page) while this year or the next is not filled in; returns the
    missing years."""
    year = (today or timezone.localdate()).year
    missing = calendar_missing_years([year, year + 1])
    if missing:
        messages.warning(
            request,
            ngettext(
                "The working-day calendar has no public holidays for %(years)s: its deadlines "
                "count Monday to Friday only. Fill the year in under “Calendar years”.",
                "The working-day calendar has no public holidays for %(years)s: their deadlines "
                "count Monday to Friday only. Fill the years in under “Calendar years”.",
                len(missing),
            )
            % {"years": "、".join(str(item) for item in missing)},
        )
    return missing


_site_index = admin.site.index


def _index_with_calendar_warning(
    request: HttpRequest, extra_context: dict[str, Any] | None = None
) -> HttpResponse:
    # AdminSite has no hook for notices on its index; the view is wrapped once, here.
    if is_admin(request.user):
        calendar_warning(request)
    return _site_index(request, extra_context)


admin.site.index = _index_with_calendar_warning  # type: ignore[method-assign,assignment]


# --- Deadline policies ---------------------------------------------------------------------------


class DeadlinePolicyForm(forms.ModelForm):
    """The service's rules (the 信访工作条例 limits, one active policy per case, a default per
    track) land on the fields: the form tries the service and rolls it back."""

    actor: Any = None  # the admin, set per request by ``DeadlinePolicyAdmin.get_form``

    class Meta:
        model = DeadlinePolicy
        fields = list(POLICY_FIELDS)

    def policy_values(self) -> dict[str, Any]:
        return {field: self.cleaned_data.get(field) for field in POLICY_FIELDS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        values = self.policy_values()
        if self.instance.pk:
            instance = self.instance
            error = _would_fail(
                lambda: services.deadline_policy_update(
                    actor=self.actor, deadline_policy=instance, **values
                )
            )
        else:
            error = _would_fail(lambda: services.deadline_policy_create(actor=self.actor, **values))
        if error is not None:
            form_errors_from(error, self)
        return cleaned

    def clean_yellow_at(self) -> int:
        value = self.cleaned_data["yellow_at"]
        if not 1 <= value <= 99:
            raise forms.ValidationError(_("Enter a share from 1 to 99 %."))
        return int(value)

    def _get_validation_exclusions(self) -> set[str]:
        # The service tried above says when another active policy covers the case, in words;
        # the model's constraint check would say it again, in a constraint's name.
        return {*super()._get_validation_exclusions(), "track"}  # type: ignore[misc]


def _clock(amount: int, unit: str) -> str:
    return f"{amount} {TimeUnit(unit).label}" if unit in TimeUnit.values else str(amount)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(ServiceErrorsMixin, AdminsOnlyMixin, admin.ModelAdmin):
    """How long each stage may take (DESIGN §5). Admins create and change policies through
    the services; a policy is switched off, never deleted (petitions refer to it)."""

    form = DeadlinePolicyForm
    list_display = [
        "name",
        "track",
        "category",
        "urgency",
        "accept_clock",
        "resolve_clock",
        "report_clock",
        "complete_clock",
        "extension_clock",
        "yellow_at",
        "is_active",
    ]
    list_filter = ["track", "is_active", "category", "urgency"]
    search_fields = ["name"]
    fieldsets = (
        (None, {"fields": ("name", "track", "category", "urgency", "is_active")}),
        (
            gettext_lazy("Clocks"),
            {
                "fields": (
                    ("accept_within", "accept_unit"),
                    ("resolve_within", "resolve_unit"),
                    ("report_within", "report_unit"),
                    ("complete_within", "complete_unit"),
                    ("max_extension", "extension_unit"),
                    "yellow_at",
                    "close_after_reply_days",
                )
            },
        ),
    )

    @admin.display(description=gettext_lazy("accept within"))
    def accept_clock(self, item: DeadlinePolicy) -> str:
        return _clock(item.accept_within, item.accept_unit)

    @admin.display(description=gettext_lazy("resolve within"))
    def resolve_clock(self, item: DeadlinePolicy) -> str:
        return _clock(item.resolve_within, item.resolve_unit)

    @admin.display(description=gettext_lazy("department reports within"))
    def report_clock(self, item: DeadlinePolicy) -> str:
        return _clock(item.report_within, item.report_unit)

    @admin.display(description=gettext_lazy("department completes within"))
    def complete_clock(self, item: DeadlinePolicy) -> str:
        return _clock(item.complete_within, item.complete_unit)

    @admin.display(description=gettext_lazy("longest extension"))
    def extension_clock(self, item: DeadlinePolicy) -> str:
        return _clock(item.max_extension, item.extension_unit)

    def get_form(
        self,
        request: HttpRequest,
        obj: DeadlinePolicy | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(
        self, request: HttpRequest, obj: DeadlinePolicy, form: Any, change: bool
    ) -> None:
        values = form.policy_values()
        if change:
            saved = services.deadline_policy_update(
                actor=request.user, deadline_policy=obj, **values
            )
        else:
            saved = services.deadline_policy_create(actor=request.user, **values)
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            calendar_warning(request)
        return super().changelist_view(request, extra_context)


# --- The working-day calendar --------------------------------------------------------------------


def _fill_years(request: HttpRequest, years: list[int]) -> None:
    """Fill ``years`` in from the chinesecalendar package (days already recorded, also those
    edited here, stay as they are); one audit row per year."""
    for year in years:
        seeded = calendar_year_fill(actor=request.user, year=year)
        if not seeded.covered:
            messages.warning(
                request,
                _(
                    "The chinesecalendar package does not know %(year)d yet: enter its holidays "
                    "and make-up days as calendar days, then add the year by hand."
                )
                % {"year": year},
            )
            continue
        messages.success(
            request,
            _("%(year)d: %(holidays)d holidays and %(make_up)d make-up working days.")
            % {"year": year, "holidays": seeded.holidays, "make_up": seeded.make_up_days},
        )


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "source"]
        help_texts = {
            "source": gettext_lazy(
                "Leave empty to fill the year in from the chinesecalendar package. For a year "
                "it does not know yet, enter the holidays and make-up days as calendar days "
                "first, then add the year here naming where they come from (e.g. the State "
                "Council's notice)."
            ),
        }

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("Enter a year from 2000 to 2100."))
        return int(year)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, source = cleaned.get("year"), (cleaned.get("source") or "").strip()
        if year is None or source or self.errors:
            return cleaned
        # Does the package know the year? Try it, roll it back.
        known: list[bool] = []
        _would_fail(lambda: known.append(calendar_seed_year(year).covered))
        if not known or not known[0]:
            self.add_error(
                "source",
                _(
                    "The chinesecalendar package does not know %(year)d yet: enter its holidays "
                    "and make-up days as calendar days, then add the year naming their source."
                )
                % {"year": year},
            )
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(AdminsOnlyMixin, admin.ModelAdmin):
    """Years whose holidays are recorded. Added (from the package or by hand) and filled in
    again from the package; never changed or deleted here."""

    form = CalendarYearForm
    list_display = ["year", "source", "holiday_count", "make_up_count", "created_at"]
    ordering = ["-year"]
    actions = ["fill_from_chinesecalendar"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        def days(working: bool) -> Coalesce:
            counted = (
                CalendarDay.objects.filter(date__year=OuterRef("year"), is_working_day=working)
                .order_by()
                .values("is_working_day")
                .annotate(count=Count("pk"))
                .values("count")
            )
            return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

        return super().get_queryset(request).annotate(holidays=days(False), make_up_days=days(True))

    @admin.display(description=gettext_lazy("holidays on weekdays"), ordering="holidays")
    def holiday_count(self, item: Any) -> int:
        return int(item.holidays)

    @admin.display(description=gettext_lazy("make-up working days"), ordering="make_up_days")
    def make_up_count(self, item: Any) -> int:
        return int(item.make_up_days)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Fill in from chinesecalendar"))
    def fill_from_chinesecalendar(
        self, request: HttpRequest, queryset: QuerySet[CalendarYear]
    ) -> None:
        _fill_years(request, sorted(queryset.values_list("year", flat=True)))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The action adds days: it needs what adding needs (has_change_permission is False).
        actions = super().get_actions(request)
        if not self.has_add_permission(request):
            actions.pop("fill_from_chinesecalendar", None)
        return actions

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = calendar_year_add(
            actor=request.user,
            year=obj.year,
            source=form.cleaned_data.get("source") or "",
        )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            calendar_warning(request)
        return super().changelist_view(request, extra_context)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_working_day", "name"]
        help_texts = {
            "is_working_day": gettext_lazy(
                "Off: a public holiday (on a weekday). On: a make-up working day (调休, on a "
                "weekend)."
            ),
        }


@admin.register(CalendarDay)
class CalendarDayAdmin(AdminsOnlyMixin, admin.ModelAdmin):
    """The days that differ from Monday–Friday. Deadlines already set keep their due times;
    new clocks count with the change. A wrongly entered day is deleted, one at a time."""

    form = CalendarDayForm
    list_display = ["date", "weekday", "kind", "is_working_day", "holiday_name"]
    list_filter = ["is_working_day"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]
    actions = ["fill_from_chinesecalendar"]

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, day: CalendarDay) -> str:
        return str(
            (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))[
                day.date.weekday()
            ]
        )

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def holiday_name(self, day: CalendarDay) -> str:
        return holiday_label(day.name)

    @admin.display(description=gettext_lazy("kind"))
    def kind(self, day: CalendarDay) -> str:
        weekend = day.date.weekday() >= 5
        if day.is_working_day:
            return _("make-up working day") if weekend else _("working day")
        return _("day off") if weekend else _("holiday")

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> Any:
        return ("date",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    @admin.action(description=gettext_lazy("Fill in the years of these days from chinesecalendar"))
    def fill_from_chinesecalendar(
        self, request: HttpRequest, queryset: QuerySet[CalendarDay]
    ) -> None:
        _fill_years(request, sorted({day.year for day in queryset.dates("date", "year")}))

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = calendar_day_save(
            actor=request.user,
            day=CalendarDay.objects.get(pk=obj.pk) if change else None,
            date=obj.date,
            is_working_day=obj.is_working_day,
            name=obj.name,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_day_delete(actor=request.user, day=obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            calendar_warning(request)
        return super().changelist_view(request, extra_context)


# --- Petitions and what hangs on them (read-only) -------------------------------------------------


class ReadOnlyScopedAdmin(ReadOnlyScopedMixin, admin.ModelAdmin):
    """Petitions and what hangs on them: statuses change only through the workflow's services
    (STYLE 19)."""

    change_action = "petition.view"  # never asked: nothing changes here


class OverdueFilter(admin.SimpleListFilter):
    """Overdue as everywhere else (``selectors.overdue_q``): open, and a deadline of this round
    was missed or the running clock ran out."""

    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = selectors.overdue_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


def _masked_petitioner(petition: Petition) -> str:
    if petition.is_anonymous or petition.petitioner is None:
        return _("anonymous")
    return pii.mask_name(petition.petitioner.name)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)


DISPATCH_FIELDS = (
    "department",
    "role",
    "status",
    "dispatched_at",
    "report_due_at",
    "reported_at",
    "complete_due_at",
    "completed_at",
    "return_reason",
    "rating",
)
EVENT_FIELDS = ("at", "action", "from_status", "to_status", "actor", "unit", "note")


class DispatchInline(ReadOnlyInline):
    model = Dispatch
    fields = DISPATCH_FIELDS
    readonly_fields = DISPATCH_FIELDS
    ordering = ["pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("department")


class EventInline(ReadOnlyInline):
    model = PetitionEvent
    verbose_name_plural = gettext_lazy("timeline")
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    ordering = ["at", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("actor", "unit")


@admin.register(Petition)
class PetitionAdmin(ReadOnlyScopedAdmin):
    policy_resource = Petition
    list_display = [
        "number",
        "title",
        "community",
        "handling_unit",
        "status",
        "escalation_level",
        "light",
        "petitioner_masked",
        "created_at",
    ]
    list_filter = [
        "status",
        "category",
        "channel",
        "escalation_level",
        OverdueFilter,
        "track",
        "urgency",
        "is_supervised",
        "is_repeat",
    ]
    list_select_related = ["community", "handling_unit", "petitioner", "policy"]
    search_fields = ["=number", "title"]
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    inlines = [DispatchInline, EventInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "title",
                    "description",
                    ("status", "escalation_level", "light"),
                    ("track", "channel", "category", "urgency"),
                    ("community", "location", "grid", "address"),
                    "source_visit",
                    ("petitioner_masked", "contact_phone_masked"),
                    ("created_by", "created_at"),
                )
            },
        ),
        (
            gettext_lazy("Handling"),
            {
                "fields": (
                    ("handling_unit", "policy"),
                    ("accept_due_at", "resolve_due_at", "close_due_at"),
                    ("accepted_at", "replied_at", "closed_at"),
                    "reply",
                    "reject_reason",
                    ("satisfaction", "unsatisfied_count", "reopen_count"),
                    ("is_supervised", "is_repeat", "repeat_of"),
                    "complexity",
                    ("extension_state", "extension_amount"),
                    "extension_reason",
                )
            },
        ),
    )

    @admin.display(description=gettext_lazy("petitioner"))
    def petitioner_masked(self, petition: Petition) -> str:
        return _masked_petitioner(petition)

    @admin.display(description=gettext_lazy("contact phone"))
    def contact_phone_masked(self, petition: Petition) -> str:
        return petition.masked_contact_phone or "—"

    @admin.display(description=gettext_lazy("deadline light"))
    def light(self, petition: Petition) -> str:
        light = selectors.petition_light(petition)
        labels = {
            selectors.Light.GREEN: _("green"),
            selectors.Light.YELLOW: _("yellow"),
            selectors.Light.RED: _("red (overdue)"),
        }
        return labels.get(light, "—") if light else "—"


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyScopedAdmin):
    policy_resource = Dispatch
    list_display = [
        "petition_number",
        "department",
        "role",
        "status",
        "dispatched_at",
        "report_due_at",
        "reported_at",
        "completed_at",
        "rating",
    ]
    list_filter = ["status", "role", ("department", admin.RelatedOnlyFieldListFilter), "rating"]
    list_select_related = ["petition", "department"]
    search_fields = ["=petition__number"]
    ordering = ["-dispatched_at", "-id"]
    list_per_page = 50

    @admin.display(description=gettext_lazy("petition"), ordering="petition__number")
    def petition_number(self, dispatch: Dispatch) -> str:
        return dispatch.petition.number


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyScopedAdmin):
    policy_resource = Escalation  # seen with their petitions
    list_display = ["petition_number", "deadline", "level", "from_unit", "to_unit", "due_at", "at"]
    list_filter = ["deadline", "level"]
    list_select_related = ["petition", "from_unit", "to_unit"]
    search_fields = ["=petition__number"]
    ordering = ["-at", "-id"]
    list_per_page = 50

    @admin.display(description=gettext_lazy("petition"), ordering="petition__number")
    def petition_number(self, escalation: Escalation) -> str:
        return escalation.petition.number


def _status_label(event: PetitionEvent, status: str) -> str:
    """A status of an event as users call it: the dispatch's for a step of a dispatch."""
    labels = dict(DispatchStatus.choices if event.dispatch_id else Status.choices)
    return str(labels.get(status, status))


@admin.register(PetitionEvent)
class PetitionEventAdmin(ReadOnlyScopedAdmin):
    policy_resource = PetitionEvent
    list_display = [
        "petition_number",
        "at",
        "action",
        "status_before",
        "status_after",
        "actor",
        "unit",
    ]
    list_filter = ["action"]
    list_select_related = ["petition", "actor", "unit"]
    search_fields = ["=petition__number"]
    ordering = ["-at", "-id"]
    list_per_page = 100

    @admin.display(description=gettext_lazy("petition"), ordering="petition__number")
    def petition_number(self, event: PetitionEvent) -> str:
        return event.petition.number

    @admin.display(
        description=PetitionEvent._meta.get_field("from_status").verbose_name,
        ordering="from_status",
    )
    def status_before(self, event: PetitionEvent) -> str:
        return _status_label(event, event.from_status)

    @admin.display(
        description=PetitionEvent._meta.get_field("to_status").verbose_name,
        ordering="to_status",
    )
    def status_after(self, event: PetitionEvent) -> str:
        return _status_label(event, event.to_status)
