from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.middleware import workspace_view
from accounts.permissions import Action, role_allows
from accounts.selectors import get_object_for
from contentapp.http import render_form
from generation import selectors, services
from generation.forms import DraftForm, GenerateForm, RefineForm, RejectForm
from generation.models import Generation, Variation
from personas.selectors import current_persona


def _generation(request: HttpRequest, generation_id: int, action: Action = Action.VIEW):
    return get_object_for(
        request.user,
        Generation,
        generation_id,
        action=action,
        queryset=Generation.objects.select_related("persona", "overlay"),
    )


def _variation(request: HttpRequest, variation_id: int) -> Variation:
    return get_object_for(
        request.user,
        Variation,
        variation_id,
        action=Action.EDIT,
        queryset=Variation.objects.select_related("generation__persona__workspace"),
    )


@workspace_view
def generate(request: HttpRequest) -> HttpResponse:
    persona = current_persona(request, request.workspace)
    if persona is None:
        messages.info(request, "Create a persona first: drafts are written in a persona's voice.")
        return redirect("persona_create")
    form = GenerateForm(request.POST or None, persona=persona)
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
        "has_voice": services.current_version(persona) is not None,
        "can_edit": role_allows(request.membership.role, Action.EDIT),
        "recent": persona.generations.order_by("-created_at")[:10],
    }
    return render_form(request, "generation/generate.html", context, form=form)


def _detail_context(request: HttpRequest, generation: Generation) -> dict:
    variations = list(generation.variations.prefetch_related("messages"))
    return {
        "generation": generation,
        "persona": generation.persona,
        "running": generation.status in services.ACTIVE,
        "variations": variations,
        "low_match": services.LOW_MATCH,
        "reject_form": RejectForm(),
        "can_edit": role_allows(generation.user_role, Action.EDIT),
        "refine_left": services.MAX_REFINE_MESSAGES
        - sum(1 for v in variations for m in v.messages.all() if m.role == "user"),
    }


@workspace_view
def generation_detail(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = _generation(request, generation_id)
    return render(request, "generation/detail.html", _detail_context(request, generation))


@workspace_view
def generation_progress(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = _generation(request, generation_id)
    running = generation.status in services.ACTIVE
    response = render(
        request, "generation/_progress.html", {"generation": generation, "running": running}
    )
    if not running:
        response.status_code = 286  # stops htmx polling; the page reloads with the drafts
        response["HX-Refresh"] = "true"
    return response


@workspace_view
@require_POST
def generation_retry(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = _generation(request, generation_id, Action.EDIT)
    try:
        new = services.generation_retry(
            generation=generation, user=request.user, role=generation.user_role
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("generation_detail", generation.pk)
    return redirect("generation_detail", new.pk)


def _card(request: HttpRequest, variation: Variation, **extra: object) -> HttpResponse:
    generation = variation.generation
    if not request.htmx:
        return redirect("generation_detail", generation.pk)
    variation = Variation.objects.prefetch_related("messages").get(pk=variation.pk)
    context = {
        "v": variation,
        "generation": generation,
        "low_match": services.LOW_MATCH,
        "reject_form": extra.pop("reject_form", RejectForm()),
        "can_edit": True,
        **extra,
    }
    return render(request, "generation/_variation.html", context)


def _act(request: HttpRequest, variation_id: int, action, form_class=None) -> HttpResponse:
    variation = _variation(request, variation_id)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        error = " ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, error)
        return _card(
            request,
            variation,
            error=error,
            **({"reject_form": form} if form_class is RejectForm else {}),
        )
    try:
        done = action(variation, form.cleaned_data if form else {})
    except ValidationError as error:
        text = " ".join(error.messages)
        messages.error(request, text)
        return _card(request, variation, error=text, typed=request.POST.get("message", ""))
    return _card(request, done)


@workspace_view
@require_POST
def variation_accept(request: HttpRequest, variation_id: int) -> HttpResponse:
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
def variation_reject(request: HttpRequest, variation_id: int) -> HttpResponse:
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
def variation_edit(request: HttpRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        out = services.variation_edit(
            variation=v, role=v.user_role, user=request.user, text=data["text"]
        )
        messages.success(request, f"Saved. Voice match now {out.score}.")
        return out

    return _act(request, variation_id, act, DraftForm)


@workspace_view
@require_POST
def variation_refine(request: HttpRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        return services.variation_refine(
            variation=v, role=v.user_role, user=request.user, message=data["message"]
        )

    return _act(request, variation_id, act, RefineForm)


@workspace_view
@require_POST
def variation_regenerate(request: HttpRequest, variation_id: int) -> HttpResponse:
    def act(v: Variation, data: dict) -> Variation:
        return services.variation_regenerate(variation=v, role=v.user_role, user=request.user)

    return _act(request, variation_id, act)


@workspace_view
def feedback(request: HttpRequest) -> HttpResponse:
    persona = current_persona(request, request.workspace)
    if persona is None:
        return redirect("persona_create")
    return render(
        request,
        "generation/feedback.html",
        {"persona": persona, "summary": selectors.feedback_summary(persona)},
    )


@workspace_view
def usage(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "generation/usage.html",
        {"workspace": request.workspace, "usage": selectors.usage_summary(request.workspace)},
    )
