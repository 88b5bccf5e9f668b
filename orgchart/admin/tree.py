"""Admin for the org tree (drag and drop through ``orgunit_move``) and departments.

The tree's drag and drop (django-mptt's ``DraggableMPTTAdmin._move_node``, a private hook:
django-mptt is pinned) hands the ids to ``orgunit_move``; ``parent`` is read-only on the
change form; there is no bulk delete.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms, http
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mptt.admin import DraggableMPTTAdmin

from governance.errors import ApplicationError, ValidationFailed
from orgchart import policy, services
from orgchart.admin.base import ScopedAdminMixin, form_errors_from
from orgchart.models import (
    Department,
    OrgUnit,
)


class OrgUnitAdminForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = [
            "name",
            "kind",
            "parent",
            "area_type",
            "division_code",
            "phone",
            "party_org_name",
            "party_org_type",
            "branch_type",
            "rating",
            "is_weak",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        kind = cleaned.get("kind") or self.instance.kind
        parent = cleaned.get("parent", self.instance.parent)
        try:
            services.orgunit_validate(
                kind=kind,
                parent=parent,
                fields=cleaned,
                instance=self.instance if self.instance.pk else None,
            )
        except ValidationFailed as error:
            form_errors_from(error, self)
        return cleaned


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdminMixin, DraggableMPTTAdmin):
    policy_resource = OrgUnit
    change_action = "orgunit.change"
    delete_action = "orgunit.delete"
    form = OrgUnitAdminForm
    list_display = [
        "tree_actions",
        "indented_title",
        "kind_label",
        "division_code",
        "party_org_name",
        "rating",
        "weak_flag",
    ]
    list_display_links = ["indented_title"]
    list_filter = ["kind", "area_type", "rating", "is_weak"]
    search_fields = ["name", "division_code", "party_org_name"]
    mptt_level_indent = 18
    # Drag and drop needs whole subtrees on one page; an admin's area (a street, a district)
    # fits. Filters narrow it for superusers of a large city.
    list_per_page = 2000
    # The tree opens this many levels deep from the top of the admin's area (a city: its
    # districts and their streets); after that the browser remembers what the admin opened
    # and closed. django-mptt itself opens all of it or none.
    open_levels = 2

    @admin.display(description=gettext_lazy("name"))
    def indented_title(self, item: OrgUnit) -> str:
        return super().indented_title(item)

    @admin.display(description=gettext_lazy("kind"))
    def kind_label(self, unit: OrgUnit) -> str:
        return unit.kind_label

    @admin.display(description=gettext_lazy("weak and lax"), ordering="is_weak", empty_value="")
    def weak_flag(self, unit: OrgUnit) -> str:
        """软弱涣散 for a weak unit, nothing for the others (not a red ✖ on every normal unit)."""
        if not unit.is_weak:
            return ""  # blank (empty_value), not the changelist's "-"
        return format_html('<strong class="weak-flag">{}</strong>', _("Weak and lax"))

    def _storage_name(self, request: HttpRequest) -> str:
        # Per account: one browser may serve a city's admin and a street's.
        return f"orgchart_orgunit_closed_{request.user.pk}"

    def _tree_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super()._tree_context(request)
        context["storageName"] = self._storage_name(request)
        return context

    def _closed_at_first(self, request: HttpRequest) -> list[int]:
        """The units with children ``open_levels`` or more levels below the top of the
        admin's area: closed the first time the tree is shown (one query)."""
        anchor = getattr(request.user, "anchor_unit", None)
        scope = policy.scope_of(request.user)
        top = 0 if scope.everything or anchor is None else anchor.level
        units = self.get_queryset(request).order_by()
        return list(
            units.filter(level__gte=top + self.open_levels)
            .exclude(rght=F("lft") + 1)
            .values_list("pk", flat=True)
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context is not None and "media" in context:
            # Before django-mptt's script, which reads the remembered state on page load.
            opening = forms.Script(
                "js/admin-tree.js",
                **{
                    "data-storage": self._storage_name(request),
                    "data-closed": json.dumps(self._closed_at_first(request)),
                },
            )
            # Django's Script objects are media entries too (the stubs know only paths).
            context["media"] = forms.Media(js=[opening]) + context["media"]  # type: ignore[list-item]
        return response

    def get_readonly_fields(self, request: HttpRequest, obj: OrgUnit | None = None) -> list[str]:
        # Structure changes only by drag and drop (orgunit_move), never by editing a field.
        return ["kind", "parent"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = policy.policy(request.user, OrgUnit).order_by("tree_id", "lft")
            kwargs["required"] = not request.user.is_superuser
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        data = {field: form.cleaned_data.get(field) for field in services.EDITABLE_FIELDS}
        data["division_code"] = data.get("division_code") or None
        if change:
            changed = {field: data[field] for field in form.changed_data if field in data}
            saved = services.orgunit_update(actor=request.user, unit=obj, **changed)
        else:
            saved = services.orgunit_create(
                actor=request.user,
                parent=form.cleaned_data.get("parent"),
                kind=form.cleaned_data["kind"],
                **data,
            )
        # The admin goes on with ``obj`` (log entry, redirect): give it the saved row's state.
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: OrgUnit) -> None:
        services.orgunit_delete(actor=request.user, unit=obj)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
            return http.HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")

    def _move_node(self, request: HttpRequest) -> HttpResponse:
        """Drag and drop: resolve the ids in the user's scope and hand them to the service."""
        queryset = self.get_queryset(request)
        try:
            unit = queryset.get(pk=request.POST.get("cut_item"))
            target = queryset.get(pk=request.POST.get("pasted_on"))
        except (OrgUnit.DoesNotExist, TypeError, ValueError):
            self.message_user(
                request, _("Objects have disappeared, try again."), level=messages.ERROR
            )
            return http.HttpResponse("FAIL, invalid objects.")
        try:
            moved = services.orgunit_move(
                actor=request.user,
                unit=unit,
                target=target,
                position=request.POST.get("position", ""),
            )
        except ApplicationError as error:
            detail = "; ".join(str(m) for field in error.fields.values() for m in field)
            self.message_user(request, detail or str(error.message), level=messages.ERROR)
            return http.HttpResponse("FAIL, invalid move.")
        LogEntry.objects.log_actions(
            user_id=int(request.user.pk or 0),
            queryset=[moved],
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": ["parent"]}}],
            single_object=True,
        )
        self.message_user(request, _("%(unit)s has been moved.") % {"unit": moved})
        return http.HttpResponse("OK, moved.")


class DepartmentAdminForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "jurisdiction", "phone", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            services.department_validate(
                name=cleaned.get("name", ""),
                jurisdiction=cleaned["jurisdiction"],
                instance=self.instance if self.instance.pk else None,
            )
        except ValidationFailed as error:
            form_errors_from(error, self)
        return cleaned


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    policy_resource = Department
    change_action = "department.change"
    form = DepartmentAdminForm
    list_display = ["name", "jurisdiction", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    list_select_related = ["jurisdiction"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = policy.policy(request.user, OrgUnit).order_by("tree_id", "lft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        if change:
            changed = {field: form.cleaned_data[field] for field in form.changed_data}
            saved = services.department_update(actor=request.user, department=obj, **changed)
        else:
            saved = services.department_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                jurisdiction=form.cleaned_data["jurisdiction"],
                phone=form.cleaned_data.get("phone", ""),
            )
        obj.pk = saved.pk
        obj._state.adding = False
