from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require, role_allows
from accounts.selectors import get_object_for
from core.http import render_form, say_refusal
from core.jobs import ACTIVE, JobProgress, JobStatus, poll_response
from core.zones import viewer_zone
from generation import selectors, services
from generation.forms import DraftForm, GenerateForm, RefineForm, RejectForm
from generation.kit import draft_kit
from generation.models import (
    Generation,
    Lesson,
    Rewrite,
    RewriteKind,
    Variation,
    VariationStatus,
)
from llm.selectors import has_writing_model, usage_summary
from personas.middleware import PersonaRequest, persona_view, show_times_for
from personas.selectors import personas_of
from voice.selectors import latest_voice_version


def _generation(request: WorkspaceRequest, generation_id: int, action: Action = Action.VIEW):
    return get_object_for(
        request.user,
        Generation,
        generation_id,
        action=action,
        queryset=Generation.objects.select_related("persona", "overlay"),
    )


def _variation(request: WorkspaceRequest, variation_id: int) -> Variation:
    return get_object_for(
        request.user,
        Variation,
        variation_id,
        action=Action.EDIT,
        queryset=Variation.objects.select_related("generation__persona__workspace"),
    )


@persona_view(missing="Create a persona first: drafts are written in a persona's voice.")
def generate(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    if request.method == "POST":
        require(request.membership.role, Action.EDIT)  # before looking at the form
    # "Write this" from the ideas inbox or a trend arrives with the fields filled in.
    prefill = {
        k: request.GET[k] for k in ("topic", "pillar", "opening", "idea") if k in request.GET
    }
    form = GenerateForm(request.POST or None, persona=persona, initial=prefill)
    if request.method == "POST" and form.is_valid():
        try:
            generation = services.generation_request(
                persona=persona,
                user=request.user,
                role=request.membership.role,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("generation_detail", generation.pk)
    context = {
        "persona": persona,
        "form": form,
        "has_voice": latest_voice_version(persona, fields=("id",)) is not None,
        "recent": persona.generations.order_by("-created_at")[:10],
        "has_model": has_writing_model(persona.workspace_id),
    }
    return render_form(request, "generation/generate.html", context, form=form)


@persona_view()
def kit(request: PersonaRequest) -> HttpResponse:
    """Write it yourself: the creator's own hooks, shape, lines on the topic and closing."""
    persona = request.persona
    topic = request.GET.get("topic", "").strip()[:300]
    context = {
        "persona": persona,
        "topic": topic,
        "kit": draft_kit(persona, topic) if topic else None,
        "has_model": has_writing_model(persona.workspace_id),
    }
    return render(request, "generation/kit.html", context)


@workspace_view
def history(request: WorkspaceRequest) -> HttpResponse:
    """Every draft written in this workspace, to find an accepted one again."""
    personas = list(personas_of(request.workspace))
    persona_id = request.GET.get("persona", "")
    status = request.GET.get("status", "")
    page = request.GET.get("page", "1")
    drafts, more = selectors.draft_history(
        request.workspace,
        query=request.GET.get("q", "")[:200],
        persona_id=int(persona_id) if persona_id.isdigit() else None,
        status=status if status in VariationStatus.values else "",
        page=int(page) if page.isdigit() else 1,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "drafts": drafts,
        "personas": personas,
        "statuses": VariationStatus.choices,
        "chosen": {"q": request.GET.get("q", ""), "persona": persona_id, "status": status},
        "page": int(page) if page.isdigit() else 1,
        "more": more,
        "query": query.urlencode(),
    }
    return render(request, "generation/history.html", context)


def _generation_job(generation: Generation) -> JobProgress:
    return JobProgress.of(
        generation,
        region="generation-progress",
        poll_url=reverse("generation_progress", args=[generation.pk]),
        title="Writing…",
        done_url=reverse("generation_detail", args=[generation.pk]),
        done_link="Show the drafts",
    )


def _rewrite_job(rewrite: Rewrite) -> JobProgress:
    refine = rewrite.kind == RewriteKind.REFINE
    job = JobProgress.of(
        rewrite,
        region=f"rewrite-{rewrite.pk}",
        poll_url=reverse("rewrite_progress", args=[rewrite.pk]),
        title="Refining…" if refine else "Writing a new draft…",
        error=services.rewrite_failure_message(rewrite),
        done_text="Rewritten.",
    )
    # A refinement shows what was asked for while it runs.
    return replace(job, stage=f"“{rewrite.message}”: {job.stage}") if refine else job


def _with_messages_and_rewrites(variations):
    """Drafts with their chat and their running rewrite, in three queries whatever their number.

    `active_rewrites`."""
    return variations.prefetch_related(
        "messages",
        Prefetch(
            "rewrites",
            queryset=Rewrite.objects.filter(status__in=ACTIVE),
            to_attr="active_rewrites",
        ),
    )


def _detail_context(request: HttpRequest, generation: Generation) -> dict:
    variations = list(_with_messages_and_rewrites(generation.variations.all()))
    for variation in variations:
        variation.rewrite_job = (
            _rewrite_job(variation.active_rewrites[0]) if variation.active_rewrites else None
        )
    return {
        "generation": generation,
        "generation_job": _generation_job(generation),
        "persona": generation.persona,
        "running": generation.status in ACTIVE,
        "variations": variations,
        "low_match": services.LOW_MATCH,
        "reject_form": RejectForm(),
        "can_edit": role_allows(generation.user_role, Action.EDIT),
        "refine_left": services.MAX_REFINE_MESSAGES - services.refine_messages_used(generation.pk),
        # Said plainly: without a model these are sketches from the creator's own lines.
        "offline_only": bool(variations) and all(v.provider == "offline" for v in variations),
    }


@workspace_view
def generation_detail(request: WorkspaceRequest, generation_id: int) -> HttpResponse:
    generation = _generation(request, generation_id)
    show_times_for(request, generation.persona)
    return render(request, "generation/detail.html", _detail_context(request, generation))


@workspace_view
def generation_progress(request: WorkspaceRequest, generation_id: int) -> HttpResponse:
    generation = _generation(request, generation_id)
    # Done or failed, the page reloads with the drafts (or the error and a Retry button).
    return poll_response(request, _generation_job(generation), refresh=True)


@workspace_view
def rewrite_progress(request: WorkspaceRequest, rewrite_id: int) -> HttpResponse:
    rewrite = get_object_for(request.user, Rewrite, rewrite_id)
    # Done: the page reloads with the new draft; a failure stays in the card, said plainly.
    return poll_response(request, _rewrite_job(rewrite), refresh=rewrite.status == JobStatus.DONE)


@workspace_view
@require_POST
def generation_retry(request: WorkspaceRequest, generation_id: int) -> HttpResponse:
    generation = _generation(request, generation_id, Action.EDIT)
    try:
        new = services.generation_retry(
            generation=generation, user=request.user, role=generation.user_role
        )
    except ValidationError as error:
        say_refusal(request, error)
        return redirect("generation_detail", generation.pk)
    return redirect("generation_detail", new.pk)


def _card(request: WorkspaceRequest, variation: Variation, **extra: object) -> HttpResponse:
    generation = variation.generation
    if not request.htmx:
        return redirect("generation_detail", generation.pk)
    variation = _with_messages_and_rewrites(Variation.objects.filter(pk=variation.pk)).get()
    variation.rewrite_job = (
        _rewrite_job(variation.active_rewrites[0]) if variation.active_rewrites else None
    )
    context = {
        "v": variation,
        "generation": generation,
        "low_match": services.LOW_MATCH,
        "reject_form": extra.pop("reject_form", RejectForm()),
        "can_edit": True,
        **extra,
    }
    response = render(request, "generation/_variation.html", context)
    # The page's counter follows (an out-of-band swap next to the card).
    left = services.MAX_REFINE_MESSAGES - services.refine_messages_used(generation.pk)
    response.write(
        render_to_string("generation/_refine_left.html", {"refine_left": left, "oob": True})
    )
    return response


def _act(
    request: WorkspaceRequest,
    variation_id: int,
    action: Callable[[Variation, dict[str, Any]], Variation],
    form_class: type[forms.Form] | None = None,
) -> HttpResponse:
    variation = _variation(request, variation_id)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        if form_class is RejectForm:  # the reject form shows its errors beside its fields
            return _card(request, variation, reject_form=form)
        error = " ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, error)
        return _card(request, variation, error=error)
    try:
        done = action(variation, form.cleaned_data if form else {})
    except ValidationError as error:
        text = " ".join(error.messages)
        messages.error(request, text)
        return _card(request, variation, error=text, typed=request.POST.get("message", ""))
    return _card(request, done)


@workspace_view
@require_POST
def variation_accept(request: WorkspaceRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        out = services.variation_accept(
            variation=v,
            role=v.user_role,
            user=request.user,
            final_text=request.POST.get("text") or None,
        )
        messages.success(request, "Accepted. Future drafts learn from it.")
        return out

    return _act(request, variation_id, act)


@workspace_view
@require_POST
def variation_reject(request: WorkspaceRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        out = services.variation_reject(
            variation=v,
            role=v.user_role,
            user=request.user,
            reasons=data["reasons"],
            note=data["note"],
        )
        messages.success(request, "Rejected. The next drafts take your reasons into account.")
        return out

    return _act(request, variation_id, act, RejectForm)


@workspace_view
@require_POST
def variation_edit(request: WorkspaceRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        out = services.variation_edit(
            variation=v, role=v.user_role, user=request.user, text=data["text"]
        )
        messages.success(request, f"Saved. Voice match now {out.score}.")
        return out

    return _act(request, variation_id, act, DraftForm)


@workspace_view
@require_POST
def variation_refine(request: WorkspaceRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        services.variation_refine(
            variation=v, role=v.user_role, user=request.user, message=data["message"]
        )
        return v  # the card shows the refinement's progress

    return _act(request, variation_id, act, RefineForm)


@workspace_view
@require_POST
def variation_regenerate(request: WorkspaceRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        services.variation_regenerate(variation=v, role=v.user_role, user=request.user)
        return v  # the card shows the new draft's progress

    return _act(request, variation_id, act)


@persona_view()
def feedback(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    return render(
        request,
        "generation/feedback.html",
        {
            "persona": persona,
            "summary": selectors.feedback_summary(persona),
        },
    )


@workspace_view
@viewer_zone
def usage(request: WorkspaceRequest) -> HttpResponse:
    return render(
        request,
        "generation/usage.html",
        {"workspace": request.workspace, "usage": usage_summary(request.workspace)},
    )


@workspace_view
@require_POST
def lesson_delete(request: WorkspaceRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_for(request.user, Lesson, lesson_id, action=Action.EDIT)
    services.lesson_delete(lesson=lesson, role=lesson.user_role)
    messages.success(request, f"Lesson “{lesson.value}” dropped: new drafts no longer apply it.")
    return redirect("generation_feedback")
