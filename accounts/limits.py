"""Plan limits on things counted below billing (personas, members).

Billing sits above the apps that make them, so it registers its check on `plan_limit` at startup
and they call `check` before adding one more. Without a registered check (billing not installed)
nothing is limited."""

from __future__ import annotations

from core.hooks import Hook

# (kind, workspace_id, current count) → raises a ValidationError past the plan's limit.
plan_limit: Hook[[str, int, int], None] = Hook("plan_limit")


def check(kind: str, workspace_id: int, current: int) -> None:
    """Raises a ValidationError when one more `kind` would pass the workspace's plan."""
    plan_limit(kind, workspace_id, current)
