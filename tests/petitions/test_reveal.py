"""A handler's audited reveal of the petitioner (DESIGN §6): allowed while the department's
whistle on the case is open, recorded, 404 afterwards and for other departments."""

from __future__ import annotations

from django.urls import reverse

from governance.models import AuditEvent
from petitions import services
from petitions.models import Dispatch, Petition
from tests.conftest import Personas, Tree, client_for
from tests.helpers import api_for
from tests.petitions.conftest import NOW, log_petition, register_wang


def whistled(people: Personas, tree: Tree) -> Petition:
    wang = register_wang(tree)
    petition = log_petition(people, tree, petitioner=wang, contact_phone="13812345678")
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW)
    return petition


def reveals() -> list[tuple[int | None, str, str]]:
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).values_list(
            "actor_id", "object_type", "object_id"
        )
    )


def test_the_handler_reveals_while_the_whistle_is_open(people, tree) -> None:
    petition = whistled(people, tree)
    url = f"/api/petitions/{petition.pk}/reveal-petitioner/"
    response = api_for(people.handler).post(url)
    assert response.status_code == 200
    assert response.json() == {"name": "王秀英", "phone": "13812345678"}
    assert response["Cache-Control"] == "no-store"
    assert reveals() == [(people.handler.pk, "petitions.Petition", str(petition.pk))]
    # The page offers it and answers with the name and a tel: link.
    client = client_for(people.handler)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'data-testid="reveal-petitioner"' in page
    assert "王秀英" not in page
    assert "13812345678" not in page
    fragment = client.post(reverse("petitions:reveal_petitioner", args=[petition.pk]))
    assert fragment.status_code == 200
    assert 'href="tel:13812345678"' in fragment.content.decode()
    assert len(reveals()) == 2
    assert client.get(reverse("petitions:reveal_petitioner", args=[petition.pk])).status_code == (
        405
    )


def test_no_reveal_after_the_whistle_nor_for_other_departments(
    people, tree, police_handler
) -> None:
    petition = whistled(people, tree)
    url = f"/api/petitions/{petition.pk}/reveal-petitioner/"
    assert api_for(police_handler).post(url).status_code == 404
    dispatch = Dispatch.objects.get(petition=petition)
    services.dispatch_report(actor=people.handler, dispatch=dispatch, now=NOW)
    assert api_for(people.handler).post(url).status_code == 200  # reported: still open
    services.dispatch_complete(actor=people.handler, dispatch=dispatch, note="已修复", now=NOW)
    # The case stays in the handler's inbox, the petitioner no longer exists for them.
    assert api_for(people.handler).get(f"/api/petitions/{petition.pk}/").status_code == 200
    assert api_for(people.handler).post(url).status_code == 404
    client = client_for(people.handler)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert 'data-testid="reveal-petitioner"' not in page
    assert client.post(reverse("petitions:reveal_petitioner", args=[petition.pk])).status_code == (
        404
    )
    assert [actor for actor, _type, _id in reveals()] == [people.handler.pk]


def test_staff_reveal_by_role(people, tree) -> None:
    petition = whistled(people, tree)
    url = f"/api/petitions/{petition.pk}/reveal-petitioner/"
    assert api_for(people.worker).post(url).json()["phone"] == "13812345678"
    # Officials see the name in full but reveal no numbers (DESIGN §6): 403 in their scope.
    assert api_for(people.official).post(url).status_code == 403
    assert api_for(people.volunteer).post(url).status_code == 404
    assert [actor for actor, _type, _id in reveals()] == [people.worker.pk]
