"""Plan limits on things counted below billing (personas, members).

Billing sits above the apps that make them, so it registers its check here at startup and they call
`check` before adding one more. Without a registered checker (billing not installed) nothing is
limited."""

from __future__ import annotations

from collections.abc import Callable

Checker = Callable[[str, int, int], None]  # (kind, workspace_id, current count) → raises

_checkers: list[Checker] = []


def register(checker: Checker) -> Checker:
    if checker not in _checkers:
        _checkers.append(checker)
    return checker


def check(kind: str, workspace_id: int, current: int) -> None:
    """Raises a ValidationError when one more `kind` would pass the workspace's plan."""
    for checker in _checkers:
        checker(kind, workspace_id, current)
