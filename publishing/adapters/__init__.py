"""One thin client per platform behind the `Publisher` protocol (publishing.adapters.base)."""

from __future__ import annotations

from publishing.adapters.base import Publisher


def publisher_for(platform: str) -> Publisher:
    if platform == "mastodon":
        from publishing.adapters.mastodon import MastodonPublisher

        return MastodonPublisher()
    if platform == "sandbox":
        from publishing.adapters.sandbox import SandboxPublisher

        return SandboxPublisher()
    raise ValueError(f"No publisher for {platform!r}")
