"""Opt-in: the reference Bluesky PDS holds our fake to account and our client to the real thing.

Bluesky-social/atproto's @atproto/pds, with a local DID directory. Skipped unless REFERENCE_PDS_DIR
names a folder where `npm install @atproto/pds @did-plc/server` was run (see
tests/reference_pds/launch.cjs for the one-line install) and `node` is on the PATH.

1. The same requests go to the reference server and to tests/fakes/bluesky_server.py: the
   statuses, error codes and (DIDs aside) the messages must be the same.
2. Our engine publishes to the reference server (a numbered thread and its first comment
   too, each a reply naming the root and the part before), settles an unknown outcome by getRecord,
   and survives a record key two targets minted alike (the reference answers that with 500)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from publishing import services
from publishing.adapters import bluesky as bluesky_adapter
from publishing.adapters.base import Tokens
from publishing.models import TargetState
from tests.factories import PersonaFactory
from tests.fakes.bluesky_server import FakeBluesky
from tests.publishing.flows import due_now, run_sweep

REFERENCE = os.environ.get("REFERENCE_PDS_DIR", "")
LAUNCHER = Path(__file__).resolve().parent.parent / "reference_pds" / "launch.cjs"
pytestmark = [
    pytest.mark.skipif(
        not REFERENCE or not Path(REFERENCE, "node_modules", "@atproto", "pds").is_dir(),
        reason="REFERENCE_PDS_DIR with @atproto/pds installed is not set (opt-in)",
    ),
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]


@pytest.fixture(scope="module")
def reference():
    process = subprocess.Popen(
        ["node", str(LAUNCHER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "REFERENCE_PDS_DIR": REFERENCE},
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if not line:
        process.kill()
        pytest.fail("the reference PDS did not start")
    yield json.loads(line)
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=30)


def _xrpc(base: str, method: str, name: str, token: str = "", **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.request(method, f"{base}/xrpc/{name}", headers=headers, timeout=20, **kwargs)
    try:
        body = answer.json()
    except ValueError:
        body = {}
    message = re.sub(r"did:plc:[a-z0-9]+", "did:plc:X", str(body.get("message", "")))
    return answer.status_code, body.get("error"), message, body


def _story(base: str, account: dict) -> list[tuple]:
    """The requests both servers answer: what each said, DIDs aside."""
    said = [
        _xrpc(
            base,
            "POST",
            "com.atproto.server.createSession",
            json={"identifier": account["handle"], "password": "wrong"},
        )[:3]
    ]
    session = _xrpc(
        base,
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": account["handle"], "password": account["password"]},
    )[3]
    token, did = session["accessJwt"], session["did"]

    def create(rkey: str, text: str, repo: str = did, **extra) -> tuple:
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-12-06T10:00:00Z"}
        body = {"repo": repo, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record}
        body["record"] |= extra
        return _xrpc(base, "POST", "com.atproto.repo.createRecord", token, json=body)[:3]

    said += [
        create("3kaaaaaaaaaa2", "hello")[:2],
        create("3kaaaaaaaaaa2", "the same key again"),  # the reference: 500
        create("3kaaaaaaaaab2", "a" * 301),
        create("3kaaaaaaaaac2", "é" * 1501),
        create("3kaaaaaaaaad2", "👨‍👩‍👧‍👦" * 50)[:2],  # 50 graphemes: accepted
        create("3kaaaaaaaaae2", "a\r\n" * 100)[:2],
        create("notatid", "x"),
        create("3kaaaaaaaaaf2", "x", reply={"root": {"uri": "at://x"}}),
        create("3kaaaaaaaaag2", "x", repo="did:plc:someoneelse"),
    ]
    params = {"repo": did, "collection": "app.bsky.feed.post"}
    said.append(
        _xrpc(
            base,
            "GET",
            "com.atproto.repo.getRecord",
            token,
            params=params | {"rkey": "3kzzzzzzzzzz2"},
        )[:3]
    )
    found = _xrpc(
        base, "GET", "com.atproto.repo.getRecord", token, params=params | {"rkey": "3kaaaaaaaaaa2"}
    )
    said.append((found[0], found[3]["value"]["text"]))
    return said


def test_the_fake_pds_answers_as_the_reference_server_does(reference):
    with FakeBluesky() as fake:
        fake.add_account("carol.test", "did:plc:carol", "carol-app-pass-1234")
        ours = _story(fake.base_url, {"handle": "carol.test", "password": "carol-app-pass-1234"})
    theirs = _story(reference["url"], reference["accounts"][0])
    assert ours == theirs


@pytest.mark.django_db
def test_our_engine_publishes_reconciles_and_survives_a_reused_key_on_the_reference(
    reference, workspace, settings, monkeypatch
):
    settings.ALLOW_PRIVATE_HOSTS = ["localhost", "127.0.0.1", "::1"]
    base, alice = reference["url"], reference["accounts"][1]
    did, handle, tokens = bluesky_adapter.create_session(base, alice["handle"], alice["password"])
    persona = PersonaFactory(workspace=workspace)
    account = services.account_connect(
        workspace=workspace,
        role="owner",
        platform="bluesky",
        name=f"@{handle}",
        base_url=base,
        tokens=Tokens(tokens.access_token, tokens.refresh_token, tokens.expires_at),
        external_user_id=did,
    )

    def schedule(text: str):
        return services.publication_schedule(
            persona=persona,
            role="owner",
            user=None,
            text=text,
            scheduled_at=timezone.now() - timedelta(seconds=1),
            accounts=[account],
        ).targets.get()

    first = schedule("Published by ContentTwin to the reference PDS.")
    assert run_sweep() == [TargetState.PUBLISHED]
    first.refresh_from_db()
    # An answer lost on the way: the engine asks getRecord by our key before any resend.
    type(first).objects.filter(pk=first.pk).update(
        state=TargetState.UNKNOWN, needs_reconcile=True, due_at=timezone.now()
    )
    assert run_sweep() == [TargetState.PUBLISHED]
    # Two targets that mint the same key: the reference answers the second with 500.
    keys = iter(["3kbbbbbbbbbb2", "3kbbbbbbbbbb2", "3kbbbbbbbbbc2"])
    monkeypatch.setattr(bluesky_adapter, "tid", lambda: next(keys))
    second, third = schedule("Second post."), schedule("Third post.")
    assert sorted(run_sweep()) == [TargetState.PUBLISHED, TargetState.UNKNOWN]
    for target in (second, third):
        due_now(target)
    assert run_sweep() == [TargetState.PUBLISHED]
    listed = httpx.get(
        f"{base}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": "app.bsky.feed.post"},
        timeout=20,
    ).json()["records"]
    texts = sorted(record["value"]["text"] for record in listed)
    assert texts == sorted(
        ["Published by ContentTwin to the reference PDS.", "Second post.", "Third post."]
    )


@pytest.mark.django_db
def test_a_thread_and_its_first_comment_on_the_reference(reference, workspace, settings):
    settings.ALLOW_PRIVATE_HOSTS = ["localhost", "127.0.0.1", "::1"]
    base, bob = reference["url"], reference["accounts"][0]
    did, handle, tokens = bluesky_adapter.create_session(base, bob["handle"], bob["password"])
    persona = PersonaFactory(workspace=workspace)
    account = services.account_connect(
        workspace=workspace,
        role="owner",
        platform="bluesky",
        name=f"@{handle}",
        base_url=base,
        tokens=Tokens(tokens.access_token, tokens.refresh_token, tokens.expires_at),
        external_user_id=did,
    )
    services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text="Thread one.\n---\nThread two.\n---\nThread three.",
        scheduled_at=timezone.now() - timedelta(seconds=1),
        accounts=[account],
        first_comment="Thread comment.",
        number_parts=True,
    )
    assert run_sweep() == [TargetState.PUBLISHED]
    listed = httpx.get(
        f"{base}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": "app.bsky.feed.post", "reverse": "true"},
        timeout=20,
    ).json()["records"]
    posts = [r for r in listed if r["value"]["text"].startswith("Thread")]
    assert [p["value"]["text"] for p in posts] == [
        "Thread one.\n\n1/3",
        "Thread two.\n\n2/3",
        "Thread three.\n\n3/3",
        "Thread comment.",
    ]
    root = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
    assert "reply" not in posts[0]["value"]
    for before, after in pairwise(posts):
        reply = after["value"]["reply"]
        assert reply["root"] == root
        assert reply["parent"] == {"uri": before["uri"], "cid": before["cid"]}
