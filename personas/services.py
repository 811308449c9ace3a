from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import limits
from accounts.models import Workspace
from accounts.permissions import Action, require
from personas.models import Persona

EDITABLE_FIELDS = ("name", "platform", "description", "language", "timezone")


@transaction.atomic
def persona_create(*, workspace: Workspace, role: str, data: dict[str, Any]) -> Persona:
    require(role, Action.EDIT)
    limits.check(
        "personas", workspace.pk, workspace.personas.filter(archived_at__isnull=True).count()
    )
    return Persona.objects.create(
        workspace=workspace, **{field: data[field] for field in EDITABLE_FIELDS if field in data}
    )


@transaction.atomic
def persona_update(*, persona: Persona, role: str, data: dict[str, Any]) -> Persona:
    require(role, Action.EDIT)
    # Compare with the stored row: a ModelForm has already copied its values onto `persona`.
    persona = Persona.objects.select_for_update().get(pk=persona.pk)
    changed = [f for f in EDITABLE_FIELDS if f in data and getattr(persona, f) != data[f]]
    for field in changed:
        setattr(persona, field, data[field])
    if changed:
        persona.save(update_fields=[*changed, "updated_at"])
    return persona


@transaction.atomic
def persona_set_archived(*, persona: Persona, role: str, archived: bool) -> Persona:
    """Archiving hides a persona from the switcher and planning; nothing is deleted."""
    require(role, Action.EDIT)
    persona.archived_at = timezone.now() if archived else None
    persona.save(update_fields=["archived_at", "updated_at"])
    return persona


def persona_lock(persona: Persona | int) -> None:
    """Serialise writes into one persona until the current transaction ends.

    Imports, voice versions, analyses. Every app locks a persona through this, never by hand."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("persona_lock() needs a transaction to hold the lock in.")
    pk = persona if isinstance(persona, int) else persona.pk
    Persona.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).first()


def persona_posts_changed(persona_id: int) -> None:
    """The persona's posts changed (added, edited, deleted, measured, embedded, ranked).

    What pages cached about them is out of date (`Persona.posts_version`).

    Inside a transaction, call it holding `persona_lock` (taken before any post row), so
    writers always lock the persona first and the posts after: no deadlock."""
    Persona.objects.filter(pk=persona_id).update(posts_version=F("posts_version") + 1)
