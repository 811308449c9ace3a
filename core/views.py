from __future__ import annotations

import ipaddress

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.selectors import health_report

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


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
