"""A loopback webhook receiver as we tell users to write one.

It checks the signature and the timestamp, and remembers ids so a repeated delivery is acknowledged,
not acted on twice."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from tests.fakes.base import Answer, FakeServer, Request


class FakeWebhookReceiver(FakeServer):
    def __init__(self, secret: str = "") -> None:
        super().__init__()
        self.secret = secret
        self.acted_on: list[dict[str, Any]] = []  # each post it really acted on
        self.seen: set[str] = set()
        self.route("POST", "/hook", self._receive)

    @property
    def url(self) -> str:
        return f"{self.base_url}/hook"

    def _receive(self, request: Request) -> Answer:
        header = request.headers.get("X-ContentTwin-Signature", "")
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        timestamp = int(parts.get("t", "0"))
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + request.raw, hashlib.sha256
        ).hexdigest()
        if (
            not hmac.compare_digest(expected, parts.get("v1", ""))
            or abs(time.time() - timestamp) > 300
        ):
            return 400, {"error": "bad signature"}, {}
        body = request.body
        with self.lock:
            if body["id"] not in self.seen:
                self.seen.add(body["id"])
                self.acted_on.append(body)
        return (
            200,
            {"id": f"hook-{body['id'][:8]}", "url": f"{self.base_url}/posts/{body['id']}"},
            {},
        )
