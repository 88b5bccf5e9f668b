"""Admin for grids and their staff (writes through ``grids.services``), and read-only,
masked views of households, residents and visits.

Like every admin page (``orgchart.admin.base``): non-superusers see only their subtree (a row
outside it is missing, 404), choices are limited to that subtree, no bulk delete. Personal data
stays masked: ID numbers and phones by their masks, restricted tags not at all (they are shown
only through the audited reveal on the resident page).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms, http
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from governance.admin_display import boolean_icon
from governance.errors import ApplicationError, ValidationFailed
from grids import selectors, services
from grids.models import (
    TARGET_PARTY_SHARE,
    Grid,
    GridStaff,
    Household,
    Resident,
    ResidentCareTag,
    Visit,
)
from orgchart import policy
from orgchart.admin.base import AdminBase, ScopedAdminMixin, ScopedRawIdWidget, scoped_choices
from orgchart.models import OrgUnit, PartyMember, Person, User
from orgchart.selectors import person_search_q

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

NAME_TAKEN = gettext_lazy("Another grid of this community has this name.")
CODE_TAKEN = gettext_lazy("Another grid of this community has this code.")


class ServiceErrorsMixin(AdminBase):
    """A service may still refuse what the form accepted (a concurrent change of the same
    rows): the transaction is rolled back and the page says why instead of failing."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationFailed as error:
            details = [str(m) for field in error.fields.values() for m in field]
            self.message_user(
                request, " ".join(details) or str(error.message), level=messages.ERROR
            )
            return http.HttpResponseRedirect(request.get_full_path())


def _without_related_buttons(formfield: Any) -> Any:
    """No add/change/delete buttons beside a choice of unit, grid, person or account: those
    rows are kept on their own pages, not from here."""
    widget = getattr(formfield, "widget", None)
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
    return formfield


# --- Grids -----------------------------------------------------------------------------------


