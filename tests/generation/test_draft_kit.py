"""Without a model the product is honest.

A draft kit made of the creator's own openings, shape, lines on the topic and closing (with links to
their posts), and sketches labelled as such."""

from __future__ import annotations

import pytest
from django.urls import reverse

from generation import services
from home.demo_posts import DEMO_POSTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona_with_voice():
    return True


@pytest.fixture
def persona(persona, owner_client):
    """The voiced persona, switched to."""
    owner_client.post(reverse("persona_switch", args=[persona.pk]))
    return persona


def test_the_kit_is_made_of_the_creators_own_material(owner_client, persona):
    page = owner_client.get(reverse("draft_kit"), {"topic": "firing a client"}).content.decode()
    assert "Open like you do" in page and "Close like you do" in page
    # Their own opening lines, each linked to its post; no template with the topic pasted in.
    hooks = page.split('id="kit-hooks"')[1].split("</section>")[0]
    openings = [text.splitlines()[0] for text, *_ in DEMO_POSTS]
    assert sum(1 for line in openings if line in hooks) >= 2
    assert "firing a client" not in hooks and "/posts/" in hooks
    # What they have already said on the topic, linked to the posts.
    lines = page.split('id="kit-lines"')[1].split("</section>")[0]
    assert "client" in lines.lower() and "/posts/" in lines
    assert "Connect one" in page  # says what a model would add, and how
    # The sections read in order, and no line is both an opening and a closing example.
    order = [page.index(f"<h2>{n} · ") for n in (1, 2, 3, 4)]
    assert order == sorted(order)
    closing = page.split('id="kit-closing"')[1].split("</section>")[0]
    shown_openings = {line for line in openings if line in hooks}
    assert not any(line in closing for line in shown_openings)


def test_keyless_sketches_say_what_they_are(owner, owner_client, persona):
    generation = services.generation_request(
        persona=persona, user=owner, role="owner", topic="raising prices"
    )
    services.generation_run(generation_id=generation.pk)
    page = owner_client.get(reverse("generation_detail", args=[generation.pk])).content.decode()
    assert "These are sketches assembled from your own lines: no model is connected." in page
    assert reverse("draft_kit") + "?topic=raising%20prices" in page
    write = owner_client.get(reverse("generate")).content.decode()
    assert "Draft kit: write it yourself" in write and "No model is connected" in write
