"""The MCP server at /mcp, for AI assistants.

Assistants score text in the creator's voice, write drafts, add ideas and schedule posts, with
the same personal API tokens and scopes as the REST API.

Built with the official `mcp` SDK (Streamable HTTP, stateless, JSON answers). The SDK serves
ASGI; this app is WSGI under gunicorn. So one event loop per process runs in a thread of its
own, holding the SDK's session manager open, and the Django view hands each request to it and
waits for the answer. The view authenticates the token first; the tools (run by the SDK in
worker threads, where the ORM may be used) find their caller by a one-request nonce, so a
client can never claim to be someone else."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings

from api.endpoints import content, drafts, scheduling
from api.endpoints.common import owned, persona_of
from api.http import RateLimited, TokenAuth, rate_limited, unauthenticated
from api.models import Scope
from api.tokens import Caller
from generation import services as generation
from generation.models import Generation
from personas.models import Persona
from pillars import selectors as pillars
from pillars.services import ideas as idea_services
from voice.selectors import latest_voice_version

CALLER_HEADER = "x-contenttwin-call"
ANSWER_SECONDS = 120  # the longest a tool call may take (write_drafts waits up to 60 s)
T = TypeVar("T")

server: MCPServer[Any] = MCPServer(
    "ContentTwin",
    instructions=(
        "ContentTwin knows how this creator writes. Score any text against their voice, write "
        "drafts that sound like them, keep their ideas and schedule their posts. Persona and "
        "account ids come from list_personas and list_accounts; without a persona, the "
        "workspace's first is used."
    ),
)
_calls: dict[str, Caller] = {}  # nonce → caller, for the length of one request


def _as(ctx: Context, scope: str, work: Callable[[Caller], T]) -> T:
    """Run a tool's work as the request's caller, within `scope`, errors said in words."""
    caller = _calls.get((ctx.headers or {}).get(CALLER_HEADER, ""))
    if caller is None:
        raise ToolError("Not authenticated.")
    if not caller.may(scope):
        raise ToolError(f"This token lacks the “{scope}” scope.")
    try:
        return work(caller)
    except ValidationError as error:
        raise ToolError(" ".join(error.messages)) from None
    except Http404:
        raise ToolError("Nothing with this id in the token's workspace.") from None
    except PermissionDenied as error:
        raise ToolError(str(error) or "Your role in this workspace does not allow this.") from None
    finally:
        # The SDK's worker threads come and go: none keeps a database connection open.
        connections.close_all()


@server.tool()
def list_personas(ctx: Context) -> list[dict[str, Any]]:
    """The workspace's personas (each a voice of the creator): id, name, platform, zone."""
    return _as(
        ctx,
        Scope.READ,
        lambda caller: [
            content.PersonaOut.from_orm(p).model_dump(mode="json")
            for p in content.personas_of(caller.workspace)
        ],
    )


@server.tool()
def list_accounts(ctx: Context) -> list[dict[str, Any]]:
    """The connected accounts posts can be scheduled to: id, name, platform, health."""
    return _as(ctx, Scope.READ, scheduling.account_rows)


@server.tool()
def score_text_in_my_voice(
    ctx: Context, text: str, persona: int | None = None, accounts: list[int] | None = None
) -> dict[str, Any]:
    """How much `text` sounds like the creator, 0–100.

    With structure, tone, vocabulary and contrast, its predicted engagement, and warnings
    (lessons from their feedback; with `accounts`, each account's platform rules)."""
    return _as(
        ctx, Scope.READ, lambda c: content.voice_score(c, persona, text, list(accounts or []))
    )


@server.tool()
def write_drafts(
    ctx: Context, topic: str, persona: int | None = None, wait_seconds: int = 45
) -> dict[str, Any]:
    """Three drafts about `topic` in the creator's voice, each scored.

    Waits up to `wait_seconds` (at most 60) for them; if they are not ready, returns the job:
    call get_drafts with its id."""

    def work(caller: Caller) -> dict[str, Any]:
        found = persona_of(caller, persona)
        made = generation.generation_request(
            persona=found, user=caller.user, role=caller.role, topic=topic
        )
        deadline = time.monotonic() + max(0, min(wait_seconds, 60))
        while made.status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            made.refresh_from_db()
        return drafts.generation_out(made)

    return _as(ctx, Scope.WRITE, work)


@server.tool()
def get_drafts(ctx: Context, generation_id: int) -> dict[str, Any]:
    """A draft job's progress and, once done, its drafts."""
    return _as(
        ctx, Scope.READ, lambda c: drafts.generation_out(owned(c, Generation, generation_id))
    )


@server.tool()
def list_ideas(
    ctx: Context, persona: int | None = None, status: str = "", limit: int = 20
) -> list[dict[str, Any]]:
    """The creator's ideas, newest first, each with its score once classified."""

    def work(caller: Caller) -> list[dict[str, Any]]:
        found = persona_of(caller, persona)
        ideas = pillars.topics_of(found, status=status).select_related("pillar")
        return [
            content.IdeaOut.from_orm(i).model_dump(mode="json")
            for i in ideas.order_by("-created_at")[: max(1, min(limit, 100))]
        ]

    return _as(ctx, Scope.READ, work)