class GridAdminForm(forms.ModelForm):
    """The boundary is GeoJSON text, checked by ``grid_clean_boundary``; urban or rural
    follows the community unless chosen."""

    boundary = forms.CharField(
        label=gettext_lazy("boundary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=gettext_lazy(
            'A GeoJSON Polygon or MultiPolygon (longitude, latitude), e.g. {"type": "Polygon", '
            '"coordinates": [[[118.15, 39.65], [118.154, 39.65], [118.154, 39.647], '
            "[118.15, 39.65]]]}. Leave empty for none."
        ),
    )
    area_type = forms.ChoiceField(
        label=gettext_lazy("urban or rural"),
        required=False,
        choices=[("", gettext_lazy("as the community")), *OrgUnit.AreaType.choices],
    )

    class Meta:
        model = Grid
        fields = [
            "community",
            "compound",
            "name",
            "code",
            "kind",
            "site",
            "topic",
            "area_type",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("boundary", "area_type"):  # declared here: labelled like the model's
            if name in self.fields:
                model_field = Grid._meta.get_field(name)
                self.fields[name].label = capfirst(getattr(model_field, "verbose_name", name))
        if self.instance.boundary:
            self.initial["boundary"] = json.dumps(self.instance.boundary, ensure_ascii=False)

    def clean_boundary(self) -> dict[str, Any] | None:
        try:
            return services.grid_clean_boundary(self.cleaned_data.get("boundary"))
        except ValidationFailed as error:
            raise ValidationError(error.fields.get("boundary") or [error.message]) from error

    def clean(self) -> dict[str, Any]:
        # The service checks the same in its transaction; here the messages land on the fields.
        cleaned = super().clean() or {}
        instance = self.instance
        community = cleaned.get("community") if instance.pk is None else instance.community
        if community is None:
            return cleaned
        others = Grid.objects.filter(community=community).exclude(pk=instance.pk)
        name = (cleaned.get("name") or "").strip()
        if name and others.filter(name=name).exists():
            self.add_error("name", str(NAME_TAKEN))
        code = (cleaned.get("code") or "").strip()
        if code and others.filter(code=code).exists():
            self.add_error("code", str(CODE_TAKEN))
        compound = cleaned.get("compound")
        if compound is not None and not (
            compound.tree_id == community.tree_id and community.lft < compound.lft < community.rght
        ):
            self.add_error("compound", _("Choose a compound of the grid's community."))
        kind = cleaned.get("kind") or instance.kind
        if cleaned.get("site") and kind != Grid.Kind.DEDICATED:
            self.add_error("site", _("Only a dedicated grid covers a site."))
        if (
            instance.pk is not None
            and "is_active" in self.changed_data
            and not cleaned.get("is_active")
            and instance.households.exists()
        ):
            self.add_error("is_active", _("Move this grid's households to another grid first."))
        return cleaned


@admin.register(Grid)
class GridAdmin(ServiceErrorsMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Grids of the admin's area with their size and party share. Created and changed through
    ``grid_create`` / ``grid_update``; deleted only while nothing refers to them."""

    policy_resource = Grid
    change_action = "grid.change"
    delete_action = "grid.change"
    form = GridAdminForm
    list_display = [
        "name",
        "code",
        "community",
        "kind",
        "household_total",
        "staff_total",
        "party_share",
        "size_warning",
        "is_active",
    ]
    list_filter = ["kind", "area_type", "is_active"]
    search_fields = ["name", "code"]
    # The code follows the grids' numbering (第二网格 before 第十网格, unlike their names).
    ordering = ["community__tree_id", "community__lft", "kind", "code", "name", "id"]
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[Grid]:
        grids = selectors.grid_list_visible(user=request.user, active=None)
        return grids.order_by(*self.get_ordering(request))

    def get_fields(self, request: HttpRequest, obj: Grid | None = None) -> Any:
        if obj is None:
            fields = ["community", "compound", "name", "code", "kind", "site", "topic"]
            return [*fields, "area_type", "boundary"]
        return [
            ("community", "kind"),
            "compound",
            "name",
            "code",
            "site",
            "topic",
            "area_type",
            "boundary",
            "is_active",
            ("household_total", "staff_total", "party_share", "size_warning"),
            "current_staff",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Grid | None = None) -> Any:
        if obj is None:
            return ()
        return (
            "community",
            "kind",
            "household_total",
            "staff_total",
            "party_share",
            "size_warning",
            "current_staff",
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped_choices(db_field, request, kwargs)
        if db_field.name == "community":
            kwargs["queryset"] = kwargs["queryset"].filter(kind=OrgUnit.Kind.COMMUNITY)
        elif db_field.name == "compound":
            kwargs["queryset"] = kwargs["queryset"].filter(kind=OrgUnit.Kind.COMPOUND)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return _without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))

    @admin.display(description=gettext_lazy("households"), ordering="household_count")
    def household_total(self, grid: WithAnnotations[Grid, selectors.GridFigures]) -> int:
        return grid.household_count

    @admin.display(description=gettext_lazy("staff"), ordering="staff_count")
    def staff_total(self, grid: WithAnnotations[Grid, selectors.GridFigures]) -> int:
        return grid.staff_count

    @admin.display(description=gettext_lazy("party members among staff"))
    def party_share(self, grid: WithAnnotations[Grid, selectors.GridFigures]) -> str:
        staff, party = grid.staff_count, grid.party_staff_count
        if not staff:
            return "—"
        text = f"{party}/{staff} ({party / staff:.0%})"
        if party / staff < TARGET_PARTY_SHARE:
            return _("%(share)s, below %(target)s") % {
                "share": text,
                "target": f"{TARGET_PARTY_SHARE:.0%}",
            }
        return text

    @admin.display(description=gettext_lazy("size"))
    def size_warning(self, grid: WithAnnotations[Grid, selectors.GridFigures]) -> str:
        count = grid.household_count
        if not grid.size_warning(count):
            return ""
        return _("⚠ %(count)d households, target %(target)d") % {
            "count": count,
            "target": grid.target_households,
        }

    @admin.display(description=gettext_lazy("current staff"))
    def current_staff(self, grid: Grid) -> str:
        """Who works the grid now; terms start and end on the grid staff pages."""
        staff = (
            GridStaff.objects.filter(grid=grid, ended_on__isnull=True)
            .select_related("person")
            .order_by("role", "started_on", "id")
        )
        if not staff:
            return "—"
        return format_html_join(
            "",
            '<div><a href="{}">{}</a> ({}, {})</div>',
            (
                (
                    reverse("admin:grids_gridstaff_change", args=[member.pk]),
                    member.person.name,
                    member.get_role_display(),
                    member.get_employment_display(),
                )
                for member in staff
            ),
        )

    def save_model(self, request: HttpRequest, obj: Grid, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {
                field: data[field]
                for field in form.changed_data
                if field in services.GRID_CHANGEABLE and field in data
            }
            saved = services.grid_update(actor=request.user, grid=obj, **changed)
        else:
            saved = services.grid_create(
                actor=request.user,
                community=data["community"],
                name=data["name"],
                kind=data["kind"],
                compound=data.get("compound"),
                code=data.get("code") or "",
                site=data.get("site") or "",
                topic=data.get("topic") or "",
                area_type=data.get("area_type") or "",
                boundary=data.get("boundary"),
            )
        # The admin goes on with ``obj`` (log entry, redirect): give it the saved row's state.
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Staff, households and visits keep a grid (PROTECT): say so, rather than that the
        # admin lacks the right to delete them (nobody deletes those here).
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return to_delete, model_count, set() if protected else perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Grid) -> None:
        services.grid_delete(actor=request.user, grid=obj)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
            return http.HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")


# --- Grid staff ------------------------------------------------------------------------------


class GridStaffAdminForm(forms.ModelForm):
    class Meta:
        model = GridStaff
        fields = [
            "grid",
            "person",
            "role",
            "employment",
            "background",
            "account",
            "started_on",
            "ended_on",
        ]

    def clean(self) -> dict[str, Any]:
        # The service checks the same in its transaction; here the messages land on the fields.
        cleaned = super().clean() or {}
        if self.instance.pk:
            ended = cleaned.get("ended_on")
            if ended is not None and ended < self.instance.started_on:
                self.add_error("ended_on", _("A term cannot end before it starts."))
            return cleaned
        grid, person = cleaned.get("grid"), cleaned.get("person")
        account = cleaned.get("account")
        if grid is None:
            return cleaned
        current = GridStaff.objects.filter(grid=grid, ended_on__isnull=True)
        if cleaned.get("role") == GridStaff.Role.HEAD and current.filter(role="head").exists():
            self.add_error("role", _("This grid already has a grid head. End that term first."))
        if person is not None and current.filter(person=person).exists():
            self.add_error("person", _("This person already works this grid."))
        if account is not None and account.anchor_unit_id != grid.community_id:
            self.add_error("account", _("Choose an active grid worker account of this community."))
        return cleaned


def _is_party_member() -> Exists:
    return Exists(PartyMember.objects.filter(person=OuterRef("person")))


@admin.register(GridStaff)
class GridStaffAdmin(ServiceErrorsMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Grid staff (网格员) of the admin's area. A term is started with ``grid_staff_appoint``
    and ended with ``grid_staff_end`` (the end date on the page, or the action for several);
    ended terms are history and read-only. The person is picked by id among the people of
    the admin's area; the picker shows their masked name."""

    policy_resource = GridStaff
    change_action = "grid.manage_staff"
    form = GridStaffAdminForm
    actions = ["end_terms"]
    list_display = [
        "grid",
        "person_name",
        "role",
        "employment",
        "background",
        "party_member",
        "account",
        "started_on",
        "ended_on",
    ]
    list_filter = [
        "role",
        "employment",
        "background",
        ("ended_on", admin.EmptyFieldListFilter),
    ]
    search_fields = ["grid__name"]
    ordering = [
        "grid__community__tree_id",
        "grid__community__lft",
        "grid__code",
        "grid__name",
        "role",
        "id",
    ]
    raw_id_fields = ["person"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GridStaff]:
        return (
            policy.policy(request.user, GridStaff)
            .select_related("grid", "person", "account")
            .annotate(is_party_member=_is_party_member())
            .order_by(*self.get_ordering(request))
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[GridStaff], search_term: str
    ) -> tuple[QuerySet[GridStaff], bool]:
        """A grid's name, or the person like the people search (name, pinyin initials, the
        visible digits of an ID)."""
        if not search_term.strip():
            return queryset, False
        people = Person.objects.filter(person_search_q(search_term))
        return queryset.filter(
            Q(grid__name__contains=search_term.strip()) | Q(person__in=people)
        ), False

    @admin.display(description=pgettext_lazy("person", "name"), ordering="person__name_pinyin")
    def person_name(self, staff: GridStaff) -> str:
        return staff.person.name

    @admin.display(description=gettext_lazy("party member"))
    def party_member(self, staff: WithAnnotations[GridStaff, selectors.StaffFigures]) -> str:
        return boolean_icon(bool(staff.is_party_member))

    def get_fields(self, request: HttpRequest, obj: GridStaff | None = None) -> Any:
        if obj is None:
            return ["grid", "person", "role", "employment", "background", "account", "started_on"]
        return [
            "grid",
            "person_name",
            "role",
            "employment",
            "background",
            "account",
            "started_on",
            "ended_on",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: GridStaff | None = None) -> Any:
        if obj is None:
            return ()
        return ("grid", "person_name", "role", "employment", "background", "account", "started_on")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped_choices(db_field, request, kwargs)
        if db_field.name == "grid":
            kwargs["queryset"] = (
                policy.policy(request.user, Grid)
                .filter(is_active=True)
                .select_related("community")
                .order_by("community__tree_id", "community__lft", "name")
            )
        elif db_field.name == "person":
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, queryset=kwargs["queryset"]
            )
        elif db_field.name == "account":
            kwargs["queryset"] = kwargs["queryset"].filter(
                role=User.Role.GRID_WORKER, is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return _without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))

    def has_change_permission(self, request: HttpRequest, obj: GridStaff | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None
            or (obj.ended_on is None and policy.can(request.user, "grid.manage_staff", obj.grid))
        )

    def save_model(self, request: HttpRequest, obj: GridStaff, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            if data.get("ended_on") is None:
                return
            saved = services.grid_staff_end(
                actor=request.user, staff=obj, ended_on=data["ended_on"]
            )
        else:
            saved = services.grid_staff_appoint(
                actor=request.user,
                grid=data["grid"],
                person=data["person"],
                role=data["role"],
                employment=data["employment"],
                background=data["background"],
                account=data.get("account"),
                started_on=data["started_on"],
            )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    @admin.action(description=gettext_lazy("End the selected terms today"), permissions=["change"])
    def end_terms(self, request: HttpRequest, queryset: QuerySet[GridStaff]) -> None:
        ended = 0
        for staff in queryset.filter(ended_on__isnull=True).select_related("grid"):
            if not policy.can(request.user, "grid.manage_staff", staff.grid):
                continue
            try:
                services.grid_staff_end(actor=request.user, staff=staff)
            except ApplicationError as error:
                self.message_user(request, f"{staff}: {error.message}", level=messages.ERROR)
                continue
            self.log_change(request, staff, _("Term ended."))
            ended += 1
        self.message_user(request, _("%(count)d terms ended.") % {"count": ended})


# --- Households, residents, visits: read-only ------------------------------------------------


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Viewing only: these rows change through the pages and the API, where the services
    check who may do what (and audit reveals of personal data)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyScopedAdmin):
    policy_resource = Household
    change_action = "household.change"
    list_display = ["address", "grid", "community", "tenure", "residents", "last_visit_at"]
    list_filter = ["tenure"]
    search_fields = ["address"]
    ordering = ["community__tree_id", "community__lft", "grid__code", "address", "id"]
    fields = (
        "grid",
        "community",
        "building",
        "building_label",
        "entrance",
        "room",
        "address",
        "floor_area",
        "tenure",
        "notes",
        "residents",
        "last_visit_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Household]:
        households = selectors.household_list_visible(user=request.user)
        return households.order_by(*self.get_ordering(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Household], search_term: str
    ) -> tuple[QuerySet[Household], bool]:
        """Address or room, or a resident (name, pinyin initials, visible ID digits)."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(selectors.household_search_q(search_term, user=request.user)), False

    @admin.display(description=pgettext_lazy("grids", "residents"), ordering="resident_count")
    def residents(self, household: WithAnnotations[Household, selectors.HouseholdFigures]) -> int:
        return household.resident_count

    @admin.display(description=gettext_lazy("last visit"), ordering="last_visit_at")
    def last_visit_at(
        self, household: WithAnnotations[Household, selectors.HouseholdFigures]
    ) -> Any:
        return household.last_visit_at or "—"


class CareTagFilter(admin.SimpleListFilter):
    title = gettext_lazy("care tag")
    parameter_name = "care_tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return ResidentCareTag.Tag.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Resident]) -> QuerySet[Resident]:
        if self.value() in ResidentCareTag.Tag.values:
            return queryset.filter(
                Exists(ResidentCareTag.objects.filter(resident=OuterRef("pk"), tag=self.value()))
            )
        return queryset


@admin.register(Resident)
class ResidentAdmin(ReadOnlyScopedAdmin):
    """Residents with masked ID numbers; restricted tags are not shown here at all."""

    policy_resource = Resident
    change_action = "resident.change"
    list_display = [
        "person_name",
        "masked_document",
        "household",
        "grid",
        "relation",
        "separation_label",
        "care_tag_labels",
        "moved_out_on",
    ]
    list_filter = ["relation", "registered_here", "lives_here", CareTagFilter]
    search_fields = ["person__name"]
    ordering = ["person__name_pinyin", "id"]
    fields = (
        "person_name",
        "masked_document",
        "household",
        "relation",
        "registered_here",
        "lives_here",
        "care_tag_labels",
        "moved_in_on",
        "moved_out_on",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Resident]:
        residents = selectors.resident_list_visible(user=request.user, current=None)
        return residents.order_by(*self.get_ordering(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Resident], search_term: str
    ) -> tuple[QuerySet[Resident], bool]:
        if not search_term.strip():
            return queryset, False
        return queryset.filter(
            person__in=Person.objects.filter(person_search_q(search_term))
        ), False

    @admin.display(description=pgettext_lazy("person", "name"), ordering="person__name_pinyin")
    def person_name(self, resident: Resident) -> str:
        return resident.person.name

    @admin.display(description=gettext_lazy("document number"))
    def masked_document(self, resident: Resident) -> str:
        return resident.person.masked_document_number or "—"

    @admin.display(description=gettext_lazy("grid"))
    def grid(self, resident: Resident) -> Grid:
        return resident.household.grid

    @admin.display(description=gettext_lazy("registration and residence"))
    def separation_label(self, resident: Resident) -> str:
        return resident.separation

    @admin.display(description=gettext_lazy("care tags"))
    def care_tag_labels(self, resident: Resident) -> str:
        return ", ".join(str(tag.get_tag_display()) for tag in resident.care_tags.all())


@admin.register(Visit)
class VisitAdmin(ReadOnlyScopedAdmin):
    policy_resource = Visit
    change_action = "visit.view"
    list_display = ["visited_at", "grid", "household", "visitor", "purpose", "hazard_found"]
    list_filter = ["purpose", "hazard_found"]
    search_fields = ["grid__name", "household__address"]
    ordering = ["-visited_at", "-id"]
    fields = (
        "grid",
        "household",
        "visitor",
        "visited_at",
        "purpose",
        "notes",
        "hazard_found",
        "created_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Visit]:
        visits = selectors.visit_list_visible(user=request.user)
        return visits.order_by(*self.get_ordering(request))
