from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require
from accounts.selectors import get_object_for
from core.http import render_form, safe_next_url
from personas import services
from personas.forms import PersonaForm
from personas.models import Persona
from personas.selectors import personas_of, remember_persona


@workspace_view
def persona_list(request: WorkspaceRequest) -> HttpResponse:
    return render(
        request,
        "personas/list.html",
        {
            "personas": personas_of(request.workspace),
            "archived": personas_of(request.workspace, archived=True),
        },
    )


@workspace_view
def persona_create(request: WorkspaceRequest) -> HttpResponse:
    require(request.membership.role, Action.EDIT)
    form = PersonaForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        persona = services.persona_create(
            workspace=request.workspace, role=request.membership.role, data=form.cleaned_data
        )
        remember_persona(request, persona)
        messages.success(request, f"Persona “{persona.name}” created.")
        return redirect("persona_list")
    return render_form(request, "personas/form.html", {"form": form}, form=form)


@workspace_view
def persona_edit(request: WorkspaceRequest, persona_id: int) -> HttpResponse:
    persona = get_object_for(request.user, Persona, persona_id, action=Action.EDIT)
    form = PersonaForm(request.POST or None, instance=persona, workspace=persona.workspace)
    if request.method == "POST" and form.is_valid():
        services.persona_update(persona=persona, role=persona.user_role, data=form.cleaned_data)
        messages.success(request, f"Saved “{persona.name}”.")
        return redirect("persona_list")
    return render_form(request, "personas/form.html", {"form": form, "persona": persona}, form=form)


@workspace_view
@require_POST
def persona_set_archived(
    request: WorkspaceRequest, persona_id: int, archived: bool
) -> HttpResponse:
    persona = get_object_for(request.user, Persona, persona_id, action=Action.EDIT)
    services.persona_set_archived(persona=persona, role=persona.user_role, archived=archived)
    if archived:
        messages.success(request, f"Archived “{persona.name}”. You can restore it any time.")
    else:
        messages.success(request, f"Restored “{persona.name}”.")
    return redirect("persona_list")


@workspace_view
@require_POST
def persona_switch(request: WorkspaceRequest, persona_id: int) -> HttpResponse:
    persona = get_object_for(request.user, Persona, persona_id)
    remember_persona(request, persona)
    return redirect(safe_next_url(request, reverse("dashboard")))
