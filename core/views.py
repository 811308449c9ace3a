from __future__ import annotations

import hashlib
import ipaddress
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.selectors import health_report

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
THEME_COLOR = "#3b5bdb"


def _may_see_details(request: HttpRequest) -> bool:
    """Whether the caller may see the health details.

    Staff, or a caller on this machine (the container's own health check) that did not come
    through a proxy: a proxy on loopback forwards everybody else's requests too."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    if any(request.META.get(header) for header in _PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """ok / unavailable for anyone (a load balancer).

    Which check failed, versions and the model providers only for staff and the machine itself."""
    healthy, checks = health_report()
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable"}
    if _may_see_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)


# What the service worker keeps for offline use: the app's own static assets and the offline
# page, nothing else (no page a member sees, no data).
SHELL_ASSETS = (
    "css/app.css",
    "js/app.js",
    "js/htmx.min.js",
    "favicon.svg",
    "icons/icon-192.png",
)


@require_GET
def web_app_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installable, and a share target that opens "New idea"."""
    manifest = {
        "name": "ContentTwin",
        "short_name": "ContentTwin",
        "description": "Posts in your own voice: drafts, plans, scheduling and trends.",
        "id": "/",
        "start_url": reverse("dashboard"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7fb",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-512-maskable.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
        # Sharing a link or text from a phone's share sheet opens the idea form filled in.
        "share_target": {
            "action": reverse("share"),
            "method": "GET",
            "params": {"title": "title", "text": "text", "url": "url"},
        },
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site's root so that its scope is the whole site.

    Its cache is named after the assets' addresses, so a release with new ones replaces it."""
    assets = [static(path) for path in SHELL_ASSETS]
    offline = reverse("offline")
    version = hashlib.sha256(" ".join([offline, *assets]).encode()).hexdigest()[:12]
    response = render(
        request,
        "core/sw.js",
        {"assets": json.dumps(assets), "offline": json.dumps(offline), "version": version},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"  # the browser checks for a new worker every time
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the installed app shows when there is no connection (the same for everyone)."""
    return render(request, "core/offline.html")
