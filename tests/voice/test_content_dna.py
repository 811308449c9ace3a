"""Content DNA by a model when one is configured (real SDK against the local fake server)."""

from __future__ import annotations

import json

import pytest

from home.demo_posts import DEMO_POSTS
from llm.models import Outcome, UsageRecord
from tests.factories import PersonaFactory, PostFactory
from tests.fakes.openai_server import Fault, running_fake_openai
from voice import services

ANSWER = {
    "topics": [{"label": "Pricing", "keywords": ["pricing", "customers"], "posts": 4}],
    "recurring_stories": ["Turning down a €2M investment"],
    "frameworks": [],
    "opinions": [{"topic": "growth", "stance": "Growth you can't serve well is a slow failure."}],
}


@pytest.fixture
def model_configured(settings):
    with running_fake_openai() as fake:
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake.base_url
        settings.LLM_PROVIDERS = ["openai", "offline"]
        yield fake


def _analyse(owner, workspace):
    persona = PersonaFactory(workspace=workspace)
    for text, *_ in DEMO_POSTS:
        PostFactory(persona=persona, text=text)
    analysis = services.analysis_request(persona=persona, role="owner", user=owner)
    return services.analysis_run(analysis_id=analysis.pk)


def test_the_model_extracts_content_dna_from_delimited_posts(model_configured, owner, workspace):
    model_configured.reply = f"<json>{json.dumps(ANSWER)}</json>"
    version = _analyse(owner, workspace)
    dna = version.profile["content_dna"]
    assert dna["method"] == "model: openai gpt-4o-mini"
    assert dna["topics"][0]["label"] == "Pricing"
    assert dna["opinions"][0]["stance"].startswith("Growth you can't serve")
    body = model_configured.requests[0]["body"]
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert DEMO_POSTS[0][0][:30] not in system  # posts never sit among the instructions
    assert user.startswith("<posts>\n") and DEMO_POSTS[0][0][:30] in user
    row = UsageRecord.objects.get(purpose="content_dna")
    assert row.outcome == Outcome.OK and row.provider == "openai"


def test_an_unreadable_or_failed_answer_keeps_the_labelled_offline_result(
    model_configured, owner, workspace
):
    model_configured.reply = "Sure! Here are the topics: pricing, growth."
    dna = _analyse(owner, workspace).profile["content_dna"]
    assert dna["method"].startswith("offline: keyword clusters")
    assert "could not read" in dna["method"]
    assert dna["topics"]  # the offline analysis still found some

    model_configured.fail_next += [Fault(401, {"error": {"message": "bad key"}})]
    dna = _analyse(owner, workspace).profile["content_dna"]
    assert "refused our API key" in dna["method"]
    assert UsageRecord.objects.filter(purpose="content_dna", outcome=Outcome.ERROR).count() == 1
