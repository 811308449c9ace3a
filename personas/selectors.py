from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest

from accounts.models import Workspace
from core.cache import remembered
from personas.models import Persona


def personas_of(workspace: Workspace, *, archived: bool = False) -> QuerySet[Persona]:
    return workspace.personas.filter(archived_at__isnull=not archived).order_by(Lower("name"))


def _session_key(workspace_id: int) -> str:
    return f"persona_id:{workspace_id}"


# How long a workspace's persona list stays cached at most. Every change to a persona clears
# it (personas.apps, `persona_posts_changed`); this bounds one made while Redis was unreachable.
PERSONAS_CACHED_SECONDS = 30


def active_personas_key(workspace_id: int) -> str:
    return f"personas:active:{workspace_id}"


def active_personas(request: HttpRequest, workspace: Workspace) -> list[Persona]:
    """The workspace's active personas by name, read once per request.

    The switcher, the current persona and the dashboard share them; they come from the cache
    (every page needs them: a query there costs a page more CPU than the cache read)."""
    per_request = request.__dict__.setdefault("_active_personas", {})
    if workspace.pk not in per_request:
        per_request[workspace.pk] = remembered(
            active_personas_key(workspace.pk),
            lambda: list(personas_of(workspace)),
            PERSONAS_CACHED_SECONDS,
        )
    return cast(list[Persona], per_request[workspace.pk])


def chosen_persona_id(request: HttpRequest, workspace_id: int) -> int | None:
    """The persona the session chose in this workspace (it may since have been archived)."""
    chosen = request.session.get(_session_key(workspace_id))
    return int(chosen) if chosen is not None else None


def current_persona(request: HttpRequest, workspace: Workspace) -> Persona | None:
    """The persona chosen in this workspace, else the first active one by name (then chosen).

    Kept per workspace in the session, where the zone middleware finds it to read the page's
    entries about it ahead (`personas.middleware.reads_ahead`)."""
    personas = active_personas(request, workspace)
    if not personas:
        return None
    chosen = request.session.get(_session_key(workspace.pk))
    persona = next((p for p in personas if p.pk == chosen), None)
    if persona is None:  # kept as the choice, as the workspace is: later pages name it
        persona = personas[0]
        request.session[_session_key(workspace.pk)] = persona.pk
    return persona


def remember_persona(request: HttpRequest, persona: Persona) -> None:
    request.session[_session_key(persona.workspace_id)] = persona.pk
    request.__dict__.pop("_active_personas", None)  # it may be new: list them again


def persona_by_id(persona_id: int) -> Persona | None:
    """For operator commands at the shell only (no tenancy there); views use get_object_for."""
    return Persona.objects.filter(pk=persona_id).first()


def all_persona_ids() -> list[int]:
    """Every persona, for operator commands at the shell (`embed_posts --all`)."""
    return list(Persona.objects.order_by("pk").values_list("pk", flat=True))


def persona_named(workspace: Workspace, name: str) -> Persona | None:
    return workspace.personas.filter(name=name).first()


def persona_ids_of(workspace_id: int) -> list[int]:
    """The ids of the workspace's active personas."""
    return list(
        Persona.objects.filter(workspace_id=workspace_id, archived_at__isnull=True).values_list(
            "id", flat=True
        )
    )
