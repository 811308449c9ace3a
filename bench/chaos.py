"""Chaos: jobs keep their promises while the worker and Redis are killed under them.

    .venv/bin/python bench/chaos.py [--generations 20] [--analyses 15] [--imports 15]

Starts the whole app as `make run` does (manage.py runall: gunicorn, worker, beat, under its
supervisor) on the bench database, queues the jobs (generations, voice analyses, background
imports; model calls answer in 3 s from a local fake), then SIGKILLs the worker at 3 s, Redis
at 10 s and the worker again at 20 s (each when a job is running), and waits for every job to
settle. Duplicates are counted from the results (a generation with
more than three drafts, a persona with more than one new voice version, an import that wrote
a post twice); a job still queued or running at the end is stuck. Recovery is, for each job
that was running when something was killed, the time from the kill until it finished.
Last line: jobs=… completed=… duplicates=… stuck=… max_recovery_s=…
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from _setup import ROOT, free_port, setup, worker_pid

os.environ.setdefault("GENERATIONS_PER_HOUR", "10000")
os.environ.setdefault("GENERATIONS_PER_DAY", "10000")


def make_jobs(args: argparse.Namespace) -> dict[str, list[int]]:
    from accounts.models import Role
    from accounts.selectors import personal_workspace, user_by_email
    from accounts.services import user_sign_up
    from generation.services import generation_request
    from home.demo_posts import DEMO_POSTS
    from personas.services import persona_create
    from posts.importing import import_confirm, import_prepare
    from posts.rules import check_post
    from posts.services import posts_bulk_import
    from voice.services import analysis_request, analysis_run

    email = f"chaos-{int(time.time())}@example.com"
    user = user_by_email(email) or user_sign_up(email=email, password="chaos-password-1")
    workspace = personal_workspace(user)

    def persona_with_posts(name: str):
        persona = persona_create(
            workspace=workspace, role=Role.OWNER, data={"name": name, "platform": "linkedin"}
        )
        rows = [
            check_post({"text": text}, platform="linkedin", timezone="UTC").values
            for text, *_ in DEMO_POSTS
        ]
        posts_bulk_import(persona=persona, values=rows)
        return persona

    writer = persona_with_posts("chaos writer")
    analysis_run(analysis_id=analysis_request(persona=writer, role=Role.OWNER, user=user).pk)
    jobs: dict[str, list[int]] = {"generation": [], "analysis": [], "import": []}
    for n in range(args.analyses):
        persona = persona_with_posts(f"chaos voice {n}")
        jobs["analysis"].append(analysis_request(persona=persona, role=Role.OWNER, user=user).pk)
    for n in range(args.generations):
        topic = f"pricing lesson number {n}"
        generation = generation_request(persona=writer, user=user, role=Role.OWNER, topic=topic)
        jobs["generation"].append(generation.pk)
    for n in range(args.imports):
        persona = persona_create(
            workspace=workspace, role=Role.OWNER, data={"name": f"chaos import {n}"}
        )
        text = "\n---\n".join(
            f"Import {n}, post {i}: a training post long enough to be imported for real."
            for i in range(120)
        )
        batch = import_prepare(
            persona=persona,
            user=user,
            role=Role.OWNER,
            data=text.encode(),
            filename="",
            fmt="paste",
        )
        jobs["import"].append(import_confirm(batch=batch, role=Role.OWNER).pk)
    return jobs


def states(jobs: dict[str, list[int]]) -> dict[tuple[str, int], str]:
    from generation.models import Generation
    from posts.models import ImportBatch
    from voice.models import VoiceAnalysis

    models = {"generation": Generation, "analysis": VoiceAnalysis, "import": ImportBatch}
    found = {}
    for kind, ids in jobs.items():
        for pk, status in models[kind].objects.filter(pk__in=ids).values_list("pk", "status"):
            found[(kind, pk)] = status
    return found


def duplicates(jobs: dict[str, list[int]]) -> int:
    from django.db.models import Count

    from generation.models import Variation
    from posts.models import ImportBatch, Post
    from voice.models import VoiceAnalysis, VoiceProfile

    count = 0
    drafts = Variation.objects.filter(generation_id__in=jobs["generation"])
    count += sum(
        max(0, row["n"] - 3) for row in drafts.values("generation_id").annotate(n=Count("id"))
    )
    personas = VoiceAnalysis.objects.filter(pk__in=jobs["analysis"]).values_list(
        "persona_id", flat=True
    )
    versions = VoiceProfile.objects.filter(persona_id__in=list(personas)).values("persona_id")
    count += sum(max(0, row["n"] - 1) for row in versions.annotate(n=Count("id")))
    for batch in ImportBatch.objects.filter(pk__in=jobs["import"]):
        posts = Post.objects.filter(persona_id=batch.persona_id)
        count += posts.count() - posts.values("text_hash").distinct().count()
    return count


def main() -> None:
    # One long function on purpose: the chaos protocol reads top to bottom in one place.
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--analyses", type=int, default=15)
    parser.add_argument("--imports", type=int, default=15)
    parser.add_argument("--timeout", type=float, default=400)
    args = parser.parse_args()
    setup()
    from core import embedded
    from tests.fakes.openai_server import FakeOpenAI

    # Model calls take seconds (a fake OpenAI-compatible server answering in 3 s), as real ones
    # do: the kills land on jobs in the middle of their work.
    model = FakeOpenAI().start()
    model.delay = 3
    model.reply = "<post>" + "Pricing is a promise we keep to our customers. " * 3 + "</post>"
    port = free_port()
    env = {**os.environ, "DATABASE_NAME": "contentapp_bench", "LOG_LEVEL": "WARNING"}
    env["CELERY_QUEUE"] = "bench"  # the queue bench/_setup sends to: this app's worker only
    env |= {"LLM_PROVIDERS": "openai", "OPENAI_API_KEY": "sk-bench"}
    env |= {"OPENAI_BASE_URL": model.base_url}
    env.pop("REDIS_URL", None)  # the supervisor's own embedded Redis, which it revives
    app = subprocess.Popen(
        [sys.executable, "manage.py", "runall", "--addr", f"127.0.0.1:{port}", "--no-reload"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while worker_pid() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(5)  # the worker connects to the broker
        jobs = make_jobs(args)
        total = sum(len(ids) for ids in jobs.values())
        print(f"queued {total} jobs; killing things", flush=True)
        redis_pid_file = embedded.var_dir() / "redis" / "redis.pid"
        plan = [(3, "worker"), (10, "redis"), (20, "worker")]
        started = time.monotonic()
        kills: list[tuple[float, str, set[tuple[str, int]]]] = []
        finished_at: dict[tuple[str, int], float] = {}
        while time.monotonic() - started < args.timeout:
            now = time.monotonic()
            current = states(jobs)
            for key, status in current.items():
                if status in ("done", "failed") and key not in finished_at:
                    finished_at[key] = now
            running = {k for k, s in current.items() if s == "running"}
            # Each kill waits (up to 15 s past its time) for a job to be running, so it hits one.
            if (
                plan
                and now - started >= plan[0][0]
                and (running or now - started > plan[0][0] + 15)
            ):
                _, target = plan.pop(0)
                pid = worker_pid() if target == "worker" else int(redis_pid_file.read_text())
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    kills.append((now, target, running))
                    print(f"{now - started:5.1f}s killed {target} ({len(running)} running)")
            if not plan and len(finished_at) == total:
                break
            time.sleep(0.5)
        final = states(jobs)
        completed = sum(1 for s in final.values() if s == "done")
        stuck = sum(1 for s in final.values() if s not in ("done", "failed"))
        failed = sum(1 for s in final.values() if s == "failed")
        recovery = [
            finished_at.get(key, time.monotonic()) - at
            for at, _, running in kills
            for key in running
        ]
        settled = max(finished_at.values(), default=started) - started
        print(f"failed={failed} settled_in_s={settled:.0f}")
        print(
            f"jobs={total} completed={completed} duplicates={duplicates(jobs)} stuck={stuck} "
            f"max_recovery_s={max(recovery, default=0):.0f}"
        )
    finally:
        os.killpg(app.pid, signal.SIGINT)
        app.wait(timeout=60)
        model.stop()


if __name__ == "__main__":
    main()
