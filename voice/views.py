from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require
from accounts.selectors import get_object_for
from core.http import render_form, say_refusal
from core.jobs import ACTIVE, JobProgress, JobStatus, poll_response
from personas.middleware import PersonaRequest, persona_view
from personas.models import Persona
from posts.selectors import persona_post_stats, post_stats_key
from voice import selectors, services
from voice.forms import OverlayForm, OverrideForm
from voice.models import Overlay, VoiceAnalysis, VoiceProfile
from voice.overrides import reviewable_patterns


def _version(
    request: WorkspaceRequest, voice_profile_id: int, action: Action = Action.VIEW
) -> VoiceProfile:
    return get_object_for(
        request.user,
        VoiceProfile,
        voice_profile_id,
        action=action,
        queryset=VoiceProfile.objects.select_related("persona"),
    )


def _analysis_job(analysis: VoiceAnalysis) -> JobProgress:
    return JobProgress.of(
        analysis,
        region="analysis-progress",
        poll_url=reverse("voice_analysis_progress", args=[analysis.pk]),
        title="Analysing your voice…",
        error=f"The last analysis failed: {analysis.error}",
        done_text="Analysis finished.",
        done_url=reverse("voice_page"),
        done_link="Show the new version",
    )


def _page_context(
    request: HttpRequest,
    persona: Persona,
    version: VoiceProfile | None,
    latest: VoiceProfile | None,
) -> dict:
    analysis = selectors.latest_analysis(persona)
    return {
        "persona": persona,
        "version": version,
        "is_latest": version is not None and latest is not None and version.pk == latest.pk,
        "analysis": analysis,
        # the progress fragment shows only while one runs or after one failed
        "analysis_job": _analysis_job(analysis)
        if analysis and (analysis.status in ACTIVE or analysis.status == JobStatus.FAILED)
        else None,
        "running": analysis is not None and analysis.status in ACTIVE,
        "post_count": persona_post_stats(persona)["total"],
        "min_posts": selectors.MIN_POSTS,
        "patterns": reviewable_patterns(version.profile) if version else [],
        "drift": services.drift_report(version)
        if version and version.pk == getattr(latest, "pk", None)
        else [],
    }


def _voice_page_reads(persona_id: int) -> list[str]:
    return [
        selectors.current_voice_key(persona_id),
        selectors.latest_analysis_key(persona_id),
        post_stats_key(persona_id),
    ]


@persona_view(
    missing="Create a persona first: each voice belongs to one persona.", reads=_voice_page_reads
)
def voice_page(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    version = selectors.current_voice(persona)
    return render(request, "voice/page.html", _page_context(request, persona, version, version))


@workspace_view
def version_detail(request: WorkspaceRequest, voice_profile_id: int) -> HttpResponse:
    version = _version(request, voice_profile_id)
    latest = selectors.current_voice(version.persona)
    return render(
        request, "voice/page.html", _page_context(request, version.persona, version, latest)
    )


@persona_view()
@require_POST
def analyse(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    try:
        services.analysis_request(persona=persona, role=request.membership.role, user=request.user)
    except ValidationError as error:
        say_refusal(request, error)
    return redirect("voice_page")


@workspace_view
def analysis_progress(request: WorkspaceRequest, voice_analysis_id: int) -> HttpResponse:
    analysis = get_object_for(request.user, VoiceAnalysis, voice_analysis_id)
    # Once done the page reloads to show the new version; a failure stays in the fragment.
    return poll_response(
        request, _analysis_job(analysis), refresh=analysis.status == JobStatus.DONE
    )


@workspace_view
@require_POST
def override(request: WorkspaceRequest, voice_profile_id: int) -> HttpResponse:
    version = _version(request, voice_profile_id, Action.EDIT)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That answer could not be read; try again.")
        return redirect("voice_page")
    try:
        new = services.override_set(
            version=version, role=version.user_role, user=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        say_refusal(request, error)
        return redirect("voice_page")
    messages.success(
        request, f"Saved in version {new.version}. Later versions (and rollbacks) keep your answer."
    )
    return redirect("voice_page")


@workspace_view
@require_POST
def rollback(request: WorkspaceRequest, voice_profile_id: int) -> HttpResponse:
    version = _version(request, voice_profile_id, Action.EDIT)
    new = services.version_rollback(version=version, role=version.user_role, user=request.user)
    messages.success(
        request,
        f"Version {new.version} brings back version {version.version}'s findings; "
        "your answers stay applied.",
    )
    return redirect("voice_page")


@persona_view()
def history(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    versions = selectors.voice_history(persona).only(
        "id", "version", "origin", "created_at", "post_count", "is_archived", "summary"
    )
    return render(
        request,
        "voice/history.html",
        {
            "persona": persona,
            "versions": versions,
        },
    )


@workspace_view
def compare(request: WorkspaceRequest) -> HttpResponse:
    try:
        ids = [int(request.GET["a"]), int(request.GET["b"])]
    except (KeyError, ValueError):
        messages.error(request, "Choose two versions to compare.")
        return redirect("voice_history")
    left, right = (_version(request, pk) for pk in sorted(ids))
    if left.persona_id != right.persona_id:
        messages.error(request, "Compare two versions of the same persona.")
        return redirect("voice_history")
    current = selectors.current_voice(left.persona)
    context = {
        "left": left,
        "right": right,
        "persona": left.persona,
        "current_id": current.pk if current else None,
        "changes": selectors.version_changes(left.profile, right.profile),
    }
    return render(request, "voice/compare.html", context)


@persona_view()
def overlays(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    form = OverlayForm(request.POST or None, persona=persona)
    if request.method == "POST":
        require(request.membership.role, Action.EDIT)
        if form.is_valid():
            overlay = services.overlay_save(
                persona=persona, role=request.membership.role, data=form.cleaned_data
            )
            messages.success(request, f"Overlay “{overlay.name}” saved.")
            return redirect("voice_overlays")
    context = {
        "persona": persona,
        "overlays": selectors.overlays_of(persona),
        "form": form,
    }
    return render_form(request, "voice/overlays.html", context, form=form)


@workspace_view
def overlay_edit(request: WorkspaceRequest, overlay_id: int) -> HttpResponse:
    overlay = get_object_for(
        request.user,
        Overlay,
        overlay_id,
        action=Action.EDIT,
        queryset=Overlay.objects.select_related("persona"),
    )
    form = OverlayForm(request.POST or None, instance=overlay, persona=overlay.persona)
    if request.method == "POST" and form.is_valid():
        services.overlay_save(
            persona=overlay.persona, role=overlay.user_role, data=form.cleaned_data, overlay=overlay
        )
        messages.success(request, f"Overlay “{overlay.name}” saved.")
        return redirect("voice_overlays")
    return render_form(
        request, "voice/overlay_form.html", {"form": form, "overlay": overlay}, form=form
    )


@workspace_view
@require_POST
def overlay_delete(request: WorkspaceRequest, overlay_id: int) -> HttpResponse:
    overlay = get_object_for(request.user, Overlay, overlay_id, action=Action.EDIT)
    services.overlay_delete(overlay=overlay, role=overlay.user_role)
    messages.success(request, f"Overlay “{overlay.name}” deleted.")
    return redirect("voice_overlays")