@server.tool()
def add_idea(
    ctx: Context, title: str, notes: str = "", persona: int | None = None
) -> dict[str, Any]:
    """Add an idea to the creator's inbox; it is scored against their voice in the background."""

    def work(caller: Caller) -> dict[str, Any]:
        found = persona_of(caller, persona)
        topic = idea_services.topic_add(
            persona=found, role=caller.role, user=caller.user, title=title, notes=notes
        )
        return content.IdeaOut.from_orm(topic).model_dump(mode="json")

    return _as(ctx, Scope.WRITE, work)


@server.tool()
def schedule_post(
    ctx: Context,
    text: str,
    accounts: list[int],
    at: datetime | None = None,
    next_free_slot: bool = False,
    persona: int | None = None,
    first_comment: str = "",
) -> dict[str, Any]:
    """Schedule a post to accounts, at a time, in the next free slot, or now.

    `at` is ISO 8601 with an offset. The post is checked against every account's platform
    rules; thread parts are separated by a line holding only "---"."""
    body = scheduling.PublicationIn(
        persona=persona,
        text=text,
        accounts=accounts,
        at=at,
        next_free_slot=next_free_slot,
        first_comment=first_comment,
        images=[],
    )
    return _as(ctx, Scope.PUBLISH, lambda caller: scheduling.schedule(caller, body))


@server.tool()
def next_free_slots(ctx: Context, persona: int | None = None, count: int = 5) -> list[str]:
    """The next free times of the persona's posting schedule (ISO 8601, in its zone)."""
    count = max(1, min(count, 50))
    times = _as(ctx, Scope.READ, lambda c: scheduling.free_times(c, persona, count))
    return [t.isoformat() for t in times]


@server.tool()
def analytics_summary(ctx: Context, days: int = 30) -> list[dict[str, Any]]:
    """One line per persona over the last `days` days (0: all time).

    Posts, mean interactions, streak and best posting time."""
    return _as(ctx, Scope.READ, lambda c: content.summary_rows(c, max(0, min(days, 3660))))


@server.tool()
def list_trends(ctx: Context, persona: int | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """The persona's most relevant trends.

    With why they fit and any stated position they run against."""
    limit = max(1, min(limit, 50))
    rows = _as(ctx, Scope.READ, lambda c: content.trend_rows(c, persona, limit))
    for row in rows:
        row["published_at"] = row["published_at"] and row["published_at"].isoformat()
    return rows


@server.resource("voice://{persona_id}", mime_type="text/plain")
def voice_summary(persona_id: int, ctx: Context) -> str:
    """A persona's voice, in words (its latest analysed version)."""

    def work(caller: Caller) -> str:
        found = owned(caller, Persona, int(persona_id))
        version = latest_voice_version(found)
        if version is None:
            return f"{found.name}: the voice has not been analysed yet."
        return f"{found.name} (voice version {version.version}): {version.summary}"

    return _as(ctx, Scope.READ, work)


# --- Serving it from Django ----------------------------------------------------------------------

server.streamable_http_app(
    streamable_http_path="/mcp",
    json_response=True,
    stateless_http=True,
    # Django has already checked the Host (ALLOWED_HOSTS), and a bearer token, not a cookie,
    # authenticates: the SDK's DNS-rebinding guard has nothing left to guard.
    transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
)
_loop: asyncio.AbstractEventLoop | None = None
_started = threading.Lock()


def _event_loop() -> asyncio.AbstractEventLoop:
    """The process's MCP event loop, started on first use, with the session manager open."""
    global _loop
    with _started:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            async def hold_open() -> None:
                async with server.session_manager.run():
                    ready.set()
                    await asyncio.Event().wait()  # until the process ends

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.run_until_complete(hold_open())

            threading.Thread(target=run, name="mcp-event-loop", daemon=True).start()
            if not ready.wait(10):
                raise RuntimeError("The MCP session manager did not start.")
            _loop = loop
        return _loop


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def _answer(scope: dict[str, Any], body: bytes) -> Answer:
    """One ASGI request through the SDK's session manager; its status, headers and body."""
    sent = False
    finished = asyncio.Event()
    status, headers, chunks = 500, [], []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                finished.set()

    await server.session_manager.handle_request(scope, receive, send)
    finished.set()
    return status, headers, b"".join(chunks)


@csrf_exempt
def mcp_endpoint(request: HttpRequest) -> HttpResponse:
    """POST /mcp (Streamable HTTP): authenticated by an API token like the REST API."""
    try:
        caller = TokenAuth()(request)  # the API's own check, rate limit included
    except RateLimited as limited:
        return rate_limited(request, limited)
    if caller is None:
        return unauthenticated(request)
    nonce = secrets.token_urlsafe(24)
    _calls[nonce] = caller
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in request.headers.items()
        if name.lower() not in (CALLER_HEADER, "authorization")
    ]
    headers.append((CALLER_HEADER.encode(), nonce.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": "/mcp",
        "raw_path": b"/mcp",
        "root_path": "",
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "server": (request.get_host().split(":")[0], int(request.get_port())),
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
    }
    try:
        future = asyncio.run_coroutine_threadsafe(_answer(scope, request.body), _event_loop())
        status, answer_headers, body = future.result(timeout=ANSWER_SECONDS)
    finally:
        _calls.pop(nonce, None)
    response = HttpResponse(body, status=status)
    for name, value in answer_headers:
        response[name.decode("latin-1")] = value.decode("latin-1")
    return response
