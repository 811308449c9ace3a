"""An outbound webhook.

The post as signed JSON to the creator's own endpoint (Zapier, n8n, a script …). The body carries
the target's idempotency key as `id`, and the same key is sent again on every retry, so a receiver
that remembers ids never acts twice.

Signature (like Stripe's): header `X-ContentTwin-Signature: t=<unix time>,v1=<hex>` where
v1 = HMAC-SHA256(secret, "<t>.<raw body>"). Receivers should refuse a t older than 5 minutes."""

from __future__ import annotations

import json
import time

from core.crypto import signature
from core.egress import web_url
from publishing.adapters.base import (
    Outgoing,
    Published,
    Remember,
    Tokens,
    no_refresh,
    raise_for_answer,
    request,
)
from publishing.media import signed_url
from publishing.models import Account, Target


class WebhookPublisher:
    # One delivery a post: a thread arrives as one text (its parts joined), the receiver
    # decides what to do with it.
    threads = comments = False

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        body = json.dumps(
            {
                "id": outgoing.key,
                "type": "post.publish",
                "text": outgoing.text,
                "persona": outgoing.meta.get("persona", ""),
                "scheduled_at": outgoing.meta.get("scheduled_at", ""),
                "channel": account.name,
                "images": [
                    {"url": signed_url(image), "alt": image.alt_text, "type": image.content_type}
                    for image in outgoing.images
                ],
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(time.time())
        response = request(
            "POST",
            account.base_url,
            platform=account.name,
            content=body,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": outgoing.key,
                "X-ContentTwin-Signature": signature(account.access_token, timestamp, body),
            },
        )
        raise_for_answer(response, account.name)
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        return Published(
            external_id=str(answer.get("id") or outgoing.key)[:200],
            url=web_url(answer.get("url")),  # only a web page's address is kept as a link
        )

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        # The receiver dedupes by id: delivering again with the same id is the question.
        return self.publish(account, outgoing, lambda ref: None)

    def refresh(self, account: Account) -> Tokens:
        raise no_refresh("A webhook")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        return {}
