"""Reads for the composer (views reach drafts through `accounts.selectors.get_object_for`)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts.models import User, Workspace
from composer.models import ComposerDraft, DraftStatus
from personas.models import Persona


def open_drafts(workspace: Workspace, *, limit: int = 100) -> QuerySet[ComposerDraft]:
    """The posts being written in the workspace, the latest touched first (one query)."""
    return (
        ComposerDraft.objects.filter(persona__workspace=workspace, status=DraftStatus.OPEN)
        .exclude(data__text="")
        .select_related("persona", "created_by")
        .annotate(image_count=Count("images"))
        .order_by("-updated_at")[:limit]
    )


def untouched_draft(persona: Persona, user: User) -> ComposerDraft | None:
    """The user's newest open draft for the persona that nothing was typed into yet."""
    return (
        ComposerDraft.objects.filter(
            persona=persona, created_by=user, status=DraftStatus.OPEN, data__text=""
        )
        .filter(variation__isnull=True, idea__isnull=True, data__when="")
        .annotate(image_count=Count("images"))
        .filter(image_count=0)
        .order_by("-updated_at")
        .first()
    )
