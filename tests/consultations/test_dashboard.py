"""The dashboard's consultation figures: topics by stage now, and in the period the topics
solicited, decisions and results published and meetings held; in the one query of scalar
figures (the dashboard's query count is pinned in tests/petitions/test_dashboard.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from consultations import services
from consultations.models import TopicStatus
from tests.conftest import Personas, Tree
from tests.consultations.conftest import solicit, topic_in
from tests.helpers import api_for, english_client_for

pytestmark = [pytest.mark.django_db]


def test_the_figures_of_a_street_and_a_community(tree: Tree, people: Personas) -> None:
    now = timezone.now()
    decided = topic_in(TopicStatus.DECIDED, people.worker, tree.guangming)
    services.topic_publish(actor=people.worker, topic=decided, now=now)
    topic_in(TopicStatus.PROPOSED, people.worker, tree.guangming)
    solicit(people.worker, tree.guangming, now=now)
    solicit(people.other_worker, tree.xinhua, now=now)  # another street
    today = timezone.localdate(now).isoformat()
    for unit, worker in ((tree.east, people.official), (tree.guangming, people.worker)):
        body = api_for(worker).get("/api/dashboard/", {"unit": unit.pk, "from": today, "to": today})
        assert body.status_code == 200, body.content
        figures = body.json()["consultations"]
        assert figures["topics_by_stage"]["published"] == 1
        assert figures["topics_by_stage"]["proposed"] == 1
        assert figures["topics_by_stage"]["solicited"] == 1
        assert figures["decisions_published"] == 1
        assert figures["results_published"] == 0
        assert figures["meetings_held"] == 0
    page = english_client_for(people.official).get(f"/dashboard/{tree.east.pk}/")
    html = page.content.decode()
    assert 'data-testid="board-consultations"' in html
