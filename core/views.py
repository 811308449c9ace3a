from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.middleware import workspace_view
from accounts.permissions import Action, role_allows
from core.selectors import health_report
from personas.selectors import current_persona, personas_of
from posts.selectors import persona_post_stats


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard" if request.user.is_authenticated else "login")


@workspace_view
def dashboard(request: HttpRequest) -> HttpResponse:
    personas = list(personas_of(request.workspace))
    persona = current_persona(request, request.workspace) if personas else None
    return render(
        request,
        "core/dashboard.html",
        {
            "personas": personas,
            "persona": persona,
            "post_stats": persona_post_stats(persona) if persona else None,
            "voice": persona.voice_versions.order_by("-version")
            .only("version", "summary", "created_at")
            .first()
            if persona
            else None,
            "can_edit": role_allows(request.membership.role, Action.EDIT),
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks},
        status=200 if healthy else 503,
    )
