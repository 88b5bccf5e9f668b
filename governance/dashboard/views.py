from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from governance.dashboard.selectors import dashboard_for
from volunteers.views.shared import is_volunteer, nav_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "dashboard": dashboard_for(user=user),
        # Ways into the volunteer pages for staff (no query: links by role); a volunteer
        # account gets its points card instead.
        "volunteer_links": None if is_volunteer(user) else nav_for(user),
    }
    return render(request, "dashboard/home.html", context)
