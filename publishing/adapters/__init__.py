"""One thin client per platform behind the `Publisher` protocol (publishing.adapters.base)."""

from __future__ import annotations

from publishing.adapters.base import Publisher


def publisher_for(platform: str) -> Publisher:
    from publishing.adapters import bluesky, linkedin, mastodon, sandbox, threads, webhook, x

    publishers: dict[str, type] = {
        "sandbox": sandbox.SandboxPublisher,
        "manual": sandbox.ManualPublisher,
        "webhook": webhook.WebhookPublisher,
        "mastodon": mastodon.MastodonPublisher,
        "bluesky": bluesky.BlueskyPublisher,
        "x": x.XPublisher,
        "linkedin": linkedin.LinkedInPublisher,
        "threads": threads.ThreadsPublisher,
    }
    if platform not in publishers:
        raise ValueError(f"No publisher for {platform!r}")
    publisher: Publisher = publishers[platform]()
    return publisher
