"""Three replies in the persona's voice: written by a model, or the offline reply kit.

The model is the loopback fake of OpenAI's API, called by the real SDK; the kit comes from the
persona's own posts (the demo posts), scored by the real voice scorer."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from home.demo_posts import DEMO_POSTS
from inbox import services
from inbox.models import InboxItem
from tests.factories import InboxItemFactory, PublicationFactory, TargetFactory
from tests.fakes.openai_server import running_fake_openai
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona_with_voice() -> bool:
    return True


def _item(workspace, text="How did you decide when to raise your prices?"):
    return InboxItemFactory(workspace=workspace, text=text)


def test_without_a_model_the_reply_kit_offers_the_creator_s_own_closest_lines(
    owner, workspace, persona
):
    item = _item(workspace)
    client = client_for(owner, workspace)
    client.post(reverse("inbox_suggest", args=[item.pk]), {"persona": persona.pk, "text": "Hm"})
    item.refresh_from_db()
    own_sentences = " ".join(text for text, *_ in DEMO_POSTS)
    assert 1 <= len(item.suggestions) <= 3
    for suggestion in item.suggestions:
        line = suggestion["text"].removeprefix(f"{item.author_handle} ")  # Mastodon: to them
        assert suggestion["by"] == "kit" and line in own_sentences
        assert "pric" in line.lower()  # only lines on the subject asked about
        # their own line, judged by style (as a new post, a copied line would score ~0)
        assert suggestion["score"] >= 50
    page = client.get(reverse("inbox")).content.decode()
    assert "reply kit" in page and "From your reply kit" in page
    assert ">Hm</textarea>" in page  # what was typed is still there
    client.post(reverse("inbox_suggest", args=[item.pk]), {"use": "0"})
    page = client.get(reverse("inbox")).content.decode()
    assert f">{item.suggestions[0]['text']}</textarea>" in page


def test_the_kit_offers_nothing_rather_than_lines_on_another_subject(owner, workspace, persona):
    item = _item(workspace, text="Nice weather in Lisbon today")
    response = client_for(owner, workspace).post(
        reverse("inbox_suggest", args=[item.pk]), {"persona": persona.pk}, follow=True
    )
    assert "no line of this persona" in response.content.decode()
    item.refresh_from_db()
    assert item.suggestions == []


def test_with_a_model_three_replies_are_written_for_the_message_and_scored(
    owner, workspace, persona, settings
):
    item = _item(workspace)
    ours = PublicationFactory(persona=persona, text="We raised prices 20% and lost no one.")
    TargetFactory(publication=ours, account=item.account, external_id="our-post-1")
    InboxItem.objects.filter(pk=item.pk).update(parent_id="our-post-1")
    item.refresh_from_db()
    replies = [
        "When churn stayed flat for two quarters, we knew we had room.",
        "Good question: what made you ask, are you thinking about it too?",
        "Thanks! We also grandfathered everyone who joined before the change.",
    ]
    with running_fake_openai() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
        settings.LLM_PROVIDERS = ["openai"]
        fake.reply = "<json>" + json.dumps({"replies": replies}) + "</json>"
        made = services.inbox_suggest(item=item, persona=persona, role="owner")
    assert [s["text"] for s in made] == replies and {s["by"] for s in made} == {"model"}
    assert all(isinstance(s["score"], int) for s in made)
    (request,) = [r for r in fake.requests if r["path"] == "/v1/chat/completions"]
    sent = request["body"]["messages"][-1]["content"]
    assert "<our_post>\nWe raised prices 20% and lost no one.\n</our_post>" in sent
    assert f"<message>\n{item.author_handle}: {item.text}\n</message>" in sent


def test_another_workspace_s_persona_cannot_answer(owner, workspace, persona, stranger):
    from tests.helpers import personal_workspace

    item = _item(workspace)
    theirs = personal_workspace(stranger).personas.create(name="Not yours", platform="linkedin")
    with pytest.raises(Exception, match="another workspace"):
        services.inbox_suggest(item=item, persona=theirs, role="owner")
