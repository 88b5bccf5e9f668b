"""A grid worker hears when a case they reported moves on."""

from __future__ import annotations

from notifications.models import Notification
from petitions import services
from petitions.models import Satisfaction
from tests.conftest import Personas, Tree
from tests.petitions.conftest import NOW, log_petition_as


def heard(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True)
    )


def test_the_reporter_hears_each_move(people: Personas, tree: Tree) -> None:
    petition = log_petition_as(people.grid, tree)
    worker = people.worker
    services.petition_accept(actor=worker, petition=petition, now=NOW)
    services.petition_supervise(actor=people.official, petition=petition, note="抓紧", now=NOW)
    services.petition_dispatch(actor=worker, petition=petition, lead=tree.chengguan, now=NOW)
    assert heard(people.grid) == ["petition.accept", "petition.dispatch"]
    title = Notification.objects.filter(recipient=people.grid).earliest("pk").title
    assert petition.number in title


def test_nobody_hears_their_own_step_and_staff_cases_tell_no_reporter(
    people: Personas, tree: Tree
) -> None:
    own = log_petition_as(people.worker, tree)
    services.petition_accept(actor=people.worker, petition=own, now=NOW)
    services.petition_start(actor=people.worker, petition=own, now=NOW)
    services.petition_reply(actor=people.worker, petition=own, reply="已处理", now=NOW)
    services.petition_evaluate(
        actor=people.worker, petition=own, satisfaction=Satisfaction.SATISFIED, now=NOW
    )
    assert not Notification.objects.filter(recipient=people.worker, kind="petition.accept")
    assert heard(people.grid) == []
