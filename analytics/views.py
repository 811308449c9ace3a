from __future__ import annotations

import itertools

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.middleware import workspace_view
from analytics import selectors
from core.spreadsheet import csv_lines
from core.zones import viewer_zone
from personas.selectors import current_persona, personas_of
from pillars.selectors import pillars_with_stats


@workspace_view
def analytics_page(request: HttpRequest) -> HttpResponse:
    persona = current_persona(request, request.workspace)
    if persona is None:
        return redirect("persona_create")
    weeks = selectors.weekly_engagement(persona)
    context = {
        "persona": persona,
        "weeks": weeks,
        "points": selectors.chart_points(weeks),
        "chart_max": max((w["interactions"] or 0 for w in weeks), default=0),
        "times": selectors.posting_times(persona),
        "streaks": selectors.streaks(persona),
        "ranked": selectors.top_and_bottom(persona),
        "pillars": pillars_with_stats(persona)["pillars"],
    }
    return render(request, "analytics/analytics.html", context)


@workspace_view
@viewer_zone
def workspace_page(request: HttpRequest) -> HttpResponse:
    personas = list(personas_of(request.workspace))
    context = {"summary": selectors.workspace_summary(personas)}
    return render(request, "analytics/workspace.html", context)


@workspace_view
def export_csv(request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
    """Every post of the current persona with its numbers, streamed (any number of posts)."""
    persona = current_persona(request, request.workspace)
    if persona is None:
        return redirect("persona_create")
    rows = itertools.chain(
        [selectors.EXPORT_COLUMNS],
        selectors.posts_for_export(persona).iterator(chunk_size=2000),
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="posts-{persona.pk}-{stamp}.csv"'
    return response
