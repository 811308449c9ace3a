"""The public API under load, on the server `make run` uses (gunicorn).

    .venv/bin/python bench/api.py [--publications 10000] [--seconds 20]

Seeds (once) a persona with a voice, a practice account and PUBLICATIONS publications with a
target each, makes an API token, starts gunicorn on the bench database, then in the same run:
20 clients GET /api/v1/publications (a page of 50, with each account's state) and, the same
way, a trivial authenticated answer (GET /api/v1/personas); then 4 clients POST
/api/v1/voice/score. Prints a line per kind, then:
list_p95_ms=… trivial_p95_ms=… score_p95_ms=… errors=…
(targets: list p95 <= 1.5 x trivial p95, score p95 <= 300 ms, 0 errors)
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import requests
from _setup import gunicorn_server, percentile, setup

EMAIL = "bench-api@example.com"
TEXTS = [
    "We shipped the smallest version first, then listened for a week before adding anything.",
    "Pricing is a promise to your best customers: raise it when the product earns it.",
    "Hiring slowly saved us twice. Here is the one question we ask every candidate.",
    "Nobody reads your roadmap. They read what you shipped last Tuesday.",
]


def seed(publications: int) -> str:
    from accounts.models import User
    from accounts.selectors import personal_workspace
    from accounts.services import user_sign_up
    from api.models import ApiToken
    from api.tokens import token_create
    from home.demo_posts import DEMO_POSTS
    from personas.models import Persona
    from posts.models import Post
    from posts.rules import check_post
    from publishing.models import Account, Publication, Target, TargetState
    from voice.analysis import WeightedPost, analyse
    from voice.services import version_create

    user = User.objects.filter(email=EMAIL).first() or user_sign_up(
        email=EMAIL, password="bench-api-password-1", name="Bench"
    )
    workspace = personal_workspace(user)
    persona, _ = Persona.objects.get_or_create(
        workspace=workspace, name="bench api", defaults={"platform": "linkedin"}
    )
    if not Post.objects.filter(persona=persona).exists():
        now = datetime.now(UTC)
        rows = [
            Post(
                persona=persona,
                source="import",
                **check_post(
                    {"text": text, "posted_at": now - timedelta(days=n), "likes": likes},
                    platform="linkedin",
                    timezone="UTC",
                ).values,
            )
            for n, (text, _, _, likes, _, _) in enumerate(DEMO_POSTS)
        ]
        Post.objects.bulk_create(rows)
    if not persona.voice_versions.exists():
        sample = Post.objects.filter(persona=persona)
        version_create(
            persona=persona,
            raw=analyse([WeightedPost(p.text) for p in sample]),
            origin="bench",
            user=user,
        )
    account, _ = Account.objects.get_or_create(
        workspace=workspace, platform="sandbox", defaults={"name": "Practice timeline"}
    )
    have = Publication.objects.filter(persona=persona).count()
    if have < publications:
        start = datetime.now(UTC) + timedelta(days=1)
        made = Publication.objects.bulk_create(
            Publication(
                persona=persona,
                text=f"{TEXTS[n % len(TEXTS)]} (#{n})",
                scheduled_at=start + timedelta(minutes=37 * n),
            )
            for n in range(have, publications)
        )
        Target.objects.bulk_create(
            Target(
                publication=p, account=account, due_at=p.scheduled_at, state=TargetState.SCHEDULED
            )
            for p in made
        )
    ApiToken.objects.filter(workspace=workspace).delete()
    _, token = token_create(
        workspace=workspace,
        user=user,
        role="owner",
        name="bench",
        scopes=["read", "write", "publish"],
    )
    print(f"persona {persona.pk}: {Publication.objects.filter(persona=persona).count():,} posts")
    return token


def load(base: str, token: str, clients: int, seconds: float, call) -> tuple[list[float], list]:
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop(n: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            i = n
            while time.monotonic() < stop_at:
                i += 1
                began = time.perf_counter()
                try:
                    response = call(session, base, i)
                    ok = response.status_code == 200
                    detail = f"{response.status_code} {response.text[:120]}"
                except requests.RequestException as error:
                    ok, detail = False, str(error)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    times.append(elapsed)
                    if not ok:
                        errors.append(detail)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--publications", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    os.environ["API_RATE_LIMIT"] = "0"  # the bench measures the server, not the limiter
    setup()
    token = seed(args.publications)

    def listing(session, base, _):
        return session.get(f"{base}/api/v1/publications?limit=50", timeout=30)

    def trivial(session, base, _):
        return session.get(f"{base}/api/v1/personas", timeout=30)

    def score(session, base, i):
        text = f"{TEXTS[i % len(TEXTS)]} Draft {i}."
        return session.post(f"{base}/api/v1/voice/score", json={"text": text}, timeout=30)

    with gunicorn_server() as base:
        for call in (listing, trivial, score):  # warm every worker and connection
            load(base, token, 4, 2, call)
        lists, list_errors = load(base, token, 20, args.seconds, listing)
        trivials, trivial_errors = load(base, token, 20, args.seconds, trivial)
        scores, score_errors = load(base, token, 4, args.seconds, score)
    for name, times in (("list", lists), ("trivial", trivials), ("score", scores)):
        print(
            f"{name:8} n={len(times)} rps={len(times) / args.seconds:.0f} "
            f"p50_ms={percentile(times, 50):.0f} p95_ms={percentile(times, 95):.0f}"
        )
    errors = list_errors + trivial_errors + score_errors
    print(
        f"list_p95_ms={percentile(lists, 95):.0f} trivial_p95_ms={percentile(trivials, 95):.0f} "
        f"score_p95_ms={percentile(scores, 95):.0f} errors={len(errors)}"
    )
    if errors:
        print("first errors:", errors[:5], file=sys.stderr)


if __name__ == "__main__":
    main()
