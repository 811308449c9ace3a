from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Workspace
from personas.models import Persona
from publishing.models import Account, Publication, Target


def accounts_of(workspace: Workspace) -> QuerySet[Account]:
    return Account.objects.filter(workspace=workspace).order_by("platform", "name")


def publications_of(persona: Persona, *, limit: int = 50) -> list[Publication]:
    """The persona's newest publications with their targets and accounts (three queries)."""
    return list(
        Publication.objects.filter(persona=persona)
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("account").order_by("id"))
        )
        .order_by("-scheduled_at")[:limit]
    )
