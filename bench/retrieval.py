"""Persona-scoped similarity search at scale.

Seeds P personas × N posts with realistic embeddings (each persona writes about a handful of
topics; all vectors share the strong common direction real e5 embeddings have), interleaved in
the table as real traffic would be, then runs persona-scoped top-10 queries through the
product's own selector (`posts.selectors.similar_posts`) and compares with brute force.

    .venv/bin/python bench/retrieval.py --personas 100 --posts 10000

Runs on its own database (contentapp_bench_retrieval), whose posts it replaces.
Prints p50/p95 latency, recall@10 and the share of queries that returned fewer than 10 rows.
Target at 100 × 10,000: p95 ≤ 20 ms, recall@10 = 1.00, 0 short results.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

import numpy as np
from _setup import percentile, setup

DIM = 384
TOPICS_PER_PERSONA = 8


def make_vectors(rng: np.random.Generator, personas: int, posts: int) -> np.ndarray:
    common = rng.standard_normal(DIM).astype(np.float32)
    common /= np.linalg.norm(common)
    out = np.empty((personas, posts, DIM), dtype=np.float32)
    for p in range(personas):
        topics = (
            common * 3.0 + rng.standard_normal((TOPICS_PER_PERSONA, DIM)).astype(np.float32) * 0.12
        )
        which = rng.integers(0, TOPICS_PER_PERSONA, posts)
        vectors = topics[which] + rng.standard_normal((posts, DIM)).astype(np.float32) * 0.08
        out[p] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return out


def seed(
    personas: int, posts: int, rng: np.random.Generator
) -> tuple[list[int], np.ndarray, list[np.ndarray]]:
    # One long function on purpose: the data set's recipe reads top to bottom in one place.
    from django.db import connection
    from pgvector.psycopg import register_vector

    from accounts.models import Workspace
    from personas.models import Persona

    with connection.cursor() as cursor:
        # Its own database (see main): everything that hangs off posts goes with them.
        cursor.execute("TRUNCATE posts_post, posts_importbatch CASCADE")
    Persona.objects.filter(workspace__name="bench-retrieval").delete()
    workspace = Workspace.objects.create(name="bench-retrieval")
    persona_ids = [
        Persona.objects.create(workspace=workspace, name=f"bench {i}", platform="linkedin").pk
        for i in range(personas)
    ]
    vectors = make_vectors(rng, personas, posts)
    # Interleave personas in insertion order, as posts from many tenants arrive in real life.
    order = [(p, i) for p in range(personas) for i in range(posts)]
    random.Random(1).shuffle(order)
    now = datetime.now(UTC)
    started = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    register_vector(raw)
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY posts_post (persona_id, text, text_hash, content_type, content_type_is_auto,"
            " posted_at, source, external_ref, embedding_model, created_at, updated_at, embedding)"
            " FROM STDIN WITH (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(
            [
                "int8",
                "text",
                "varchar",
                "varchar",
                "bool",
                "timestamptz",
                "varchar",
                "varchar",
                "varchar",
                "timestamptz",
                "timestamptz",
                "vector",
            ]
        )
        for p, i in order:
            copy.write_row(
                (
                    persona_ids[p],
                    f"bench post {p}-{i}",
                    f"{p}-{i}",
                    "short",
                    True,
                    now,
                    "import",
                    f"{p}-{i}",
                    "bench",
                    now,
                    now,
                    vectors[p, i],
                )
            )
    raw.commit()
    print(f"seeded {personas * posts:,} posts in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE posts_post")
    # Ids in insertion order per persona, to compare with brute force.
    ids_by_persona = []
    for pid in persona_ids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, external_ref FROM posts_post WHERE persona_id = %s", [pid])
            rows = cursor.fetchall()
        index = {int(ref.split("-")[1]): post_id for post_id, ref in rows}
        ids_by_persona.append(np.array([index[i] for i in range(posts)]))
    return persona_ids, vectors, ids_by_persona


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--personas", type=int, default=100)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    setup()

    from django.db import connection

    from personas.models import Persona
    from posts.selectors import similar_posts

    rng = np.random.default_rng(7)
    persona_ids, vectors, ids_by_persona = seed(args.personas, args.posts, rng)
    personas = {p.pk: p for p in Persona.objects.filter(pk__in=persona_ids)}

    latencies, recalls, short = [], [], 0
    for _ in range(args.queries):
        p = int(rng.integers(0, args.personas))
        base = vectors[p, int(rng.integers(0, args.posts))]
        query = base + rng.standard_normal(DIM).astype(np.float32) * 0.05
        query /= np.linalg.norm(query)
        started = time.perf_counter()
        found = similar_posts(personas[persona_ids[p]], query, k=args.k)
        latencies.append((time.perf_counter() - started) * 1000)
        truth = set(ids_by_persona[p][np.argsort(-(vectors[p] @ query))[: args.k]].tolist())
        recalls.append(len(truth & {post.pk for post in found}) / args.k)
        short += len(found) < args.k

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM posts_post WHERE persona_id = %s AND embedding IS NOT NULL"
            " ORDER BY embedding <=> %s::vector LIMIT 10",
            [persona_ids[0], str(vectors[0, 0].tolist())],
        )
        plan = " / ".join(
            line[0].strip().split("  (cost")[0]
            for line in cursor.fetchall()
            if "Sort Key" not in line[0]
        )
    print(f"plan: {plan}")
    print(
        f"rows={args.personas * args.posts:,} personas={args.personas} queries={args.queries} "
        f"p50_ms={percentile(latencies, 50):.2f} p95_ms={percentile(latencies, 95):.2f} "
        f"recall@{args.k}={np.mean(recalls):.2f} short_results={short / args.queries:.2%}"
    )


if __name__ == "__main__":
    main()
