"""The MCP server, driven by the official SDK's own client.

Over Streamable HTTP against the app served on a live port, the client lists the tools, scores a
text in the creator's voice, and schedules a post that reaches the practice timeline. Tokens and
scopes are the API's."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from api import tokens
from publishing.models import Publication, SandboxPost
from tests.factories import PublishingAccountFactory, UserFactory, VoiceProfileFactory
from tests.helpers import personal_workspace
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db(transaction=True)
TOOLS = {
    "score_text_in_my_voice",
    "write_drafts",
    "get_drafts",
    "list_ideas",
    "add_idea",
    "schedule_post",
    "next_free_slots",
    "analytics_summary",
    "list_trends",
    "list_personas",
    "list_accounts",
}


def session_with(url: str, token: str | None, work: Any) -> Any:
    """Run `work(session)` in an initialised MCP client session."""

    async def main() -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            streamable_http_client(url, http_client=http) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            return await work(session)

    return asyncio.run(main())


def token_for(user, workspace, scopes=("read", "write", "publish")) -> str:
    return tokens.token_create(
        workspace=workspace, user=user, role="owner", name="assistant", scopes=list(scopes)
    )[1]


def test_an_assistant_scores_text_and_schedules_a_post(live_server, owner, workspace, persona):
    VoiceProfileFactory(persona=persona)
    practice = PublishingAccountFactory(workspace=workspace)
    url = f"{live_server.url}/mcp"
    token = token_for(owner, workspace)

    async def work(session: ClientSession) -> Any:
        listed = await session.list_tools()
        scored = await session.call_tool(
            "score_text_in_my_voice", {"text": "We shipped it small, then we listened."}
        )
        scheduled = await session.call_tool(
            "schedule_post",
            {"text": "Shipping small beats shipping late.", "accounts": [practice.pk]},
        )
        voice = await session.read_resource(f"voice://{persona.pk}")
        return listed, scored, scheduled, voice

    listed, scored, scheduled, voice = session_with(url, token, work)
    assert {tool.name for tool in listed.tools} >= TOOLS
    assert not scored.is_error, scored.content
    assert 0 <= scored.structured_content["score"] <= 100
    assert set(scored.structured_content["breakdown"]) >= {"structure", "tone", "vocabulary"}
    assert not scheduled.is_error, scheduled.content
    publication = Publication.objects.get(pk=scheduled.structured_content["id"])
    assert publication.persona == persona
    assert run_sweep() == ["published"]
    assert SandboxPost.objects.get().text == "Shipping small beats shipping late."
    assert persona.name in voice.contents[0].text


def test_scopes_and_workspaces_hold_for_assistants(live_server, owner, workspace, persona):
    PublishingAccountFactory(workspace=workspace)
    url = f"{live_server.url}/mcp"
    reader = token_for(owner, workspace, scopes=["read"])

    async def try_to_schedule(session: ClientSession) -> Any:
        return await session.call_tool("schedule_post", {"text": "Nope.", "accounts": [1]})

    refused = session_with(url, reader, try_to_schedule)
    assert refused.is_error and "“publish” scope" in refused.content[0].text
    assert not Publication.objects.exists()

    stranger = UserFactory(email="elsewhere@example.com")
    theirs = token_for(stranger, personal_workspace(stranger))

    async def read_theirs(session: ClientSession) -> Any:
        return await session.call_tool(
            "score_text_in_my_voice", {"text": "Hi", "persona": persona.pk}
        )

    other = session_with(url, theirs, read_theirs)
    assert other.is_error and "Nothing with this id" in other.content[0].text

    anonymous = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith(
        "Bearer"
    )
