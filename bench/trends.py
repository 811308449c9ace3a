"""One full trend scan at volume.

50 feeds × 100 items from a local server, read, parsed, deduplicated, embedded and scored for 10
personas (not part of the test run).

    .venv/bin/python bench/trends.py [--feeds 50] [--items 100] [--personas 10]

Items are other people's posts (the shipped background, as headline + summary); one item in
ten is carried by two feeds, so deduplication has work. Each persona has 30 embedded posts and
discovered pillars (set up before the clock starts). Times the first scan (everything new) and
a second one (every feed answers 304 Not Modified); between them, the backlog job that embeds
every item the scan did not (and folds the copies it finds). Target: the first scan ≤ 30 s.
Last line: feeds=… items=… new=… kept=… personas=… scan_s=… fetch_parse_s=… fold_in_s=…
embed_score_s=… embedded=… backlog_s=… after_backlog_kept=… unembedded=… rescan_s=…"""

from __future__ import annotations

import argparse
import time

from _setup import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--personas", type=int, default=10)
    args = parser.parse_args()
    setup()
    from datetime import UTC, datetime, timedelta

    from accounts.models import Role, Workspace
    from llm.services import embed_for
    from personas.models import Persona
    from pillars import services as pillars
    from posts.models import Post
    from posts.rules import text_hash
    from tests.fakes.trends_server import FakeTrendSources, rss
    from trends import services
    from trends.models import TrendItem, TrendSource
    from voice.contrast import background_texts

    Workspace.objects.filter(name="Trends bench").delete()
    workspace = Workspace.objects.create(name="Trends bench")
    texts = [t for language in ("en", "pt", "es") for t in background_texts(language)]
    now = datetime.now(UTC)
    for n in range(args.personas):
        persona = Persona.objects.create(
            workspace=workspace, name=f"Bench {n}", platform="linkedin", language="en"
        )
        own = texts[4000 + 30 * n : 4030 + 30 * n]
        vectors = embed_for(persona, own, purpose="bench")
        Post.objects.bulk_create(
            Post(
                persona=persona,
                text=text,
                text_hash=text_hash(text),
                content_type="short",
                posted_at=now - timedelta(days=i),
                embedding=vector,
                embedding_model="bench",
            )
            for i, (text, vector) in enumerate(zip(own, vectors, strict=True))
        )
        run = pillars.discovery_request(persona=persona, role=Role.OWNER, user=None)
        pillars.discovery_run(discovery_id=run.pk)

    def item(k: int) -> dict[str, str]:
        body = " ".join(texts[k].split())
        return {"title": body[:90], "link": f"https://news.example.com/{k}", "summary": body[:300]}

    with FakeTrendSources() as server:
        for f in range(args.feeds):
            start = f * args.items
            entries = [item(start + i) for i in range(args.items)]
            if f:  # one item in ten also appears in the previous feed
                entries[::10] = [item(start - args.items + i) for i in range(0, args.items, 10)]
            server.feeds[f"f{f}.xml"] = rss(entries, title=f"Feed {f}")
            TrendSource.objects.create(
                workspace=workspace, kind="feed", name=f"Feed {f}", url=server.url(f"f{f}.xml")
            )
        phases: dict[str, float] = {}
        from trends.services import scan as scan_module

        original_fold_in, original_score = scan_module.fold_in, scan_module.score_workspace

        def timed(name, function):
            def run(*a, **k):
                began = time.perf_counter()
                try:
                    return function(*a, **k)
                finally:
                    phases[name] = phases.get(name, 0.0) + time.perf_counter() - began

            return run

        scan_module.fold_in = timed("fold_in", original_fold_in)
        scan_module.score_workspace = timed("score", original_score)
        began = time.perf_counter()
        report = services.workspace_scan(workspace_id=workspace.pk)
        scan_s = time.perf_counter() - began
        first = dict(phases)
        embedded = TrendItem.objects.filter(workspace=workspace, embedding__isnull=False).count()
        began = time.perf_counter()  # the job that follows a scan: every other item embedded
        services.embed_backlog(workspace_id=workspace.pk, limit=10**6)
        backlog_s = time.perf_counter() - began
        began = time.perf_counter()
        services.workspace_scan(workspace_id=workspace.pk)
        rescan_s = time.perf_counter() - began
    items = TrendItem.objects.filter(workspace=workspace)
    fetch_parse = scan_s - first["fold_in"] - first["score"]
    print(
        f"feeds={args.feeds} items={report.items_seen} new={report.items_new} "
        f"kept={TrendItem.objects.filter(workspace=workspace).count()} "
        f"personas={report.personas_scored} scan_s={scan_s:.1f} fetch_parse_s={fetch_parse:.1f} "
        f"fold_in_s={first['fold_in']:.1f} embed_score_s={first['score']:.1f} "
        f"embedded={embedded} backlog_s={backlog_s:.1f} "
        f"after_backlog_kept={items.count()} "
        f"unembedded={items.filter(embedding__isnull=True).count()} rescan_s={rescan_s:.1f}"
    )


if __name__ == "__main__":
    main()
