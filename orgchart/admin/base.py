"""What every admin page of orgchart shares: rows outside the user's area are missing, choices
are limited to that area, and service errors land on the form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms, http
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from governance.admin_display import BooleanColumnsMixin
from governance.errors import ValidationFailed
from orgchart import policy
from orgchart.models import (
    Department,
    OrgUnit,
    Person,
    User,
)

if TYPE_CHECKING:
    from django.contrib import admin

    # What the admin mixins are mixed into, for the type checker (at run time: object).
    AdminBase = admin.ModelAdmin[Any]
else:
    AdminBase = object


class ScopedAdminMixin(BooleanColumnsMixin):
    """Rows outside the user's scope are missing: the queryset is the policy's (``overseen``:
    the rows ``policy`` gives, or the resource's oversight rule where it has one), and a
    change, delete or history URL of such a row answers 404 instead of redirecting with a
    hint."""

    policy_resource: type
    # The policy action editing a row needs, and deleting one (None: never deleted here;
    # governance rows are deactivated or ended instead, and records refer to them).
    change_action: str
    delete_action: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = policy.overseen(request.user, self.policy_resource)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise http.Http404(_("Not found."))
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.uses_admin_site(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)  # the queryset is already the user's area

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or policy.can(request.user, self.change_action, obj)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.delete_action is None:
            return False
        return self.has_module_permission(request) and (
            obj is None or policy.can(request.user, self.delete_action, obj)
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # No bulk delete: every deletion goes through a service, one row at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        actions.pop("delete_selected_tree", None)
        return actions


def form_errors_from(error: ValidationFailed, form: forms.BaseForm) -> None:
    for field, field_messages in error.fields.items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)
    if not error.fields:
        form.add_error(None, str(error.message))


class ScopedRawIdWidget(admin_widgets.ForeignKeyRawIdWidget):
    """A raw-id field whose label is looked up in the user's scope only: a typed-in id of a row
    outside it shows nothing (Django's widget would show that row's name)."""

    def __init__(self, rel: Any, admin_site: Any, *, queryset: QuerySet[Any], **kwargs: Any):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        try:
            visible = self.queryset.filter(pk=value).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        return super().label_and_url_for_value(value) if visible else ("", "")


def scoped_choices(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """Limit a foreign key's choices to the rows the user may see (DESIGN §6)."""
    if db_field.related_model is OrgUnit:
        kwargs["queryset"] = policy.policy(request.user, OrgUnit).order_by("tree_id", "lft")
    elif db_field.related_model in (Person, Department, User):
        kwargs["queryset"] = policy.policy(request.user, db_field.related_model)


class ReadOnlyScopedMixin(ScopedAdminMixin):
    """Scoped (a row outside the user's scope is missing) and read-only: the rows are written
    by their app's services (statuses through the workflow core, messages by ``notify``)."""

    show_full_result_count = False  # these tables grow without bound: no COUNT(*) per page

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
