from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts import limits
from accounts.models import Workspace
from accounts.permissions import Action, require
from core.cache import forget
from personas.models import Persona
from personas.selectors import active_personas_key

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
    # One statement that also says whose cached persona list (which carries the version) is
    # stale: Django's update() cannot return a column.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Persona._meta.db_table} SET posts_version = posts_version + 1"
            " WHERE id = %s RETURNING workspace_id",
            [persona_id],
        )
        forget(active_personas_key(workspace_id) for (workspace_id,) in cursor.fetchall())
