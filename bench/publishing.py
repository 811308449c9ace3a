"""Publishing at volume, exactly once, with the real beat and worker processes.

    .venv/bin/python bench/publishing.py [--targets 10000] [--window 300] [--accounts 50]
                                         [--fault-rate 0.02] [--chaos] [--threads]
                                         [--import 10000]

Starts the app as `make run` does (manage.py runall) on the bench database, with a local fake
Mastodon server and a local fake Bluesky PDS, each failing about 2 % of posting requests (429,
500, or a post made but the connection dropped). Schedules TARGETS targets across ACCOUNTS
accounts (half on each platform), falling due evenly over WINDOW seconds, and waits until
every one has settled (published, dead or unconfirmed). --chaos also SIGKILLs the publishing
worker (the publish lane's, core/lanes.py) every 30 s and beat once. Every target's
text is unique, so duplicates are counted from the fakes' own logs (the same text posted
twice, whatever key it came with); a target published here but absent there, or never
settled, is lost. Each Bluesky account has its own repository (DID),
as on the real network. With --chaos, every target being claimed or sent when the worker was
killed is followed until the engine has taken it over again (a new lease, or it moved on:
sent, published, or waiting with a reason): max_recovery_s is the longest of those waits,
measured by polling every 2 s (later platform faults and their backoff are not recovery).
--threads makes every fifth target a four-part thread with a first comment: each part (and
the comment) is a post of its own on the platform, replying to the one before; parts counts
those posts, out_of_order the threads where any of them is missing, doubled, made before the
one it follows, or not a reply to it (read from the fakes' own records).
--import N confirms an N-post import (the real import path: a CSV read and checked, then the
import job and its embeddings in the bulk lane) as the app starts, so the posts fall due while
it is imported and embedded; a line before the last says how far the import got.
Last line:
targets=… published=… duplicates=… lost=… dead=… unsettled=…
lateness_p50_s=… lateness_p95_s=… max_s=… [max_recovery_s=…] [parts=… out_of_order=…]
(printed on one line)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from _setup import ROOT, percentile, setup, worker_pid

THREAD_EVERY = 5


def thread_text(n: int) -> str:
    return "\n---\n".join(f"Thread {n} part {k}: one of four." for k in range(1, 5))


def thread_order(mastodon, bluesky, threads: list[int]) -> tuple[int, int]:
    """How many posts the threads made, and how many threads came out of order.

    (posts made for the threads, threads out of order), from the fakes' records: the four
    parts and the comment must each exist once, in order, each replying to the one before."""
    chains: dict[str, list[tuple[str, str | None]]] = {}  # text -> [(id, parent id)]
    # Mastodon: the status list is in creation order; ids are the statuses' ids.
    for status, text in zip(mastodon.statuses, mastodon.sent, strict=True):
        chains.setdefault(text, []).append((status["id"], status["in_reply_to_id"]))
    # Bluesky: `created` is in creation order; a reply names its parent by URI.
    for did, rkey in bluesky.created:
        record = bluesky.repos[did][rkey]
        parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        chains.setdefault(record["text"], []).append((uri, parent))
    # Each account's posts are made in its own order; the texts of one thread share a fake.
    order = {text: position for position, text in enumerate(chains)}
    posts = out_of_order = 0
    for n in threads:
        texts = [f"Thread {n} part {k}: one of four." for k in range(1, 5)]
        texts.append(f"Comment on thread {n}.")
        made = [chains.get(text, []) for text in texts]
        posts += sum(len(m) for m in made)
        if any(len(m) != 1 for m in made):
            out_of_order += 1
            continue
        ids = [m[0] for m in made]
        replies = all(ids[k][1] == ids[k - 1][0] for k in range(1, 5)) and ids[0][1] is None
        in_order = all(order[texts[k - 1]] < order[texts[k]] for k in range(1, 5))
        out_of_order += not (replies and in_order)
    return posts, out_of_order


def beat_pid() -> int | None:
    listing = subprocess.run(["pgrep", "-f", "contentapp beat"], capture_output=True, text=True)
    pids = [int(p) for p in listing.stdout.split()]
    return pids[0] if pids else None


def schedule(args: argparse.Namespace, mastodon, bluesky) -> tuple[list[int], float]:
    from django.utils import timezone

    from accounts.models import Role
    from accounts.selectors import personal_workspace
    from accounts.services import user_sign_up
    from personas.services import persona_create
    from publishing.adapters.bluesky import _tokens
    from publishing.models import Account, Publication, Target

    # The bench database is the bench's own: posts left by an interrupted run would be due
    # first and compete with this run's.
    Publication.objects.all().delete()
    user = user_sign_up(email=f"publish-{int(time.time())}@example.com", password="bench-pw-1")
    workspace = personal_workspace(user)
    persona = persona_create(workspace=workspace, role=Role.OWNER, data={"name": "bench"})
    accounts = []
    for n in range(args.accounts):
        if n % 2:
            did, handle = f"did:plc:bench{n:04d}", f"bench{n}.bsky.social"
            bluesky.add_account(handle, did)
            tokens = _tokens(bluesky.session(did))
            account = Account(workspace=workspace, platform="bluesky", name=f"@{handle}")
            account.base_url, account.external_user_id = bluesky.base_url, did
            account.set_refresh_token(tokens.refresh_token)
            account.token_expires_at = tokens.expires_at
        else:
            tokens = _tokens({"accessJwt": "token-1", "refreshJwt": ""})
            account = Account(workspace=workspace, platform="mastodon", name=f"@bench{n}")
            account.base_url = mastodon.base_url
        account.set_access_token(tokens.access_token)
        accounts.append(account)
    Account.objects.bulk_create(accounts)
    start = timezone.now() + timedelta(seconds=15)  # time for the app to come up
    step = args.window / max(1, args.targets)

    def thread(n: int) -> bool:
        return args.threads and n % THREAD_EVERY == 0

    publications = Publication.objects.bulk_create(
        Publication(
            persona=persona,
            text=thread_text(n)
            if thread(n)
            else f"Bench post {n}: raising prices is a promise to your best customers.",
            first_comment=f"Comment on thread {n}." if thread(n) else "",
            scheduled_at=start + timedelta(seconds=n * step),
        )
        for n in range(args.targets)
    )
    Target.objects.bulk_create(
        (
            Target(publication=p, account=accounts[n % len(accounts)], due_at=p.scheduled_at)
            for n, p in enumerate(publications)
        ),
        batch_size=2000,
    )
    ids = list(Target.objects.filter(publication__persona=persona).values_list("id", flat=True))
    return ids, start.timestamp()


def start_import(posts: int) -> int:
    """An N-post CSV through the import path a creator uses (read, checked, confirmed).

    Its job and the embeddings after it run in the bulk lane. Returns the persona's id."""
    from django.conf import settings

    from accounts.models import Role
    from accounts.selectors import personal_workspace
    from accounts.services import user_sign_up
    from personas.models import Persona
    from personas.services import persona_create
    from posts.importing import import_confirm, import_prepare

    # An earlier run's importer (its posts perhaps not all embedded) would hold the bulk lane.
    Persona.objects.filter(name="importer").delete()
    user = user_sign_up(email=f"import-{int(time.time())}@example.com", password="bench-pw-1")
    persona = persona_create(
        workspace=personal_workspace(user), role=Role.OWNER, data={"name": "importer"}
    )
    lines = ["text,posted_at,likes"] + [
        f'"Imported post {n}: what {n % 97} customers taught me about pricing, part {n}.",'
        f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z,{n % 50}"
        for n in range(posts)
    ]
    settings.IMPORT_MAX_ROWS = posts  # the upload page's limit; the import path has none
    batch = import_prepare(
        persona=persona,
        user=user,
        role=Role.OWNER,
        data="\n".join(lines).encode(),
        filename="bench.csv",
        fmt="csv",
    )
    batch = import_confirm(batch=batch, role=Role.OWNER)
    print(f"import: {batch.total} rows confirmed ({batch.status})")
    return persona.pk


