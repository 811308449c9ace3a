from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


class HtmxMessagesMiddleware:
    """Django messages for HTMX answers, as an HX-Trigger event shown as toasts.

    Delivers Django messages to HTMX requests as an HX-Trigger event the page shows as toasts,
    and marks every answer `Vary: HX-Request`.

    A full page shows messages from the template; a swapped fragment does not, so without this
    a message added during an HTMX request would only appear on the next full page load.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The same URL answers a page or a fragment: a cache (the browser's, htmx's) must not
        # hand one for the other.
        patch_vary_headers(response, ("HX-Request",))
        if not getattr(request, "htmx", False) or 300 <= response.status_code < 400:
            return response
        if "HX-Redirect" in response or "HX-Location" in response:
            return response  # the next full page shows them
        items = [{"message": str(m), "tags": m.tags} for m in get_messages(request)]
        if not items:
            return response
        trigger = response.get("HX-Trigger")
        events: dict[str, object] = {}
        if trigger:
            try:
                events = json.loads(trigger)
            except ValueError:
                events = {trigger: None}
        events["messages"] = items
        response["HX-Trigger"] = json.dumps(events)
        return response


# Everything the pages load comes from this site: no inline script, no inline style, no
# plugins, no framing. (Django 5.2 has no CSP setting of its own.)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy() -> str:
    """The policy, with the outside pages a form may lead to.

    A form whose answer redirects there counts: Stripe Checkout and its Customer Portal,
    settings.CSP_FORM_ACTION_ORIGINS."""
    extra = " ".join(settings.CSP_FORM_ACTION_ORIGINS)
    if not extra:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {extra}")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):  # the admin ships its own inline scripts
            response.setdefault("Content-Security-Policy", content_security_policy())
        return response
