"""The top of the stack: the dashboard reads every app's selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.middleware import WorkspaceRequest, workspace_view
from analytics.selectors import streak_keys, streaks
from core.cache import read_ahead
from personas.middleware import reads_ahead
from personas.selectors import active_personas, current_persona
from posts.selectors import persona_post_stats, post_stats_key
from trends.selectors import top_trends, top_trends_key
from voice.selectors import RECOMMENDED_POSTS, current_voice, current_voice_key


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the dashboard. Otherwise what ContentTwin is, and the way in."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home/landing.html")


def _dashboard_reads(persona_id: int) -> list[str]:
    """What the dashboard reads from the cache about the persona (one round trip)."""
    return [
        post_stats_key(persona_id),
        *streak_keys(persona_id),
        current_voice_key(persona_id),
        top_trends_key(persona_id),
    ]


@workspace_view
@reads_ahead(_dashboard_reads)
def dashboard(request: WorkspaceRequest) -> HttpResponse:
    personas = active_personas(request, request.workspace)
    persona = current_persona(request, request.workspace) if personas else None
    if persona:
        read_ahead(_dashboard_reads(persona.pk))  # read with the viewer's entries if chosen
    return render(
        request,
        "home/dashboard.html",
        {
            "personas": personas,
            "persona": persona,
            "post_stats": persona_post_stats(persona) if persona else None,
            "voice": current_voice(persona) if persona else None,
            "recommended_posts": RECOMMENDED_POSTS,
            "top_trends": top_trends(persona) if persona else [],
            "streak": streaks(persona) if persona else None,
        },
    )
