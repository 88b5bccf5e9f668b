"""Account pages: login (audited, with the lockout message), the admin's login through the same
view, the token login of the API, and the password change that a one-time password forces.

Lockout is django-axes (settings ``AXES_*``): its backend refuses a locked-out login and marks
the request; the login views here then answer 429 with the message on the form, and
``lockout_response`` (``AXES_LOCKOUT_CALLABLE``) covers any other login path.
"""

from __future__ import annotations

from typing import Any

from axes import utils as axes_utils
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import (
    REDIRECT_FIELD_NAME,
    logout,
    password_validation,
    update_session_auth_hash,
    user_logged_in,
)
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from governance.errors import TooManyRequests, ValidationFailed
from governance.ratelimit import client_address
from orgchart import services
from orgchart.forms import PasswordChangeForm, add_service_errors
from orgchart.lockout import (
    change_password_counted,
    current_lock,
    locked_out,
    lockout_message,
)
from orgchart.models import User

# --- Lockout (django-axes) -------------------------------------------------------------------


def lockout_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the username as counted, ignoring case and spaces."""
    if credentials:
        value = credentials.get("username")
    else:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username")
    value = str(value or "").strip().lower()
    return value or None


def forgive_failures(user: User) -> None:
    """After a successful login: that account's failed attempts no longer count (from any
    address). The address keeps its other failures (see ``AXES_RESET_ON_SUCCESS``)."""
    axes_utils.reset(username=lockout_username(None, {"username": user.get_username()}))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: what a locked-out login gets, HTTP 429, never a 500.

    The login views have already answered with the message on their form; other paths get
    JSON under ``/api/`` and the login page elsewhere.
    """
    if original_response is not None and original_response.status_code == 429:
        return original_response
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(current_lock(request))}, status=429)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    message = lockout_message(current_lock(request))
    context = {"form": form, "locked_out": True, "lockout_message": message}
    return render(request, "registration/login.html", context, status=429)


# --- Login -----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login view, plus an audit row per login and the lockout message (429)."""

    login_via = "page"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        forgive_failures(form.get_user())
        services.user_record_login(
            user=form.get_user(), address=client_address(self.request), via=self.login_via
        )
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if not locked_out(self.request):
            return super().form_invalid(form)
        # The lock is what the user needs to know (a locked login's password is not checked).
        form.errors.clear()
        message = lockout_message(current_lock(self.request))
        form.add_error(None, message)
        context = self.get_context_data(form=form, locked_out=True, lockout_message=message)
        return self.render_to_response(context, status=429)


@sensitive_post_parameters()
@never_cache
def admin_login(request: HttpRequest) -> HttpResponseBase:
    """The admin site's login page (its form and template) through the audited view."""
    if request.method == "GET" and admin.site.has_permission(request):
        return redirect("admin:index")
    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index")
    request.current_app = admin.site.name
    view = LoginView.as_view(
        login_via="admin",
        extra_context=context,
        authentication_form=AdminAuthenticationForm,
        template_name="admin/login.html",
    )
    return view(request)


class TokenLoginView(ObtainAuthToken):
    """``POST /api/auth/token/``: DRF's token login, audited, with the lockout as JSON 429.

    DRF hands the authentication backends its own request object, so django-axes marks that
    one (not the Django request its middleware sees): the lockout is answered here.
    """

    # DRF's token view names its own parsers; the API's strict ones read this body too.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # type: ignore[assignment]  # classes, imported
    # DRF's token view turns throttling off; the login counts per address like any request.
    throttle_classes = api_settings.DEFAULT_THROTTLE_CLASSES  # type: ignore[assignment]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if locked_out(request):
                return Response(
                    {"detail": lockout_message(current_lock(request))},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        # A token login is a login: last_login is updated as for the login page.
        user_logged_in.send(sender=type(user), request=request, user=user)
        forgive_failures(user)
        services.user_record_login(user=user, address=client_address(request), via="api")
        return Response({"token": token.key})


# --- Password change -------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if allowed and target != request.path:
        return target
    return ""


@sensitive_post_parameters()
@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Choose a new password: required after a one-time password, possible any time.

    The session stays logged in (its auth hash is updated); other sessions of the account end
    because their hash no longer matches.
    """
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required guarantees a real user
    next_url = _safe_next(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_password_counted(
                request,
                user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except TooManyRequests:
            # Locked: the session ends, and the login page says for how long.
            logout(request)
            return lockout_response(request)
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect(next_url or "home")
    context = {
        "form": form,
        "must_change": user.must_change_password,
        "next": next_url,
        "password_rules": password_validation.password_validators_help_texts(),
    }
    return render(request, "registration/password_change.html", context)
