"""manage.py trends_eval on a small made-up file (tests never read the team's data sets).

Twelve authors, each writing about their own subject; vectors come from a cache file so nothing is
embedded."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

SUBJECTS = [
    "sourdough bread baking",
    "marathon running",
    "saas pricing",
    "engineering hiring",
    "vegetable gardening",
    "chess openings",
    "home espresso",
    "bird watching",
    "jazz guitar",
    "mountain climbing",
    "python packaging",
    "wine tasting",
]


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    lines, texts, vectors = [], [], []
    for a, subject in enumerate(SUBJECTS):
        centre = rng.normal(size=384)
        for n in range(55):
            text = f"Post {n} by author {a} on {subject}: {subject.split()[-1]} notes, day {n}."
            lines.append(
                json.dumps(
                    {
                        "author": f"a{a}",
                        "text": text,
                        "posted_at": f"2026-01-{1 + n % 28:02d}T{n:02d}",
                    }
                )
            )
            texts.append(text)
            vector = centre + 0.9 * rng.normal(size=384)
            vectors.append(vector / np.linalg.norm(vector))
    file = tmp_path / "authors.jsonl"
    file.write_text("\n".join(lines), encoding="utf-8")
    cache = tmp_path / "vectors.npz"
    np.savez(cache, texts=np.array(texts), vectors=np.array(vectors))
    return file, cache


def test_it_ranks_each_author_s_next_posts_first(data):
    file, cache = data
    out = StringIO()
    call_command("trends_eval", str(file), "--cache", str(cache), "--report", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 13  # one per author, then the summary
    summary = dict(part.split("=") for part in lines[-1].split())
    assert summary["authors"] == "12"
    assert float(summary["precision@10"]) >= 0.9
    assert 0.9 <= float(summary["ndcg@10"]) <= 1.0


def test_too_few_authors_is_a_clear_error(tmp_path):
    file = tmp_path / "few.jsonl"
    file.write_text(json.dumps({"author": "a", "text": "hello"}), encoding="utf-8")
    with pytest.raises(CommandError, match="Need more than 9 authors"):
        call_command("trends_eval", str(file))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1"):
        call_command("trends_eval", str(bad))
