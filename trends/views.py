from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require
from accounts.selectors import get_object_for
from core.http import render_form
from core.zones import viewer_zone
from personas.middleware import PersonaRequest, persona_view
from pillars.selectors import latest_discovery
from trends import selectors, services
from trends.forms import SourceForm, StanceForm
from trends.models import PersonaTrend, Stance, TrendSource


@persona_view()
def trends_page(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    context = {
        "persona": persona,
        "trends": selectors.trends_for(persona),
        "sources": list(selectors.sources_of(request.workspace)),
        "has_pillars": latest_discovery(persona) is not None,
    }
    return render(request, "trends/trends.html", context)


@workspace_view
@require_POST
def scan(request: WorkspaceRequest) -> HttpResponse:
    count = services.scan_now(workspace=request.workspace, role=request.membership.role)
    if count:
        messages.success(request, f"Scanning {count} sources; new trends appear here shortly.")
    else:
        messages.info(request, "Add a source first.")
    return redirect("trends")


@workspace_view
@sensitive_post_parameters("secret")
@viewer_zone
def sources(request: WorkspaceRequest) -> HttpResponse:
    form = SourceForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST":
        require(request.membership.role, Action.EDIT)
        if form.is_valid():
            try:
                source = services.source_save(
                    workspace=request.workspace,
                    role=request.membership.role,
                    data=form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Source “{source.name}” added; it is read shortly.")
                return redirect("trend_sources")
    context = {
        "sources": selectors.sources_of(request.workspace),
        "form": form,
    }
    return render_form(request, "trends/sources.html", context, form=form)


@workspace_view
@sensitive_post_parameters("secret")
def source_edit(request: WorkspaceRequest, trend_source_id: int) -> HttpResponse:
    source = get_object_for(request.user, TrendSource, trend_source_id, action=Action.EDIT)
    form = SourceForm(request.POST or None, instance=source, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            services.source_save(
                workspace=source.workspace,
                role=source.user_role,
                data=form.cleaned_data,
                source=source,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Source “{source.name}” saved.")
            return redirect("trend_sources")
    return render_form(
        request, "trends/source_form.html", {"form": form, "source": source}, form=form
    )


@workspace_view
@require_POST
def source_delete(request: WorkspaceRequest, trend_source_id: int) -> HttpResponse:
    source = get_object_for(request.user, TrendSource, trend_source_id, action=Action.EDIT)
    services.source_delete(source=source, role=source.user_role)
    messages.success(request, f"Source “{source.name}” removed.")
    return redirect("trend_sources")


@persona_view()
def stances(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    form = StanceForm(request.POST or None)
    if request.method == "POST":
        require(request.membership.role, Action.EDIT)
        if form.is_valid():
            try:
                services.stance_add(
                    persona=persona, role=request.membership.role, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Position saved; trends are checked against it.")
                return redirect("trend_stances")
    context = {
        "persona": persona,
        "stances": selectors.stances_of(persona),
        "opinions": [p for p in services.positions_of(persona) if p[0] == "believe"],
        "form": form,
    }
    return render_form(request, "trends/stances.html", context, form=form)


@workspace_view
@require_POST
def stance_delete(request: WorkspaceRequest, stance_id: int) -> HttpResponse:
    stance = get_object_for(request.user, Stance, stance_id, action=Action.EDIT)
    services.stance_delete(stance=stance, role=stance.user_role)
    return redirect("trend_stances")


def _trend(request: WorkspaceRequest, persona_trend_id: int) -> PersonaTrend:
    return get_object_for(
        request.user,
        PersonaTrend,
        persona_trend_id,
        action=Action.EDIT,
        queryset=PersonaTrend.objects.select_related("item", "persona", "topic"),
    )


@workspace_view
@require_POST
def make_topic(request: WorkspaceRequest, persona_trend_id: int) -> HttpResponse:
    trend = _trend(request, persona_trend_id)
    topic = services.trend_make_topic(persona_trend=trend, role=trend.user_role, user=request.user)
    messages.success(request, f"“{topic.title}” is in your ideas inbox; it is being scored.")
    return redirect("trends")


@workspace_view
@require_POST
def write_now(request: WorkspaceRequest, persona_trend_id: int) -> HttpResponse:
    """Make it an idea and open the Write page with it filled in."""
    trend = _trend(request, persona_trend_id)
    topic = services.trend_make_topic(persona_trend=trend, role=trend.user_role, user=request.user)
    params = {"topic": topic.title, "idea": topic.pk}
    if trend.pillar_id:
        params["pillar"] = trend.pillar_id
    return redirect(f"{reverse('generate')}?{urlencode(params)}")


@workspace_view
@require_POST
def dismiss(request: WorkspaceRequest, persona_trend_id: int) -> HttpResponse:
    trend = _trend(request, persona_trend_id)
    services.trend_dismiss(persona_trend=trend, role=trend.user_role)
    messages.success(request, f"“{trend.item.title}” dismissed.")
    return redirect("trends")
