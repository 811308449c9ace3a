"""Bring your own model from the browser.

Add an OpenAI-compatible server (a loopback fake speaking OpenAI's API stands in for Ollama), test
it with the real error in words, order the workspace's models, and drafts written by them — the key
never shown again."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from generation import services as generation_services
from home.demo_posts import DEMO_POSTS
from llm import registry
from llm.models import ModelConnection, UsageRecord
from tests.factories import PersonaFactory, PostFactory, VoiceProfileFactory
from tests.fakes.openai_server import Fault, running_fake_openai
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(owner, workspace):
    return client_for(owner, workspace)


def _add(client, **fields):
    data = {"kind": "compatible", "model": "llama3.1", "base_url": "", "api_key": ""} | fields
    return client.post(reverse("llm_models"), data, follow=True)


def test_a_local_server_is_added_tested_and_writes_the_drafts(client, owner, workspace):
    with running_fake_openai() as fake:
        fake.reply = "<post>" + "Raising prices is a conversation with customers. " * 3 + "</post>"
        page = _add(client, base_url=fake.base_url).content.decode()
        assert "it answered" in page and "llama3.1 on " + fake.base_url in page
        assert fake.requests[-1]["body"]["model"] == "llama3.1"  # the test call was real
        persona = PersonaFactory(workspace=workspace)
        for text, *_ in DEMO_POSTS:
            PostFactory(persona=persona, text=text)
        VoiceProfileFactory(persona=persona)
        generation = generation_services.generation_request(
            persona=persona, user=owner, role="owner", topic="raising prices"
        )
        generation_services.generation_run(generation_id=generation.pk)
    generation.refresh_from_db()
    rows = list(UsageRecord.objects.values_list("provider", "model", "outcome", "error"))
    assert {v.provider for v in generation.variations.all()} == {"openai-compatible"}, rows
    assert set(UsageRecord.objects.values_list("model", flat=True)) == {"llama3.1"}


def test_a_refused_key_and_an_unreachable_server_are_said_in_words(client, workspace):
    with running_fake_openai() as fake:
        fake.fail_next.append(Fault(401, {"error": {"message": "Incorrect API key provided"}}))
        page = _add(
            client, kind="openai", model="gpt-4o-mini", api_key="sk-wrong", base_url=fake.base_url
        ).content.decode()
    assert "Added, but the test call failed" in page
    assert "refused our API key (HTTP 401); check it in the settings" in page
    assert "sk-wrong" not in page  # the key is never shown again
    connection = ModelConnection.objects.get()
    assert connection.api_key == "sk-wrong" and "sk-wrong" not in connection.api_key_encrypted

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    dead = _add(client, base_url=f"http://127.0.0.1:{port}/v1").content.decode()
    assert f"http://127.0.0.1:{port}/v1 could not be reached" in dead


def test_missing_fields_are_said_beside_them(client):
    response = client.post(reverse("llm_models"), {"kind": "openai", "model": "gpt-4o-mini"})
    assert response.status_code == 422 and "Paste the API key." in response.content.decode()
    local = client.post(reverse("llm_models"), {"kind": "compatible", "model": "llama3.1"})
    assert "Which server?" in local.content.decode()


def test_order_is_the_workspaces_and_a_failing_model_hands_over(client, workspace):
    with running_fake_openai() as first, running_fake_openai() as second:
        _add(client, model="first", base_url=first.base_url)
        _add(client, model="second", base_url=second.base_url)
        names = [p.model for p in registry.providers(workspace_id=workspace.pk)]
        assert names[:2] == ["first", "second"] and len(names) == 3  # then the offline writer
        later = ModelConnection.objects.get(model="second")
        client.post(reverse("llm_connection_move", args=[later.pk]), {"to": "up"})
        names = [p.model for p in registry.providers(workspace_id=workspace.pk)]
        assert names[:2] == ["second", "first"]
        # Two: the SDK itself tries once more before the router hands over.
        second.fail_next += [Fault(503, {"error": {"message": "overloaded"}}) for _ in range(2)]
        from llm.base import ChatRequest

        result, attempts = registry.chat(
            ChatRequest(system="s", messages=[{"role": "user", "content": "hi"}]),
            chain=registry.providers(workspace_id=workspace.pk),
        )
    assert [a.model for a in attempts] == ["second", "first"] and result.model == "first"


def test_other_workspaces_keep_the_servers_defaults(workspace, settings):
    settings.LLM_PROVIDERS = ["offline"]
    ModelConnection.objects.create(
        workspace=workspace, kind="compatible", model="m", base_url="http://127.0.0.1:9/v1"
    )
    other = PersonaFactory().workspace
    assert [p.name for p in registry.providers(workspace_id=other.pk)] == ["offline"]


def test_only_admins_change_the_models(workspace, teammate):
    editor = client_for(teammate, workspace)
    assert editor.get(reverse("llm_models")).status_code == 200
    refused = editor.post(
        reverse("llm_models"),
        {"kind": "compatible", "model": "x", "base_url": "http://127.0.0.1:9/v1"},
    )
    assert refused.status_code == 403 and not ModelConnection.objects.exists()
