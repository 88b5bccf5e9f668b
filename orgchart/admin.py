"""Django admin for the org tree, departments and accounts.

Every admin page goes through the access policy: non-superusers see and edit only their
subtree, a row outside it is missing (404), and every write calls a service. The tree's drag
and drop (django-mptt's ``DraggableMPTTAdmin._move_node``, a private hook: django-mptt is
pinned) hands the ids to ``orgunit_move``; ``parent`` is read-only on the change form.
"""

from __future__ import annotations

from typing import Any

from django import forms, http
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mptt.admin import DraggableMPTTAdmin

from governance.errors import ApplicationError, ValidationFailed
from orgchart import policy, services
from orgchart.models import Department, OrgUnit, User


class ScopedAdminMixin:
    """Rows outside the user's scope are missing: the queryset is the policy's, and a change,
    delete or history URL of such a row answers 404 instead of redirecting with a hint."""

    policy_resource: type

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = policy.policy(request.user, self.policy_resource)
        ordering = self.get_ordering(request)  # type: ignore[attr-defined]
        return queryset.order_by(*ordering) if ordering else queryset

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise http.Http404(_("Not found."))
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and (user.is_superuser or getattr(user, "role", None) == User.Role.ADMIN)
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # No bulk delete: every deletion goes through a service, one row at a time.
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        actions.pop("delete_selected_tree", None)
        return actions


def _form_errors_from(error: ValidationFailed, form: forms.BaseForm) -> None:
    for field, field_messages in error.fields.items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)
    if not error.fields:
        form.add_error(None, str(error.message))


class OrgUnitAdminForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = [
            "name",
            "kind",
            "parent",
            "area_type",
            "division_code",
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
            _form_errors_from(error, self)
        return cleaned


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdminMixin, DraggableMPTTAdmin):
    policy_resource = OrgUnit
    form = OrgUnitAdminForm
    list_display = [
        "tree_actions",
        "indented_title",
        "kind_label",
        "division_code",
        "party_org_name",
        "rating",
        "is_weak",
    ]
    list_display_links = ["indented_title"]
    list_filter = ["kind", "area_type", "rating", "is_weak"]
    search_fields = ["name", "division_code", "party_org_name"]
    mptt_level_indent = 18
    # Drag and drop needs whole subtrees on one page; an admin's area (a street, a district)
    # fits. Filters narrow it for superusers of a large city.
    list_per_page = 2000

    @admin.display(description=gettext_lazy("name"))
    def indented_title(self, item: OrgUnit) -> str:
        return super().indented_title(item)

    @admin.display(description=gettext_lazy("kind"))
    def kind_label(self, unit: OrgUnit) -> str:
        return unit.kind_label

    def get_readonly_fields(self, request: HttpRequest, obj: OrgUnit | None = None) -> list[str]:
        # Structure changes only by drag and drop (orgunit_move), never by editing a field.
        return ["kind", "parent"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = policy.policy(request.user, OrgUnit).order_by("tree_id", "lft")
            kwargs["required"] = not request.user.is_superuser
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: OrgUnit | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or policy.can(request.user, "orgunit.view", obj)
        )

    def has_change_permission(self, request: HttpRequest, obj: OrgUnit | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or policy.can(request.user, "orgunit.change", obj)
        )

    def has_delete_permission(self, request: HttpRequest, obj: OrgUnit | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or policy.can(request.user, "orgunit.delete", obj)
        )

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
            _form_errors_from(error, self)
        return cleaned


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    policy_resource = Department
    form = DepartmentAdminForm
    list_display = ["name", "jurisdiction", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    list_select_related = ["jurisdiction"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = policy.policy(request.user, OrgUnit).order_by("tree_id", "lft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or policy.can(request.user, "department.change", obj)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return False  # deactivate instead: petitions keep referring to their departments

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


class AnchorFormMixin:
    """Role and anchor must fit together (DESIGN §6); checked on the form, with a message."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}  # type: ignore[misc]
        instance = self.instance  # type: ignore[attr-defined]
        for message in services.user_anchor_errors(
            role=cleaned.get("role", instance.role),
            anchor_unit=cleaned.get("anchor_unit", instance.anchor_unit),
            anchor_department=cleaned.get("anchor_department", instance.anchor_department),
            is_superuser=cleaned.get("is_superuser", instance.is_superuser),
        ):
            self.add_error(None, message)  # type: ignore[attr-defined]
        return cleaned


class UserChangeForm(AnchorFormMixin, DjangoUserChangeForm):
    pass


class UserCreationForm(AnchorFormMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    """Accounts in the admin's subtree. Role and anchor are set together (DESIGN §6)."""

    policy_resource = User
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = [
        "username",
        "get_full_name",
        "role",
        "anchor_unit",
        "anchor_department",
        "is_active",
    ]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["anchor_unit", "anchor_department"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (gettext_lazy("Role and area"), {"fields": ("role", "anchor_unit", "anchor_department")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (gettext_lazy("Role and area"), {"fields": ("role", "anchor_unit", "anchor_department")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        if request.user.is_superuser:
            return ()
        # Only superusers hand out superuser or staff rights and Django permissions.
        return (
            "is_superuser",
            "is_staff",
            "user_permissions",
            "groups",
            "last_login",
            "date_joined",
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "anchor_unit":
            kwargs["queryset"] = policy.policy(request.user, OrgUnit).order_by("tree_id", "lft")
        if db_field.name == "anchor_department":
            kwargs["queryset"] = policy.policy(request.user, Department)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or policy.can(request.user, "user.change", obj)
        )

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # deactivate instead: records keep referring to their authors
