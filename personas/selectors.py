from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest

from accounts.models import Workspace
from personas.models import Persona


def personas_of(workspace: Workspace, *, archived: bool = False) -> QuerySet[Persona]:
    return workspace.personas.filter(archived_at__isnull=not archived).order_by(Lower("name"))


def _session_key(workspace_id: int) -> str:
    return f"persona_id:{workspace_id}"


def current_persona(request: HttpRequest, workspace: Workspace) -> Persona | None:
    """The persona chosen in this workspace (kept per workspace in the session), else the
    first active one."""
    active = workspace.personas.filter(archived_at__isnull=True)
    chosen = request.session.get(_session_key(workspace.pk))
    persona = active.filter(pk=chosen).first() if chosen else None
    return persona or active.order_by("name").first()


def remember_persona(request: HttpRequest, persona: Persona) -> None:
    request.session[_session_key(persona.workspace_id)] = persona.pk
