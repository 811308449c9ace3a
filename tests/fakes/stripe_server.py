"""A loopback Stripe for the real `stripe` SDK (StripeClient with base_addresses={"api": …}).

POST /v1/checkout/sessions and /v1/billing_portal/sessions (form-encoded, nested keys as the SDK
sends them, Bearer secret key checked), and a hosted "checkout page" at /pay/<id> whose Pay button
makes the events Stripe would send — checkout.session.completed and, for a subscription,
customer.subscription.created — signs them like Stripe (Stripe-Signature: t=…,v1=HMAC-SHA256(secret,
"t.payload")) and, when `webhook_url` is set, delivers them before redirecting to the success URL.
`events` keeps every event made, for tests to replay."""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import time
from typing import Any

import httpx

from tests.fakes.base import Answer, FakeServer, Request

SECRET_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_fake"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    stamp = int(timestamp or time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={digest.hexdigest()}"


def event(kind: str, obj: dict[str, Any], *, created: int, number: int) -> dict[str, Any]:
    return {
        "id": f"evt_{number:06d}",
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": False,
        "data": {"object": obj},
    }


class FakeStripe(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.prices = {"price_creator": "creator", "price_pro": "pro", "price_pack100": "pack"}
        self._numbers = itertools.count(1)
        self.route("POST", "/v1/checkout/sessions", self._checkout)
        self.route("POST", "/v1/billing_portal/sessions", self._portal)
        self.route("GET", "/pay/", self._page, prefix=True)
        self.route("POST", "/pay/", self._pay, prefix=True)

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization", "") == f"Bearer {SECRET_KEY}"

    def _checkout(self, request: Request) -> Answer:
        if not self._authorised(request):
            return (
                401,
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
                {},
            )
        form = request.form
        price = form.get("line_items[0][price]", "")
        if price not in self.prices:
            return (
                400,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": f"No such price: '{price}'",
                        "param": "line_items[0][price]",
                    }
                },
                {},
            )
        number = next(self._numbers)
        session_id = f"cs_test_{number:04d}"
        metadata = {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")}
        self.sessions[session_id] = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode"),
            "url": f"{self.base_url}/pay/{session_id}",
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "client_reference_id": form.get("client_reference_id"),
            "customer": form.get("customer") or f"cus_{number:04d}",
            "customer_email": form.get("customer_email"),
            "metadata": metadata,
            "price": price,
            "status": "open",
            "payment_status": "unpaid",
        }
        return 200, self.sessions[session_id], {}

    def _portal(self, request: Request) -> Answer:
        if not self._authorised(request):
            return (
                401,
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
                {},
            )
        return (
            200,
            {
                "object": "billing_portal.session",
                "id": "bps_1",
                "customer": request.form.get("customer"),
                "url": f"{self.base_url}/portal?customer={request.form.get('customer')}",
            },
            {},
        )

    def _page(self, request: Request) -> Answer:
        session = self.sessions.get(request.path.removeprefix("/pay/"))
        if session is None:
            return 404, "No such checkout session", {}
        return (
            200,
            (
                "<!doctype html><title>Fake Stripe Checkout</title><h1>Pay ContentTwin</h1>"
                f"<p>{html.escape(session['price'])}</p>"
                f"<form method='post' action='/pay/{session['id']}'>"
                "<button type='submit'>Pay</button></form>"
            ),
            {},
        )

    def _pay(self, request: Request) -> Answer:
        session = self.sessions.get(request.path.removeprefix("/pay/"))
        if session is None:
            return 404, "No such checkout session", {}
        session["status"] = "complete"
        session["payment_status"] = "paid"
        now = int(time.time())
        made = []
        if session["mode"] == "subscription":
            session["subscription"] = f"sub_{session['id'][-4:]}"
            made.append(self.make("checkout.session.completed", {**session}, created=now))
            made.append(
                self.make(
                    "customer.subscription.created",
                    self.subscription(session, "active"),
                    created=now + 1,
                )
            )
        else:
            made.append(self.make("checkout.session.completed", {**session}, created=now))
        if self.webhook_url:
            for item in made:
                self.deliver(item)
        return 303, "", {"Location": session["success_url"]}

    def subscription(
        self, session: dict[str, Any], status: str, *, price: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": session["subscription"],
            "object": "subscription",
            "customer": session["customer"],
            "status": status,
            "current_period_end": int(time.time()) + 30 * 86400,
            "metadata": {"workspace_id": session["metadata"].get("workspace_id", "")},
            "items": {"object": "list", "data": [{"price": {"id": price or session["price"]}}]},
        }

    def make(self, kind: str, obj: dict[str, Any], *, created: int) -> dict[str, Any]:
        made = event(kind, obj, created=created, number=len(self.events) + 1)
        self.events.append(made)
        return made

    def deliver(self, item: dict[str, Any]) -> httpx.Response:
        payload = json.dumps(item).encode()
        return httpx.post(
            self.webhook_url,
            content=payload,
            headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
            timeout=10,
        )
