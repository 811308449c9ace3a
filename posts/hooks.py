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


PostsEmbedded = Callable[[int], None]  # (persona_id)

_posts_embedded: list[PostsEmbedded] = []


def on_posts_embedded(callback: PostsEmbedded) -> PostsEmbedded:
    """Called after an embedding run gave some of the persona's posts new vectors (outside
    any transaction: the vectors are committed)."""
    if callback not in _posts_embedded:
        _posts_embedded.append(callback)
    return callback


def posts_embedded(persona_id: int) -> None:
    for callback in _posts_embedded:
        callback(persona_id)
