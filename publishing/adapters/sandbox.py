"""The sandbox platform.

Publishes into a local timeline (SandboxPost), so the whole flow works offline and in the demo. Its
idempotency key is unique, as a real platform's would hold."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from publishing.adapters.base import (
    Outgoing,
    Published,
    PublishError,
    Remember,
    Tokens,
    no_refresh,
)
from publishing.models import Account, SandboxPost, Target


class SandboxPublisher:
    threads = comments = True  # a reply answers the post before it on the practice timeline

    def _published(self, post: SandboxPost) -> Published:
        url = settings.SITE_URL + reverse("sandbox_timeline", args=[post.account_id])
        return Published(external_id=str(post.pk), url=f"{url}#post-{post.pk}")

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        images = [{"id": i.pk, "alt": i.alt_text} for i in outgoing.images]
        parent = outgoing.reply_to.external_id if outgoing.reply_to else ""
        post, _ = SandboxPost.objects.get_or_create(
            idempotency_key=outgoing.key,
            defaults={
                "account": account,
                "text": outgoing.text,
                "images": images,
                "reply_to_id": int(parent) if parent.isdigit() else None,
            },
        )
        return self._published(post)

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        post = SandboxPost.objects.filter(idempotency_key=outgoing.key).first()
        return self._published(post) if post else None

    def refresh(self, account: Account) -> Tokens:
        raise no_refresh("The practice timeline")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        return {}  # nobody reads the practice timeline


class ManualPublisher:
    """ "Copy, post it yourself, mark as published".

    At its time the post is handed over to the creator (HANDOFF), who pastes the URL once it is out.
    """

    threads = comments = False

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        raise PublishError(
            "It's time: copy the text, post it yourself, then mark it as published.",
            kind="handoff",
        )

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        return None

    def refresh(self, account: Account) -> Tokens:
        raise no_refresh("A manual channel")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        return {}
