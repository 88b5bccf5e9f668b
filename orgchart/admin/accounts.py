"""Admin for accounts: creation with a one-time password, changes, reset and deactivation with
hand-over, all through ``orgchart.services``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from governance.errors import ValidationFailed
from orgchart import policy, services
from orgchart.admin.base import ScopedAdminMixin, form_errors_from, scoped_choices
from orgchart.models import (
    User,
)
from orgchart.services.accounts import (
    USER_SUPERUSER_FIELDS,
    USER_UPDATABLE_FIELDS,
    user_update,
)

if TYPE_CHECKING:
    # What the form mixin is mixed into, for the type checker (at run time: object).
    AccountFormBase = forms.ModelForm[User]
else:
    AccountFormBase = object


class AnchorFormMixin(AccountFormBase):
    """Role and anchor must fit together (DESIGN §6); checked on the form, with a message."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        instance = self.instance
        for message in services.user_anchor_errors(
            role=cleaned.get("role", instance.role),
            anchor_unit=cleaned.get("anchor_unit", instance.anchor_unit),
            anchor_department=cleaned.get("anchor_department", instance.anchor_department),
            is_superuser=cleaned.get("is_superuser", instance.is_superuser),
        ):
            self.add_error(None, message)
        return cleaned


class AccountChangeForm(AnchorFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "email",
            "role",
            "anchor_unit",
            "anchor_department",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        ]


class AccountCreationForm(AnchorFormMixin, forms.ModelForm):
    """A new account: no password here. ``services.user_create`` gives it a one-time password,
    shown once to the admin after saving."""

    class Meta:
        model = User
        fields = ["username", "first_name", "email", "role", "anchor_unit", "anchor_department"]
        labels = {"first_name": gettext_lazy("full name")}

    def clean_username(self) -> str:
        username = (self.cleaned_data.get("username") or "").strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is taken."))
        return username


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return _account_label(obj)


def _account_label(user: User) -> str:
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


