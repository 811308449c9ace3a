"""How higher apps react to posts changing without `posts` knowing them: they register a
callback at startup (their AppConfig.ready), and the posts services call every registered
callback inside the transaction that changed the posts."""

from __future__ import annotations

from collections.abc import Callable

PostsAdded = Callable[[int, str], None]  # (persona_id, how: "import" | "manual" | "edit")

_posts_added: list[PostsAdded] = []


def on_posts_added(callback: PostsAdded) -> PostsAdded:
    if callback not in _posts_added:
        _posts_added.append(callback)
    return callback


def posts_added(persona_id: int, how: str) -> None:
    for callback in _posts_added:
        callback(persona_id, how)
