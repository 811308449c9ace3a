"""Draft history: found again by words, persona and status, in pages.

Draft history: accepted drafts can be found again by words, persona and status, in pages,
at a flat query cost, and never from another workspace."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from generation.selectors import HISTORY_PAGE
from tests.factories import PersonaFactory, VariationFactory
from tests.helpers import client_for, personal_workspace

pytestmark = pytest.mark.django_db


def test_find_an_accepted_draft_again(owner_client, workspace):
    founder = PersonaFactory(workspace=workspace, name="Founder")
    other = PersonaFactory(workspace=workspace, name="Other")
    VariationFactory(
        generation__persona=founder,
        generation__topic="pricing",
        status="accepted",
        text="We raised prices twice and lost nobody.",
    )
    VariationFactory(
        generation__persona=founder,
        generation__topic="hiring",
        status="rejected",
        text="Hire slow, fire fast.",
    )
    VariationFactory(
        generation__persona=other,
        generation__topic="pricing",
        status="proposed",
        text="Pricing is positioning.",
    )
    url = reverse("generation_history")
    page = owner_client.get(url, {"q": "raised prices"}).content.decode()
    assert "We raised prices twice" in page and "Hire slow" not in page
    assert reverse("publishing_schedule", args=[1]).rsplit("/", 2)[0] in page  # Schedule link
    by_status = owner_client.get(url, {"status": "accepted"}).content.decode()
    assert "We raised prices twice" in by_status and "Pricing is positioning." not in by_status
    by_topic = owner_client.get(url, {"q": "pricing", "persona": other.pk}).content.decode()
    assert "Pricing is positioning." in by_topic and "We raised" not in by_topic
    nothing = owner_client.get(url, {"q": "zebra"}).content.decode()
    assert "No draft matches" in nothing


def test_pages_and_flat_queries(owner_client, workspace):
    persona = PersonaFactory(workspace=workspace)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(reverse("generation_history"))
        return len(captured)

    VariationFactory.create_batch(3, generation__persona=persona)
    queries()  # once first: from then on the bell's count is read from the cache
    few = queries()
    VariationFactory.create_batch(HISTORY_PAGE, generation__persona=persona)
    assert queries() == few
    first = owner_client.get(reverse("generation_history")).content.decode()
    assert "Older →" in first
    second = owner_client.get(reverse("generation_history"), {"page": 2}).content.decode()
    assert second.count('class="history-item"') == 3 and "← Newer" in second


def test_another_workspace_sees_none_of_it(workspace, stranger):
    VariationFactory(generation__persona=PersonaFactory(workspace=workspace), text="Secret plan.")
    client = client_for(stranger, personal_workspace(stranger))
    assert "Secret plan." not in client.get(reverse("generation_history")).content.decode()
