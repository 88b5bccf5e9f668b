"""公示: a community's public notice board — the decisions on notice and the results of its
topics — readable without logging in while the community publishes it (else a 404 for the
public, while the staff who see the community read it to check it first). It names nobody:
titles, texts, vote counts and dates only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultations import selectors, services
from governance.errors import NotAllowed
from orgchart import policy
from orgchart.models import OrgUnit


def _community(pk: int) -> OrgUnit:
    community = OrgUnit.objects.filter(pk=pk, kind=OrgUnit.Kind.COMMUNITY).first()
    if community is None:
        raise Http404
    return community


def notice_board(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The community's 公示栏 (GET, no login when published)."""
    community = _community(pk)
    board = selectors.notice_board_of(community)
    published = board is not None and board.is_public
    if not policy.reads_notices(request.user, community, published=published):
        raise Http404
    now = timezone.now()
    decisions, results = selectors.notices(community=community, now=now)
    context = {
        "community": community,
        "published": published,
        "decisions": decisions,
        "results": results,
        "now": now,
        "publishes": request.user.is_authenticated
        and policy.can(request.user, "orgunit.publish_notices", community),
    }
    return render(request, "consultations/notice_board.html", context)


@require_POST
def notice_board_publish(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Publish the community's notice board (``is_public=1``) or take it down (``0``)."""
    user = request.user
    if not user.is_authenticated:
        return redirect(f"/accounts/login/?next=/notices/{pk}/")
    community = _community(pk)
    if not policy.is_visible(user, community):
        raise Http404
    if not policy.can(user, "orgunit.publish_notices", community):
        raise NotAllowed()
    is_public = request.POST.get("is_public") == "1"
    services.notice_board_set(actor=user, community=community, is_public=is_public)
    messages.success(
        request,
        _("The notice board is public.") if is_public else _("The notice board is taken down."),
    )
    return redirect("notices:board", pk=community.pk)
