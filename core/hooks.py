"""One registry helper for hooks.

How a lower app lets higher ones react to it without knowing them (docs/architecture.md, "hooks").
The higher app registers a callback at startup (its AppConfig.ready); the lower app calls the hook,
which calls every callback in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    """Callbacks of one shape, registered once each.

    Registering twice is harmless, as an AppConfig.ready may run twice in tests."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[P, R]] = []

    def register(self, callback: Callable[P, R]) -> Callable[P, R]:
        """Add a callback; usable as a decorator."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Call every callback in the order they were registered; their answers, in order."""
        return [callback(*args, **kwargs) for callback in self._callbacks]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._callbacks)} callbacks>"
