"""manage.py pillars_eval on a small made-up file (tests never read the team's data sets).

Three authors with three themes each; vectors come from a cache file so nothing is embedded."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from language.text import first_sentence
from pillars.services import reference_texts

THEMES = {
    "pricing": "Our pricing page",
    "hiring": "Hiring senior engineers",
    "running": "Marathon training",
}


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    lines, vectors = [], {}
    for a in range(3):
        centres = {theme: rng.normal(size=384) for theme in THEMES}
        for n in range(100):
            theme = list(THEMES)[n % 3]
            text = f"{THEMES[theme]} changed in week {n} of author {a}. Notes {n} follow."
            lines.append(json.dumps({"author": f"a{a}", "text": text, "posted_at": f"{n:03d}"}))
            vectors[text] = _unit(centres[theme] + 0.5 * rng.normal(size=384))
            vectors[first_sentence(text)] = _unit(centres[theme] + 0.7 * rng.normal(size=384))
    for text in reference_texts():
        vectors[text] = _unit(rng.normal(size=384))
    file = tmp_path / "authors.jsonl"
    file.write_text("\n".join(lines), encoding="utf-8")
    cache = tmp_path / "vectors.npz"
    np.savez(cache, texts=np.array(list(vectors)), vectors=np.array(list(vectors.values())))
    return file, cache


def test_ideas_land_where_their_posts_would_and_pillars_are_named_by_topics(data):
    file, cache = data
    out = StringIO()
    call_command("pillars_eval", str(file), "--cache", str(cache), "--report", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 4  # one per author, then the summary
    summary = dict(part.split("=") for part in lines[-1].split())
    assert summary["authors"] == "3"
    assert float(summary["agreement"]) >= 0.9
    assert float(summary["named"]) == 1.0
    assert float(summary["named_ceiling"]) == 1.0  # every author writes three phrases often
    # each named by what its posts say ("Our pricing page" starts with a stop word)
    assert "Pricing page;" in lines[0] and "Hiring senior" in lines[0]


def test_a_file_without_enough_posts_is_a_clear_error(tmp_path):
    file = tmp_path / "few.jsonl"
    file.write_text(json.dumps({"author": "a", "text": "hello"}), encoding="utf-8")
    with pytest.raises(CommandError, match="No author has 100 posts"):
        call_command("pillars_eval", str(file))


def test_the_ceiling_counts_the_groups_of_posts_a_phrase_could_name():
    from pillars.management.commands.pillars_eval import phrase_groups

    fillers = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    posts = [f"Pricing page. {day} notes." for day in fillers] + ["Nothing repeats here at all."]
    assert phrase_groups(posts, "en") == 2  # "pricing page" in 7 posts: two groups of three
    assert phrase_groups(["A quiet morning.", "Slow coffee today.", "Rain again."], "en") == 0