def import_progress(persona_id: int) -> str:
    from posts.models import ImportBatch, Post

    batch = ImportBatch.objects.filter(persona_id=persona_id).get()
    embedded = Post.objects.filter(persona_id=persona_id, embedding__isnull=False).count()
    return (
        f"import: status={batch.status} imported={batch.imported}/{batch.total} embedded={embedded}"
    )


def main() -> None:
    # One long function on purpose: the benchmark's protocol reads top to bottom in one place.
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=300)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--fault-rate", type=float, default=0.02)
    parser.add_argument("--chaos", action="store_true")
    parser.add_argument("--threads", action="store_true")
    parser.add_argument("--timeout", type=float, default=1200)
    parser.add_argument("--import", dest="import_posts", type=int, default=0)
    args = parser.parse_args()
    setup()
    from django.db.models import F

    from contentapp.celery import app as celery_app
    from core.lanes import LANES, queue_name

    with celery_app.connection_for_write() as connection:  # tasks left by an earlier run
        purged = sum(
            connection.default_channel.queue_purge(queue_name(lane, "bench")) or 0
            for lane in [None, *LANES]
        )
        print(f"purged {purged} stale messages")

    from publishing.models import Target, TargetState
    from tests.fakes.bluesky_server import FakeBluesky
    from tests.fakes.mastodon_server import FakeMastodon

    fakes = [FakeMastodon().start(), FakeBluesky().start()]
    for fake in fakes:
        fake.fault_rate = args.fault_rate
    mastodon, bluesky = fakes
    ids, start = schedule(args, mastodon, bluesky)
    importer = start_import(args.import_posts) if args.import_posts else None
    env = {**os.environ, "DATABASE_NAME": "contentapp_bench", "LOG_LEVEL": "WARNING"}
    env |= {"CELERY_QUEUE": "bench", "PUBLISH_SWEEP_SECONDS": "2", "PUBLISH_LEASE_SECONDS": "30"}
    env |= {"ALLOW_PRIVATE_HOSTS": "127.0.0.1"}  # the fakes listen on loopback
    app = subprocess.Popen(
        [sys.executable, "manage.py", "runall", "--addr", "127.0.0.1:0", "--no-reload"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    settled_states = (TargetState.PUBLISHED, TargetState.DEAD, TargetState.UNCONFIRMED)
    kills = []
    # target -> (when its worker was killed, its state and lease then); resolved when either
    # changes, i.e. the engine took the target over again
    tracked: dict[int, tuple[float, str, object]] = {}
    recovered: list[float] = []
    in_flight = 0
    try:
        began = time.monotonic()
        next_kill, beat_killed = began + 45, False
        while time.monotonic() - began < args.timeout:
            time.sleep(2)
            if args.chaos and time.monotonic() >= next_kill:
                next_kill += 30
                pid = worker_pid("publish")
                if pid:
                    working = Target.objects.filter(
                        pk__in=ids, state__in=(TargetState.CLAIMED, TargetState.SENDING)
                    ).values_list("id", "state", "lease_token")
                    os.kill(pid, signal.SIGKILL)
                    killed_at = time.time()
                    for target_id, state, token in working:
                        tracked.setdefault(target_id, (killed_at, state, token))
                        in_flight += 1
                    kills.append("worker")
                if not beat_killed and (pid := beat_pid()):
                    os.kill(pid, signal.SIGKILL)
                    kills.append("beat")
                    beat_killed = True
            if tracked:
                now = time.time()
                for target_id, state, token in Target.objects.filter(
                    pk__in=list(tracked)
                ).values_list("id", "state", "lease_token"):
                    killed_at, was_state, was_token = tracked[target_id]
                    if state != was_state or token != was_token:
                        recovered.append(now - killed_at)
                        del tracked[target_id]
            settled = Target.objects.filter(pk__in=ids, state__in=settled_states).count()
            if settled == len(ids) and time.time() > start + args.window:
                break
        if importer is not None:
            print(import_progress(importer))
        rows = list(
            Target.objects.filter(pk__in=ids).values(
                "id",
                "state",
                "published_at",
                scheduled=F("publication__scheduled_at"),
                post_text=F("publication__text"),
            )
        )
    finally:
        os.killpg(app.pid, signal.SIGINT)
        app.wait(timeout=60)
        for fake in fakes:
            fake.stop()
    published = [r for r in rows if r["state"] == TargetState.PUBLISHED]
    made = [*mastodon.sent, *bluesky.texts()]
    duplicates = len(made) - len(set(made))
    in_fakes = set(made)
    # A thread is found by its first part (the rest are checked by thread_order).
    lost = sum(1 for r in published if r["post_text"].split("\n---\n")[0] not in in_fakes)
    unsettled = sum(1 for r in rows if r["state"] not in settled_states)
    lateness = [(r["published_at"] - r["scheduled"]).total_seconds() for r in published]
    recovery = ""
    if kills:
        print(f"killed: {', '.join(kills)}")
        print(
            f"in flight at a kill: {in_flight}, taken over again: {len(recovered)}, "
            f"never: {len(tracked)}; recovery p50 {percentile(recovered, 50):.1f} s"
            if recovered
            else f"in flight at a kill: {in_flight}"
        )
        worst = max(recovered, default=0.0) if not tracked else float("inf")
        recovery = f" max_recovery_s={worst:.1f}"
    if args.threads:
        threads = [n for n in range(args.targets) if n % THREAD_EVERY == 0]
        parts, out_of_order = thread_order(mastodon, bluesky, threads)
        recovery += f" parts={parts} out_of_order={out_of_order}"
    print(
        f"targets={len(rows)} published={len(published)} duplicates={duplicates} "
        f"lost={lost + unsettled} dead={sum(1 for r in rows if r['state'] == TargetState.DEAD)} "
        f"unsettled={unsettled} lateness_p50_s={percentile(lateness, 50):.1f} "
        f"lateness_p95_s={percentile(lateness, 95):.1f} max_s={max(lateness, default=0):.1f}"
        + recovery
    )


if __name__ == "__main__":
    main()
