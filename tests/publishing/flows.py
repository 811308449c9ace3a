"""Publishing steps the tests share.

What the beat sweep and the workers do (in this process), and connecting accounts as a creator does
it — through the accounts page and, for OAuth platforms, the platform's own authorise page (on a
loopback fake)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from publishing import engine
from publishing.models import Target


def run_sweep() -> list[str]:
    """Claim what is due and send each claimed target, as beat and the workers would."""
    return [engine.target_send(target_id=i, token=t) for i, t in engine.claim_due()]


def due_now(target: Target) -> None:
    Target.objects.filter(pk=target.pk).update(due_at=timezone.now())


def press_authorize(authorize_url: str) -> str:
    """What the creator does on the platform's page: press "Authorize".

    Returns the URL the platform sends the browser back to (our callback, with the code and the
    state)."""
    parts = urlsplit(authorize_url)
    page = httpx.get(authorize_url)
    assert page.status_code == 200 and "Authorize" in page.text
    answer = httpx.post(
        f"{parts.scheme}://{parts.netloc}{parts.path}", data=dict(parse_qsl(parts.query))
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def follow_callback(client: Client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def connect_mastodon(client: Client, base_url: str):
    started = client.post(
        reverse("publishing_accounts"), {"platform": "mastodon", "mastodon-base_url": base_url}
    )
    assert started.status_code == 200, started.content.decode()[:300]
    return follow_callback(client, press_authorize(started.context["authorize_url"]))


def connect_oauth(client: Client, platform: str):
    started = client.post(reverse("oauth_start", args=[platform]))
    assert started.status_code == 200, started
    return follow_callback(client, press_authorize(started.context["authorize_url"]))
