"""Repurposing: one post made into versions, each a composer draft scored against its persona.

A post made into a version per persona and account (and, with a model, per audience), each a
composer draft scored against the persona it is for. Without a model only faithful transforms; with
one (a local fake OpenAI server here), rewrites."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from composer import repurpose
from composer.models import ComposerDraft, Repurpose
from home.demo_posts import DEMO_POSTS
from language.platforms import measure
from llm.models import UsageRecord
from tests.factories import (
    PersonaFactory,
    PostFactory,
    PublicationFactory,
    PublishingAccountFactory,
    VoiceProfileFactory,
)
from tests.fakes.openai_server import Fault, running_fake_openai
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

LONG = (
    "I fired my best client last year. It was 40% of our revenue and 80% of our stress. "
    "Six months later revenue is back, from five smaller clients. The team takes weekends "
    "again. We finally shipped the product we had no time for. The numbers are in the "
    "write-up at https://example.com/notes/firing-a-client and they surprised me. Losing a "
    "big client felt like failure for a month. Then it felt like room to breathe. "
    "Would you have done it?"
)


def _with_voice(persona):
    for text, *_ in DEMO_POSTS:
        PostFactory(persona=persona, text=text)
    VoiceProfileFactory(persona=persona)
    return persona


@pytest.fixture
def founder(workspace):
    return _with_voice(PersonaFactory(workspace=workspace, name="Founder"))


@pytest.fixture
def company(workspace):
    return PersonaFactory(workspace=workspace, name="Company page")  # no voice analysed yet


@pytest.fixture
def bluesky(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="bluesky", name="@me.bsky")


@pytest.fixture
def linkedin(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="linkedin", name="Me at work")


def _make(client, source: dict, personas, accounts, audiences=""):
    return client.post(
        reverse("repurpose") + "?" + "&".join(f"{k}={v}" for k, v in source.items()),
        {
            "personas": [p.pk for p in personas],
            "accounts": [a.pk for a in accounts],
            "audiences": audiences,
        },
    )


def test_without_a_model_versions_are_faithful_and_scored_per_persona(
    owner, workspace, founder, company, bluesky, linkedin
):
    post = PublicationFactory(persona=founder, text=LONG)
    client = client_for(owner, workspace)
    form = client.get(reverse("repurpose"), {"publication": post.pk}).content.decode()
    assert "No model is connected" in form
    response = _make(client, {"publication": post.pk}, [founder, company], [bluesky, linkedin])
    job = Repurpose.objects.get()
    assert response["Location"] == reverse("repurpose_versions", args=[job.pk])
    repurpose.repurpose_run(repurpose_id=job.pk)
    versions = {(v.persona, v.data["accounts"][0]): v for v in job.versions.all()}
    assert len(versions) == 4
    thread = versions[(founder, bluesky.pk)]
    parts = thread.data["text"].split("\n\n---\n\n")
    assert len(parts) > 1 and all(measure("bluesky", p).valid for p in parts)
    assert " ".join(parts) == LONG  # every word (and the link) kept, in order
    assert (
        "Split into a thread" in thread.version_note and "A connected model" in thread.version_note
    )
    assert versions[(founder, linkedin.pk)].data["text"] == LONG
    assert thread.version_score is not None  # scored against Founder's voice
    assert versions[(company, bluesky.pk)].version_score is None  # Company has no voice yet
    page = client.get(reverse("repurpose_versions", args=[job.pk])).content.decode()
    assert page.count("Open in composer") == 4 and "analyse Company page" in page
    opened = client.get(reverse("compose", args=[thread.pk])).content.decode()
    assert "https://example.com/notes/firing-a-client" in opened


def test_shortening_leaves_out_whole_sentences_and_keeps_the_close(workspace):
    narrow = PublishingAccountFactory(workspace=workspace, platform="linkedin", max_characters=200)
    text, note = repurpose.faithful(LONG, narrow)
    assert len(text) <= 200 and text.endswith("Would you have done it?")
    assert text.startswith("I fired my best client last year.")
    kept = re.split(r"(?<=[.?])\s+", text)
    assert all(sentence in LONG for sentence in kept)  # nothing rewritten, only left out
    assert "leaving out" in note


def test_audiences_need_a_model_and_the_form_keeps_what_was_chosen(
    owner, workspace, founder, bluesky
):
    post = PublicationFactory(persona=founder, text=LONG)
    client = client_for(owner, workspace)
    response = _make(client, {"publication": post.pk}, [founder], [bluesky], "developers")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Audience versions are rewritten by a model" in body
    assert f'value="{bluesky.pk}" checked' in body
    assert not Repurpose.objects.exists()


def test_with_a_model_each_version_is_rewritten_for_its_persona_and_audience(
    owner, workspace, founder, company, bluesky, linkedin, settings
):
    _with_voice(company)
    post = PublicationFactory(persona=founder, text=LONG)

    def rewrite(body):
        asked = body["messages"][-1]["content"]
        audience = re.search(r"<audience>\n(.*?)\n</audience>", asked)
        shape = re.search(r"<shape>\n(.*?)\n</shape>", asked).group(1)
        assert "https://example.com/notes/firing-a-client" in asked  # the source goes along
        who = f" for {audience.group(1)}" if audience else ""
        return f"<post>We let our biggest client go{who}. {shape[:40]}. Would you?</post>"

    with running_fake_openai() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
        settings.LLM_PROVIDERS = ["openai"]
        fake.reply = rewrite
        client = client_for(owner, workspace)
        _make(client, {"publication": post.pk}, [founder, company], [bluesky], "developers, CFOs")
        job = Repurpose.objects.get()
        assert job.uses_model
        repurpose.repurpose_run(repurpose_id=job.pk)
        assert len(fake.requests) == 4
    versions = list(job.versions.order_by("id"))
    assert [(v.persona.name, v.audience) for v in versions] == [
        ("Company page", ""),  # personas in the workspace's order
        ("Founder", ""),
        ("Founder", "developers"),
        ("Founder", "CFOs"),
    ]
    assert versions[2].data["text"].startswith("We let our biggest client go for developers.")
    assert all(v.version_score is not None for v in versions)  # each against its persona
    assert "Rewritten for Company page on Bluesky" in versions[0].version_note
    assert UsageRecord.objects.filter(purpose="repurpose").count() == 4


def test_a_model_that_fails_leaves_the_version_faithful_with_the_reason(
    owner, workspace, founder, bluesky, settings
):
    post = PublicationFactory(persona=founder, text=LONG)
    with running_fake_openai() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
        settings.LLM_PROVIDERS = ["openai"]
        fake.fail_next += [Fault(500, {"error": {"message": "boom"}}) for _ in range(6)]
        _make(client_for(owner, workspace), {"publication": post.pk}, [founder], [bluesky])
        repurpose.repurpose_run(repurpose_id=Repurpose.objects.get().pk)
    version = ComposerDraft.objects.get()
    assert (
        "Nothing is lost" in version.version_note and "split into a thread" in version.version_note
    )
    assert " ".join(version.data["text"].split("\n\n---\n\n")) == LONG


def test_a_version_made_before_a_worker_died_is_not_made_twice(workspace, founder, bluesky):
    job = Repurpose.objects.create(
        persona=founder,
        source_text=LONG,
        targets=[{"persona": founder.pk, "account": bluesky.pk, "audience": ""}],
        status="running",
    )
    repurpose._store(job, founder, bluesky, "", "Made already.", "note")
    Repurpose.objects.filter(pk=job.pk).update(
        updated_at=job.updated_at.replace(year=2020)  # its lease long expired
    )
    repurpose.repurpose_run(repurpose_id=job.pk)
    assert job.versions.count() == 1
    job.refresh_from_db()
    assert job.status == "done"


def test_another_workspaces_post_cannot_be_repurposed(stranger, founder):
    post = PublicationFactory(persona=founder, text=LONG)
    client = client_for(stranger)
    assert client.get(reverse("repurpose"), {"publication": post.pk}).status_code == 404
    assert client.get(reverse("repurpose")).status_code == 404
