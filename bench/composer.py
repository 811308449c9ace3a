"""The composer's live panel as a creator typing sees it, on the server `make run` uses.

Gunicorn, contentapp/gunicorn_config.py.

    .venv/bin/python bench/composer.py [--posts 2000] [--requests 200] [--chars 2000]

Seeds (once) a persona with POSTS posts and a voice version (bench/pages.py's seed), connects
five accounts (practice, Bluesky, Mastodon, X, LinkedIn: no network is touched while typing)
and a lesson, opens a draft in the composer, then sends REQUESTS live requests one after the
other, each with a CHARS-character text (a four-part thread with a link) that differs from
the one before by a word, as typing does. Each request saves the draft and answers with every
account's counters and previews, the voice match and the lessons. Then the second, slower
request (tone by embedding and predicted engagement) is timed on its own. Last, a ROWS-row
CSV (texts up to 600 characters, a thread every tenth row, to two or three of the five
accounts, a third with an image URL) is uploaded for the bulk preview, three times, and its
preview page opened: bulk_preview_s is the slowest upload-to-preview time. Prints:
live_p50_ms=… live_p95_ms=… deep_p50_ms=… deep_p95_ms=… bulk_rows=… bulk_preview_s=…
(targets: live p95 <= 100 ms, bulk preview <= 2 s for 1,000 rows)"""

from __future__ import annotations

import argparse
import re
import time

import requests
from _setup import gunicorn_server, percentile, setup
from pages import EMAIL, seed, sign_in

WORDS = [
    "pricing",
    "trust",
    "customers",
    "churn",
    "margin",
    "promise",
    "team",
    "weekend",
    "product",
    "launch",
    "lesson",
    "discount",
    "feedback",
    "hiring",
    "clarity",
    "writing",
    "focus",
    "revenue",
    "growth",
]


def text_of(n: int, chars: int) -> str:
    """A thread of four parts, CHARS characters in all, different in its n-th word."""
    words = [WORDS[(n + i * 7) % len(WORDS)] for i in range(chars // 4)]
    body = " ".join(words)
    sentences = [s.capitalize() + "." for s in re.findall(r"(?:\S+ ){11}\S+", body)]
    text = " ".join(sentences) + " Read more: https://example.com/pricing-notes"
    text = text[: chars - 30]
    quarter = len(text) // 4
    cuts = [text.rfind(" ", 0, quarter * k) for k in (1, 2, 3)]
    parts = [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    joined = "\n---\n".join(parts)
    return (joined + " " + "x" * chars)[:chars]


def bulk_csv(rows: int) -> str:
    """ROWS posts over the coming month, each to two or three of the bench's accounts."""
    from datetime import UTC, datetime, timedelta

    from core.spreadsheet import csv_text

    names = ["Practice timeline", "@bench.bsky.social", "@bench@example.social", "@bench"]
    names.append("Bench at work")
    start = datetime.now(UTC) + timedelta(days=1)
    lines = [["text", "time", "accounts", "image_urls", "first_comment"]]
    for n in range(rows):
        text = text_of(n, 120 + (n * 37) % 480).replace("\n---\n", " ")
        if n % 10 == 0:
            text = text[:200] + "\n---\n" + text[200:]
        when = start + timedelta(minutes=40 * n)
        chosen = "; ".join(names[(n + k) % 5] for k in range(2 + n % 2))
        image = f"https://example.com/images/{n}.png" if n % 3 == 0 else ""
        lines.append([text, when.strftime("%Y-%m-%dT%H:%M:%S+00:00"), chosen, image, ""])
    return csv_text(lines)


def connect_accounts() -> None:
    from accounts.models import User
    from accounts.selectors import personal_workspace
    from generation.models import Lesson
    from personas.models import Persona
    from publishing.models import Account

    workspace = personal_workspace(User.objects.get(email=EMAIL))
    for platform, name in [
        ("sandbox", "Practice timeline"),
        ("bluesky", "@bench.bsky.social"),
        ("mastodon", "@bench@example.social"),
        ("x", "@bench"),
        ("linkedin", "Bench at work"),
    ]:
        Account.objects.get_or_create(workspace=workspace, platform=platform, name=name)
    persona = Persona.objects.get(workspace=workspace, name="bench pages")
    Lesson.objects.get_or_create(persona=persona, kind="avoid", value="In today's world")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--chars", type=int, default=2_000)
    parser.add_argument("--rows", type=int, default=1_000)
    args = parser.parse_args()
    setup()

    seed(args.posts)
    connect_accounts()
    from publishing.models import Account

    live_ms: list[float] = []
    deep_ms: list[float] = []
    with gunicorn_server() as base, requests.Session() as session:
        session.cookies.update(sign_in(base))
        opened = session.get(f"{base}/compose/new/?text=start", timeout=30)
        assert opened.status_code == 200, opened.status_code
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', opened.text)[1]
        live_url = opened.url.rstrip("/") + "/live/"
        headers = {"X-CSRFToken": token, "Referer": opened.url, "HX-Request": "true"}
        accounts = [str(a.pk) for a in Account.objects.filter(name__contains="ench")]
        accounts += [str(a.pk) for a in Account.objects.filter(name="Practice timeline")]
        for n in range(args.requests + 10):  # the first ten warm the workers
            form = {"text": text_of(n, args.chars), "accounts": accounts, "number": "on"}
            form["comment"] = "Questions welcome."
            started = time.perf_counter()
            answer = session.post(live_url, data=form, headers=headers, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, (answer.status_code, answer.text[:300])
            assert "data-voice-score" in answer.text, "no voice match in the answer"
            if n >= 10:
                live_ms.append(elapsed)
        deep_url = opened.url.rstrip("/") + "/deep/"
        for _ in range(max(20, args.requests // 5)):
            started = time.perf_counter()
            answer = session.get(deep_url, headers=headers, timeout=30)
            assert answer.status_code == 200
            deep_ms.append((time.perf_counter() - started) * 1000)
        bulk_s = []
        rows = bulk_csv(args.rows).encode()
        for _ in range(3):
            started = time.perf_counter()
            upload = session.post(
                f"{base}/compose/bulk/",
                files={"file": ("posts.csv", rows)},
                data={"csrfmiddlewaretoken": token},
                headers={"Referer": f"{base}/compose/bulk/"},
                timeout=60,
            )
            assert upload.status_code == 200 and "ready" in upload.text, upload.status_code
            bulk_s.append(time.perf_counter() - started)
    print(
        f"requests={len(live_ms)} chars={args.chars} accounts=5 "
        f"live_p50_ms={percentile(live_ms, 50):.0f} live_p95_ms={percentile(live_ms, 95):.0f} "
        f"deep_p50_ms={percentile(deep_ms, 50):.0f} deep_p95_ms={percentile(deep_ms, 95):.0f} "
        f"bulk_rows={args.rows} bulk_preview_s={max(bulk_s):.2f}"
    )


if __name__ == "__main__":
    main()
