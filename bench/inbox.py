"""The inbox at volume: syncing many accounts, and the page over many items.

50 connected accounts (half on a loopback Mastodon, half on a loopback Bluesky PDS), each with
1,000 mentions and replies waiting, synced by the job a worker runs (sequentially, as one worker
would); then synced again, which must add nothing. Then the Inbox page of a workspace with
10,000 items, requested in-process by a signed-in member (filters off, then a search). Not part
of the test run.

    .venv/bin/python bench/inbox.py [--accounts 50] [--notifications 1000] [--items 10000]

Targets: sync_s <= 60, duplicates = 0, page_p95_ms <= 150. Last line:
accounts=… items=… sync_s=… duplicates=… page_p95_ms=…"""

from __future__ import annotations

import argparse
import time

from _setup import percentile, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    setup()
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from accounts.models import Membership, Role, User, Workspace
    from inbox import services
    from inbox.models import InboxItem
    from publishing import services as publishing
    from publishing.adapters.base import Tokens
    from tests.fakes.bluesky_server import DID, FakeBluesky
    from tests.fakes.mastodon_server import FakeMastodon

    Workspace.objects.filter(name__startswith="Inbox bench").delete()
    User.objects.filter(email="inbox-bench@example.com").delete()
    workspace = Workspace.objects.create(name="Inbox bench")
    with FakeMastodon() as mastodon, FakeBluesky() as bluesky:
        for n in range(args.notifications):
            mastodon.mention(f"fan{n}@mastodon.social", f"Mention {n}: what about pricing?")
            bluesky.notify("mention", f"fan{n}.bsky.social", f"@creator.bsky.social mention {n}")
        accounts = []
        for n in range(args.accounts):
            if n % 2:
                accounts.append(
                    publishing.account_connect(
                        workspace=workspace,
                        role=Role.OWNER,
                        platform="bluesky",
                        name=f"@creator{n}.bsky.social",
                        base_url=bluesky.base_url,
                        tokens=Tokens(access_token=bluesky.session()["accessJwt"]),
                        external_user_id=f"{DID}{n}",
                    )
                )
            else:
                accounts.append(
                    publishing.account_connect(
                        workspace=workspace,
                        role=Role.OWNER,
                        platform="mastodon",
                        name=f"@creator{n}@example.social",
                        base_url=mastodon.base_url,
                        access_token="token-1",
                        external_user_id=f"{n}",
                    )
                )
        started = time.perf_counter()
        new = sum(services.inbox_sync(account_id=a.pk) for a in accounts)
        sync_s = time.perf_counter() - started
        again = sum(services.inbox_sync(account_id=a.pk) for a in accounts)
    stored = InboxItem.objects.filter(workspace=workspace).count()
    unique = (
        InboxItem.objects.filter(workspace=workspace)
        .values("account_id", "platform_id")
        .distinct()
        .count()
    )
    print(f"synced new={new} second_sync_new={again} stored={stored} sync_s={sync_s:.1f}")

    page_workspace = Workspace.objects.create(name="Inbox bench page")
    account = publishing.account_connect(
        workspace=page_workspace,
        role=Role.OWNER,
        platform="mastodon",
        name="@page@example.social",
        base_url="https://example.social",
        access_token="token",
    )
    now = timezone.now()
    InboxItem.objects.bulk_create(
        (
            InboxItem(
                workspace=page_workspace,
                account=account,
                platform_id=str(i),
                kind="reply" if i % 3 else "mention",
                author_handle=f"@fan{i}@mastodon.social",
                author_name=f"Fan {i}",
                text=f"Reply {i}: how did you set your prices for the annual plan?",
                received_at=now - timedelta(seconds=i * 30),
                is_read=i % 4 == 0,
            )
            for i in range(args.items)
        ),
        batch_size=2000,
    )
    user = User.objects.create_user(email="inbox-bench@example.com", password="x" * 12)
    Membership.objects.create(user=user, workspace=page_workspace, role=Role.OWNER)
    client = Client()
    client.force_login(user)
    session = client.session
    session["workspace_id"] = page_workspace.pk
    session.save()
    times = []
    for n in range(120):
        url = "/inbox/" if n % 2 else "/inbox/?q=annual+plan&unread=on"
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if n >= 20:  # warm
            times.append(elapsed)
    p95 = percentile(times, 95)
    print(f"page p50_ms={percentile(times, 50):.0f} p95_ms={p95:.0f} items={args.items}")
    Workspace.objects.filter(name__startswith="Inbox bench").delete()
    user.delete()
    print(
        f"accounts={args.accounts} items={stored} sync_s={sync_s:.1f} "
        f"duplicates={stored - unique + again} page_p95_ms={p95:.0f}"
    )


if __name__ == "__main__":
    main()
