"""Publishing at volume, exactly once, with the real beat and worker processes.

    .venv/bin/python bench/publishing.py [--targets 10000] [--window 300] [--accounts 50]
                                         [--fault-rate 0.02] [--chaos]

Starts the app as `make run` does (manage.py runall) on the bench database, with a local fake
Mastodon server that fails about 2 % of requests (429, 500, or a post made but the connection
dropped). Schedules TARGETS targets across ACCOUNTS accounts, falling due evenly over WINDOW
seconds, and waits until every one has settled (published, dead or unconfirmed). --chaos also
SIGKILLs the worker every 30 s and beat once. Duplicates are counted from the fake server's own
log (two statuses for one target); a target published here but absent there, or never settled,
is lost. Last line:
targets=… published=… duplicates=… lost=… dead=… unsettled=…
lateness_p50_s=… lateness_p95_s=… max_s=…   (printed on one line)
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


def beat_pid() -> int | None:
    listing = subprocess.run(["pgrep", "-f", "contentapp beat"], capture_output=True, text=True)
    pids = [int(p) for p in listing.stdout.split()]
    return pids[0] if pids else None


def schedule(args: argparse.Namespace, fake_url: str) -> tuple[list[int], float]:
    from django.utils import timezone

    from accounts.models import Role
    from accounts.selectors import personal_workspace
    from accounts.services import user_sign_up
    from personas.services import persona_create
    from publishing.models import Account, Publication, Target

    user = user_sign_up(email=f"publish-{int(time.time())}@example.com", password="bench-pw-1")
    workspace = personal_workspace(user)
    persona = persona_create(workspace=workspace, role=Role.OWNER, data={"name": "bench"})
    accounts = []
    for n in range(args.accounts):
        account = Account(workspace=workspace, platform="mastodon", name=f"@bench{n}")
        account.base_url = fake_url
        account.set_access_token("token-1")
        accounts.append(account)
    Account.objects.bulk_create(accounts)
    start = timezone.now() + timedelta(seconds=15)  # time for the app to come up
    step = args.window / max(1, args.targets)
    publications = Publication.objects.bulk_create(
        Publication(
            persona=persona,
            text=f"Bench post {n}: raising prices is a promise to your best customers.",
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


def main() -> None:
    # One long function on purpose: the benchmark's protocol reads top to bottom in one place.
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=300)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--fault-rate", type=float, default=0.02)
    parser.add_argument("--chaos", action="store_true")
    parser.add_argument("--timeout", type=float, default=1200)
    args = parser.parse_args()
    setup()
    from django.db.models import F

    from publishing.models import Target, TargetState
    from tests.fakes.mastodon_server import FakeMastodon

    fake = FakeMastodon().start()
    fake.fault_rate = args.fault_rate
    ids, start = schedule(args, fake.base_url)
    env = {**os.environ, "DATABASE_NAME": "contentapp_bench", "LOG_LEVEL": "WARNING"}
    env |= {"CELERY_QUEUE": "bench", "PUBLISH_SWEEP_SECONDS": "2", "PUBLISH_LEASE_SECONDS": "30"}
    app = subprocess.Popen(
        [sys.executable, "manage.py", "runall", "--addr", "127.0.0.1:0", "--no-reload"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    settled_states = (TargetState.PUBLISHED, TargetState.DEAD, TargetState.UNCONFIRMED)
    kills = []
    try:
        began = time.monotonic()
        next_kill, beat_killed = began + 45, False
        while time.monotonic() - began < args.timeout:
            time.sleep(2)
            if args.chaos and time.monotonic() >= next_kill:
                next_kill += 30
                pid = worker_pid()
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    kills.append("worker")
                if not beat_killed and (pid := beat_pid()):
                    os.kill(pid, signal.SIGKILL)
                    kills.append("beat")
                    beat_killed = True
            settled = Target.objects.filter(pk__in=ids, state__in=settled_states).count()
            if settled == len(ids) and time.time() > start + args.window:
                break
        rows = list(
            Target.objects.filter(pk__in=ids).values(
                "state", "idempotency_key", "published_at", scheduled=F("publication__scheduled_at")
            )
        )
    finally:
        os.killpg(app.pid, signal.SIGINT)
        app.wait(timeout=60)
        fake.stop()
    published = [r for r in rows if r["state"] == TargetState.PUBLISHED]
    made = [key for key in fake.by_key]
    duplicates = len(fake.statuses) - len(set(made))
    in_fake = set(made)
    lost = sum(1 for r in published if str(r["idempotency_key"]) not in in_fake)
    unsettled = sum(1 for r in rows if r["state"] not in settled_states)
    lateness = [(r["published_at"] - r["scheduled"]).total_seconds() for r in published]
    if kills:
        print(f"killed: {', '.join(kills)}")
    print(
        f"targets={len(rows)} published={len(published)} duplicates={duplicates} "
        f"lost={lost + unsettled} dead={sum(1 for r in rows if r['state'] == TargetState.DEAD)} "
        f"unsettled={unsettled} lateness_p50_s={percentile(lateness, 50):.1f} "
        f"lateness_p95_s={percentile(lateness, 95):.1f} max_s={max(lateness, default=0):.1f}"
    )


if __name__ == "__main__":
    main()
