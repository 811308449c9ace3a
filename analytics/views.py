from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.middleware import WorkspaceRequest, workspace_view
from analytics import selectors
from analytics.forms import PeriodForm
from core.spreadsheet import csv_lines
from core.zones import viewer_zone
from personas.middleware import PersonaRequest, persona_view
from personas.models import Persona
from personas.selectors import personas_of
from pillars.selectors import pillars_with_stats


def _period(request: HttpRequest, persona: Persona) -> tuple[selectors.Period, PeriodForm]:
    """The period asked for, else the one remembered, else the default.

    Then remembered for this persona. The last 90 days, or all time for an archive with nothing
    recent."""
    key = f"analytics_period:{persona.pk}"
    form = PeriodForm(request.GET if "range" in request.GET else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        request.session[key] = {
            "range": data["range"],
            "start": data["start"].isoformat() if data.get("start") else "",
            "end": data["end"].isoformat() if data.get("end") else "",
        }
    saved = request.session.get(key)
    if saved:
        period = selectors.period_of(
            persona,
            saved["range"],
            date.fromisoformat(saved["start"]) if saved.get("start") else None,
            date.fromisoformat(saved["end"]) if saved.get("end") else None,
        )
    else:
        period = selectors.default_period(persona)
    if not form.is_bound:
        form = PeriodForm(initial={"range": period.key, "start": period.first, "end": period.last})
    return period, form


@persona_view()
def analytics_page(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    period, form = _period(request, persona)
    weeks = selectors.weekly_engagement(persona, period)
    first, last = selectors.posts_span(persona)
    context = {
        "persona": persona,
        "period": period,
        "period_form": form,
        "posts_from": first,
        "posts_to": last,
        "weeks": weeks,
        "points": selectors.chart_points(weeks),
        "chart_max": max((w["interactions"] or 0 for w in weeks), default=0),
        "times": selectors.posting_times(persona, period),
        "streaks": selectors.streaks(persona),
        "ranked": selectors.top_and_bottom(persona, period),
        "pillars": pillars_with_stats(persona)["pillars"],
    }
    return render(request, "analytics/analytics.html", context)


@workspace_view
@viewer_zone
def workspace_page(request: WorkspaceRequest) -> HttpResponse:
    personas = list(personas_of(request.workspace))
    choices = {"30": 30, "90": 90, "365": 365, "all": None}
    chosen = request.GET.get("days") or request.session.get("analytics_workspace_days") or "30"
    chosen = chosen if chosen in choices else "30"
    request.session["analytics_workspace_days"] = chosen
    context = {
        "summary": selectors.workspace_summary(personas, days=choices[chosen]),
        "days": chosen,
        "day_choices": [
            ("30", "Last 30 days"),
            ("90", "Last 90 days"),
            ("365", "Last 12 months"),
            ("all", "All time"),
        ],
    }
    return render(request, "analytics/workspace.html", context)


@persona_view()
def export_csv(request: PersonaRequest) -> StreamingHttpResponse | HttpResponse:
    """Every post of the current persona with its numbers, streamed (any number of posts)."""
    persona = request.persona
    period, _ = _period(request, persona)
    rows: Iterable[Iterable[object]] = itertools.chain(
        [selectors.EXPORT_COLUMNS],
        selectors.posts_for_export(persona, period).iterator(chunk_size=2000),
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="posts-{persona.pk}-{stamp}.csv"'
    return response
