"""Signed-in page load on the server `make run` uses (gunicorn, contentapp/gunicorn_config.py).

    .venv/bin/python bench/pages.py [--posts 10000] [--concurrency 50] [--seconds 20]
                                    [--profile]

Seeds (once) a persona with POSTS posts with metrics and a voice version in the bench
database, starts gunicorn on it, signs in, then CONCURRENCY clients request the dashboard,
the posts list and the voice page in turn for SECONDS; then, in the same run and the same
way, the trivial answers (/healthz, a static file, the favicon): what this box's client and
gunicorn allow at all. Then the pages' server CPU is measured in-process (Django's test
client on the same database: CPU time per request, no network). --profile prints where that
CPU goes (cProfile, the 25 costliest functions). Prints a line per page, then:
cpu_ms=… (per page, in-process)
rps=… trivial_rps=… ratio=… p95_ms=… trivial_p95_ms=… errors=…
(targets: ratio >= 0.8, p95 <= 1.25 x trivial_p95, 0 errors, cpu_ms <= 4)
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import requests
from _setup import gunicorn_server, percentile, setup

EMAIL, PASSWORD = "bench-pages@example.com", "bench-pages-password-1"
PAGES = ["/dashboard/", "/posts/", "/voice/"]
TRIVIAL = ["/healthz", "/static/css/app.css", "/static/favicon.svg"]


def seed(posts: int) -> None:
    from accounts.models import User
    from accounts.selectors import personal_workspace
    from accounts.services import user_sign_up
    from home.demo_posts import DEMO_POSTS
    from personas.models import Persona
    from posts.models import Post
    from posts.rules import check_post
    from posts.services import recompute_performance
    from voice.analysis import WeightedPost, analyse
    from voice.services import version_create

    user = User.objects.filter(email=EMAIL).first() or user_sign_up(
        email=EMAIL, password=PASSWORD, name="Bench"
    )
    workspace = personal_workspace(user)
    persona, _ = Persona.objects.get_or_create(
        workspace=workspace, name="bench pages", defaults={"platform": "linkedin"}
    )
    have = Post.objects.filter(persona=persona).count()
    if have < posts:
        now = datetime.now(UTC)
        rows = []
        for n in range(have, posts):
            text, _, impressions, likes, comments, reposts = DEMO_POSTS[n % len(DEMO_POSTS)]
            values = check_post(
                {
                    "text": f"{text}\n\n(#{n})",
                    "posted_at": now - timedelta(hours=n),
                    "impressions": impressions + n % 997,
                    "likes": likes + n % 89,
                    "comments": comments,
                    "reposts": reposts,
                },
                platform="linkedin",
                timezone="UTC",
            ).values
            rows.append(Post(persona=persona, source="import", **values))
        Post.objects.bulk_create(rows, batch_size=2000)
        recompute_performance(persona_id=persona.pk)
    if not persona.voice_versions.exists():
        sample = Post.objects.filter(persona=persona).order_by("-posted_at")[:300]
        raw = analyse([WeightedPost(p.text) for p in sample])
        version_create(persona=persona, raw=raw, origin="bench", user=user)
    print(f"persona {persona.pk}: {Post.objects.filter(persona=persona).count():,} posts")


def sign_in(base: str) -> dict[str, str]:
    with requests.Session() as session:
        page = session.get(f"{base}/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        done = session.post(
            f"{base}/login/",
            data={"username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/login/"},
            allow_redirects=False,
            timeout=10,
        )
        assert done.status_code == 302, f"sign-in failed: {done.status_code}"
        return session.cookies.get_dict()


def load(
    base: str, cookies: dict[str, str], concurrency: int, seconds: float, pages: list[str]
) -> dict:
    results: dict[str, list[float]] = {page: [] for page in pages}
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop(offset: int) -> None:
        with requests.Session() as session:
            session.cookies.update(cookies)
            n = offset
            while time.monotonic() < stop_at:
                page = pages[n % len(pages)]
                n += 1
                started = time.perf_counter()
                try:
                    response = session.get(f"{base}{page}", timeout=30, allow_redirects=False)
                    # /healthz says 503 here (no worker heartbeat in this bench): an answer.
                    ok = response.status_code == 200 or (
                        page == "/healthz" and response.status_code == 503
                    )
                    response.content  # noqa: B018 (read the whole body, as a browser does)
                except requests.RequestException as error:
                    ok, response = False, error
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    results[page].append(elapsed)
                    if not ok:
                        errors.append(f"{page}: {getattr(response, 'status_code', response)}")

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"results": results, "errors": errors, "wall": time.monotonic() - started}


def server_cpu(pages: list[str], rounds: int, profile: bool) -> float:
    """CPU milliseconds per page request served in this process (no network, no client)."""
    import cProfile
    import pstats

    from django.test import Client

    from accounts.models import User
    from contentapp.gunicorn_config import post_worker_init

    post_worker_init(None)  # what this process holds so far is left out of full collections,
    # as a gunicorn worker's start is (the seeding's and the clients' leftovers are collected)
    client = Client()
    client.force_login(User.objects.get(email=EMAIL))
    for page in pages:  # warm: templates compiled, caches filled
        assert client.get(page).status_code == 200, page
    profiler = cProfile.Profile() if profile else None
    began = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(rounds):
        for page in pages:
            client.get(page)
    if profiler:
        profiler.disable()
    spent = (time.process_time() - began) * 1000 / (rounds * len(pages))
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup()

    seed(args.posts)
    with gunicorn_server() as base:
        cookies = sign_in(base)
        load(base, cookies, 5, 3, PAGES + TRIVIAL)  # warm every worker and connection
        run = load(base, cookies, args.concurrency, args.seconds, PAGES)
        trivial = load(base, cookies, args.concurrency, args.seconds, TRIVIAL)
    for page in PAGES + TRIVIAL:
        times = (run if page in PAGES else trivial)["results"][page]
        print(
            f"{page:20} n={len(times)} p50_ms={percentile(times, 50):.0f} "
            f"p95_ms={percentile(times, 95):.0f}"
        )
    every = [ms for page in PAGES for ms in run["results"][page]]
    light = [ms for page in TRIVIAL for ms in trivial["results"][page]]
    rps, trivial_rps = len(every) / run["wall"], len(light) / trivial["wall"]
    cpu = server_cpu(PAGES, rounds=100, profile=args.profile)
    print(f"cpu_ms={cpu:.1f}")
    print(
        f"rps={rps:.0f} trivial_rps={trivial_rps:.0f} ratio={rps / trivial_rps:.2f} "
        f"p95_ms={percentile(every, 95):.0f} trivial_p95_ms={percentile(light, 95):.0f} "
        f"errors={len(run['errors']) + len(trivial['errors'])}"
    )
    errors = run["errors"] + trivial["errors"]
    if errors:
        print("first errors:", errors[:5], file=sys.stderr)


if __name__ == "__main__":
    main()
