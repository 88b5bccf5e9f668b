"""The timeline names each actor's own unit or department at the time of the step."""

from __future__ import annotations

import re

from django.urls import reverse

from petitions import services
from petitions.models import Dispatch, PetitionEvent
from tests.conftest import client_for
from tests.petitions.conftest import NOW, log_petition


def test_each_step_names_where_its_actor_works(people, tree) -> None:
    petition = log_petition(people, tree)
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW)
    services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=petition), now=NOW
    )
    services.petition_supervise(actor=people.official, petition=petition, note="抓紧办理", now=NOW)
    places = dict(
        PetitionEvent.objects.filter(petition=petition).values_list("action", "actor_place")
    )
    assert places["accept"] == "光明社区"
    assert places["report"] == "城管局"  # the handler's department, not the case's unit
    assert places["supervise"] == "东城街道"
    # The place is kept as it was: renaming the unit later leaves the timeline alone.
    tree.guangming.name = "光明新社区"
    tree.guangming.save(update_fields=["name"])
    html = client_for(people.worker).get(reverse("petitions:detail", args=[petition.pk]))
    shown = re.findall(r'data-testid="event-place">([^<]*)<', html.content.decode())
    assert "城管局" in shown
    assert "东城街道" in shown
    assert shown.count("光明社区") >= 2  # logged and accepted there