class DeactivateForm(forms.Form):
    successor = AccountChoiceField(
        label=gettext_lazy("Hand open items over to"),
        queryset=User.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "An active account with the same role. Without one, open items stay with the "
            "deactivated account."
        ),
    )

    def __init__(self, *args: Any, successors: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["successor"]
        assert isinstance(field, AccountChoiceField)  # noqa: S101 - declared above
        field.queryset = successors


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    """Accounts in the admin's subtree (DESIGN §6). Every write goes through a service:
    creation with a one-time password, changes, password reset and deactivation with hand-over
    (object buttons on the change page). Nobody sets a password here, and only superusers
    grant staff or superuser rights. No deletion: deactivate instead."""

    policy_resource = User
    change_action = "user.change"
    form = AccountChangeForm
    add_form = AccountCreationForm
    add_form_template = None  # Django's user add template asks for a password first
    change_form_template = "admin/orgchart/user/change_form.html"
    actions = ["reset_passwords", "unlock_logins"]
    list_display = [
        "username",
        "full_name",
        "role",
        "anchor_unit",
        "anchor_department",
        "is_active",
        "must_change_password",
    ]
    list_filter = ["role", "is_active", "must_change_password", "is_staff"]
    list_select_related = ["anchor_unit", "anchor_department"]
    fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        (gettext_lazy("Role and area"), {"fields": ("role", "anchor_unit", "anchor_department")}),
        (
            gettext_lazy("Status"),
            {"fields": ("is_active", "must_change_password", "last_login", "date_joined")},
        ),
        (
            gettext_lazy("Administrator rights"),
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "first_name", "email")}),
        (gettext_lazy("Role and area"), {"fields": ("role", "anchor_unit", "anchor_department")}),
    )

    @admin.display(description=gettext_lazy("full name"), ordering="first_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is None:
            return ()
        # Activity and passwords change only through their services (buttons above the form).
        fixed = ("username", "is_active", "must_change_password", "last_login", "date_joined")
        if request.user.is_superuser:
            return fixed
        # Only superusers hand out superuser or staff rights and Django permissions.
        return (*fixed, "is_superuser", "is_staff", "user_permissions", "groups")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped_choices(db_field, request, kwargs)
        if db_field.name == "anchor_department":
            # Only departments inside the admin's area: anchoring a handler at a department
            # that serves it from above would hand out a wider area than the admin's own.
            kwargs["queryset"] = kwargs["queryset"].filter(
                policy.scope_of(request.user).units_q("jurisdiction")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if not self.has_module_permission(request):
            return False
        if obj is None:
            return True
        if obj.is_superuser and not request.user.is_superuser:
            return False
        return policy.can(request.user, "user.change", obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {
                field: data[field]
                for field in form.changed_data
                if field in USER_UPDATABLE_FIELDS or field in USER_SUPERUSER_FIELDS
            }
            saved = user_update(actor=request.user, user=obj, **changed)
        else:
            saved, password = services.user_create(
                actor=request.user,
                username=data["username"],
                full_name=data.get("first_name", ""),
                role=data["role"],
                anchor_unit=data.get("anchor_unit"),
                anchor_department=data.get("anchor_department"),
                email=data.get("email", ""),
            )
            self._one_time_password_message(request, saved, password)
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def _one_time_password_message(self, request: HttpRequest, user: User, password: str) -> None:
        self.message_user(
            request,
            _(
                "One-time password of %(username)s: %(password)s. Give it to the user in "
                "person; it is shown only this once and must be changed at the first login."
            )
            % {"username": user.username, "password": password},
            level=messages.WARNING,
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: User | None = None,
    ) -> Any:
        context["can_manage"] = obj is not None and policy.can(request.user, "user.manage", obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/reset-password/",
                self.admin_site.admin_view(self.reset_password_view),
                name="{}_{}_reset_password".format(*info),
            ),
            path(
                "<path:object_id>/deactivate/",
                self.admin_site.admin_view(self.deactivate_view),
                name="{}_{}_deactivate".format(*info),
            ),
            *super().get_urls(),
        ]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's "set a password" page is replaced by the reset to a one-time password."""
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_reset_password", id)

    def _managed_user(self, request: HttpRequest, object_id: str) -> User:
        user = self.get_object(request, unquote(object_id))  # 404 outside the scope
        if not policy.can(request.user, "user.manage", user):
            raise PermissionDenied
        return user

    def _change_url(self, user: User) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[user.pk])

    def _page_context(self, request: HttpRequest, user: User, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": _account_label(user),
            "opts": self.opts,
            "original": user,
            "change_url": self._change_url(user),
        }

    def reset_password_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then give the account a new one-time password (shown once)."""
        user = self._managed_user(request, object_id)
        if request.method == "POST":
            password = services.user_reset_password(actor=request.user, user=user)
            self.log_change(request, user, _("Password reset to a one-time password."))
            self._one_time_password_message(request, user, password)
            return redirect(self._change_url(user))
        context = self._page_context(request, user, _("Reset password"))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orgchart/user/reset_password.html", context)

    def deactivate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Choose a successor, then deactivate the account and hand its open items over."""
        user = self._managed_user(request, object_id)
        if not user.is_active:
            self.message_user(request, _("This account is already inactive."), messages.INFO)
            return redirect(self._change_url(user))
        successors = (
            policy.policy(request.user, User)
            .filter(is_active=True, role=user.role)
            .exclude(pk=user.pk)
            .order_by("username")
        )
        form = DeactivateForm(request.POST or None, successors=successors)
        if request.method == "POST" and form.is_valid():
            successor = form.cleaned_data["successor"]
            try:
                handed_over = services.user_deactivate(
                    actor=request.user, user=user, successor=successor
                )
            except ValidationFailed as error:
                form_errors_from(error, form)
            else:
                self.log_change(request, user, _("Deactivated."))
                self.message_user(request, self._deactivated_message(user, successor, handed_over))
                return redirect(self._change_url(user))
        context = {
            **self._page_context(request, user, _("Deactivate and hand over")),
            "form": form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orgchart/user/deactivate.html", context)

    def _deactivated_message(
        self, user: User, successor: User | None, handed_over: dict[str, int]
    ) -> str:
        if successor is None:
            return _("%(user)s has been deactivated.") % {"user": user.username}
        items = "; ".join(f"{label}: {count}" for label, count in handed_over.items())
        return _(
            "%(user)s has been deactivated; open items handed over to %(successor)s: %(items)s"
        ) % {
            "user": user.username,
            "successor": successor.username,
            "items": items or _("none"),
        }

    @admin.action(
        description=gettext_lazy("Reset the password of the selected accounts"),
        permissions=["change"],
    )
    def reset_passwords(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            if not policy.can(request.user, "user.manage", user):
                self.message_user(
                    request,
                    _("You may not reset the password of %(username)s.")
                    % {"username": user.username},
                    level=messages.ERROR,
                )
                continue
            password = services.user_reset_password(actor=request.user, user=user)
            self.log_change(request, user, _("Password reset to a one-time password."))
            self._one_time_password_message(request, user, password)

    @admin.action(
        description=gettext_lazy("Unlock the login of the selected accounts"),
        permissions=["change"],
    )
    def unlock_logins(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            if not policy.can(request.user, "user.manage", user):
                self.message_user(
                    request,
                    _("You may not unlock %(username)s.") % {"username": user.username},
                    level=messages.ERROR,
                )
                continue
            cleared = services.user_unlock_login(actor=request.user, user=user)
            self.log_change(request, user, _("Login unlocked."))
            self.message_user(
                request,
                ngettext(
                    "%(username)s: %(count)d failed login cleared; the account can log in.",
                    "%(username)s: %(count)d failed logins cleared; the account can log in.",
                    cleared,
                )
                % {"username": user.username, "count": cleared},
            )
