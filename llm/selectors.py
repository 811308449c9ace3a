"""Reads of the AI layer.

The usage ledger (what every model call cost) and the models a workspace brings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q, Sum

from accounts.models import Workspace
from llm.models import ModelConnection, Outcome, UsageRecord


def usage_summary(workspace: Workspace) -> dict[str, Any]:
    rows = UsageRecord.objects.filter(workspace=workspace)
    by_provider = list(
        rows.values("provider", "model", "purpose")
        .annotate(
            calls=Count("id"),
            errors=Count("id", filter=Q(outcome=Outcome.ERROR)),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            cost_micros=Sum("cost_micros"),
            latency=Avg("latency_ms"),
        )
        .order_by("provider", "model", "purpose")
    )
    for row in by_provider:
        row["cost"] = (row["cost_micros"] or 0) / 1_000_000
    return {
        "by_provider": by_provider,
        "recent": list(rows.select_related("persona", "user").order_by("-created_at")[:50]),
        "total_cost": sum(r["cost_micros"] or 0 for r in by_provider) / 1_000_000,
    }


def has_writing_model(workspace_id: int) -> bool:
    """Whether drafts for this workspace come from a model, not only from the offline writer.

    Its own, or the server's."""
    if ModelConnection.objects.filter(workspace_id=workspace_id).exists():
        return True
    return any(name != "offline" for name in settings.LLM_PROVIDERS)


def connections_of(workspace: Workspace) -> list[ModelConnection]:
    return list(ModelConnection.objects.filter(workspace=workspace))


def cost_since(workspace: Workspace, since: Any) -> float:
    """What the workspace's model calls since `since` cost, in dollars (the usage ledger)."""
    total = UsageRecord.objects.filter(workspace=workspace, created_at__gte=since).aggregate(
        micros=Sum("cost_micros")
    )["micros"]
    return (total or 0) / 1_000_000
