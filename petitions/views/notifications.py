"""消息: the user's own notifications (about petitions, work orders…), newest first, each
linking to the page it stored; mark one or all read (POST)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.selectors import notification_list
from notifications.services import notification_mark_read
from orgchart.pages import paginate, query_string
from petitions.forms import MarkReadForm
from petitions.views.shared import actor, safe_next


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = request.user
    unread_only = request.GET.get("unread", "") in ("1", "yes", "on", "true")
    page = paginate(request, notification_list(user=user, unread_only=unread_only))
    context = {
        "page": page,
        "items": list(page.object_list),
        "unread_only": unread_only,
        "filters": query_string(request, "unread"),
        "nav_section": "notifications",
        "petition_section": "notifications",
    }
    return render(request, "petitions/notifications.html", context)


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponseBase:
    """Mark one (``id``) or all (``all``) of the user's notifications read. Idempotent; ids of
    other users' notifications change nothing."""
    user = actor(request)
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Mark one notification, or all of them."))
        return redirect("petitions:notifications")
    data = form.cleaned_data
    notification_mark_read(user=user, notification_ids=None if data["all"] else [data["id"]])
    if data["all"]:
        messages.success(request, _("All notifications are marked read."))
    return redirect(safe_next(request, reverse("petitions:notifications")))
