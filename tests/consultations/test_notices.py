"""公示: a community's public notice board is readable without login only while the community
publishes it; it shows the decisions on notice and the recent results, and names nobody."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from consultations import services
from consultations.models import NoticeBoard, TopicStatus
from governance.errors import NotAllowed
from governance.models import AuditEvent
from tests.conftest import Personas, Tree
from tests.consultations.conftest import topic_in
from tests.helpers import english_client_for, in_english

pytestmark = [pytest.mark.django_db]


def test_the_public_reads_the_board_only_while_it_is_published(
    tree: Tree, people: Personas
) -> None:
    now = timezone.now()
    # Published on the test clock's day, long before now: its notice has ended.
    topic_in(TopicStatus.PUBLISHED, people.worker, tree.guangming, title="公示已结束的决议")
    fresh = topic_in(TopicStatus.DECIDED, people.worker, tree.guangming, title="公示中的决议")
    services.topic_publish(actor=people.worker, topic=fresh, notice_days=5, now=now)
    done = topic_in(TopicStatus.DECIDED, people.worker, tree.guangming, title="已完成的议题")
    done = services.topic_publish(actor=people.worker, topic=done, now=now - dt.timedelta(days=9))
    services.topic_publish_result(
        actor=people.worker, topic=done, result="已完成施工", now=now - dt.timedelta(days=1)
    )
    url = f"/notices/{tree.guangming.pk}/"
    anonymous = in_english(Client())
    assert anonymous.get(url).status_code == 404
    # The staff of the area read it before it is published; other areas' staff do not.
    staff = english_client_for(people.official).get(url)
    assert staff.status_code == 200
    assert 'data-testid="board-private"' in staff.content.decode()
    assert english_client_for(people.other_worker).get(url).status_code == 404
    assert english_client_for(people.handler).get(url).status_code == 404
    worker = english_client_for(people.worker)
    response = worker.post(f"/notices/{tree.guangming.pk}/publish/", {"is_public": "1"})
    assert response.status_code == 302
    html = anonymous.get(url).content.decode()
    assert 'data-testid="board-public"' in html
    assert html.count('data-testid="notice-decision"') == 1  # the one on notice now
    assert html.count('data-testid="notice-result"') == 1
    assert "已完成施工" in html
    assert "公示中的决议" in html
    assert "已完成的议题" in html
    assert "公示已结束的决议" not in html
    # It names nobody: no voter, no poster.
    assert people.worker.username not in html
    assert "居民代表00" not in html
    assert AuditEvent.objects.filter(object_type="consultations.NoticeBoard").count() == 1
    assert (
        english_client_for(people.official)
        .post(f"/notices/{tree.guangming.pk}/publish/", {"is_public": "0"})
        .status_code
        == 403
    )
    worker.post(f"/notices/{tree.guangming.pk}/publish/", {"is_public": "0"})
    assert anonymous.get(url).status_code == 404
    assert NoticeBoard.objects.get(community=tree.guangming).is_public is False
    assert anonymous.get(f"/notices/{tree.xinhua.pk}/").status_code == 404
    assert anonymous.get(f"/notices/{tree.guangming_compound.pk}/").status_code == 404
    assert (
        anonymous.post(f"/notices/{tree.guangming.pk}/publish/", {"is_public": "1"}).status_code
        == 302
    )
    assert NoticeBoard.objects.get(community=tree.guangming).is_public is False


def test_only_the_community_workers_publish(tree: Tree, people: Personas) -> None:
    for user in (people.grid, people.official):
        with pytest.raises(NotAllowed):
            services.notice_board_set(actor=user, community=tree.guangming, is_public=True)
    board = services.notice_board_set(actor=people.worker, community=tree.guangming, is_public=True)
    again = services.notice_board_set(actor=people.worker, community=tree.guangming, is_public=True)
    assert (board.pk, again.changed_at) == (again.pk, board.changed_at)
