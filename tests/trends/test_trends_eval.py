"""manage.py trends_eval on a small made-up file (tests never read the team's data sets).

Twelve authors, each writing about their own subject; vectors come from a cache file so nothing is
embedded."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from pillars.models import Pillar
from pillars.services import reference_texts
from trends.models import TrendItem

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
    for text in reference_texts():  # other people's posts: about anything
        texts.append(text)
        vector = rng.normal(size=384)
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


PRICING = [  # twenty different openings, so the feed's items are twenty different stories
    "We raised our subscription prices and kept every customer who mattered.",
    "Annual plans bring better customers than monthly discounts ever did.",
    "Our pricing page test showed the middle tier wins.",
    "Discounts train buyers to wait for the next sale.",
    "Usage-based pricing makes revenue forecasts miserable.",
    "Charge more than feels comfortable when you sell software.",
    "Price anchoring works: show the enterprise plan first.",
    "Freemium nearly killed our startup's revenue.",
    "Grandfathering old customers on a price increase is a gift.",
    "Nobody reads your pricing page as closely as you do.",
    "A paid trial made our subscription revenue predictable.",
    "Cheap plans attract the customers who churn first.",
    "Per-seat pricing punishes the teams that love your product.",
    "We tested three pricing tiers with new signups.",
    "Raising prices is a positioning decision, not a finance one.",
    "The customers who complain loudest about price rarely leave.",
    "Value metrics matter more than the price number itself.",
    "Our churn fell after we dropped the cheapest plan.",
    "Enterprise buyers expect a sales call before a quote.",
    "Coupons on the pricing page cost us more than they earned.",
]
FOLLOW_UPS = ["That was our lesson this year.", "Ask me how.", "More soon.", "Thoughts?"]
OTHERS = [
    "Easy runs, mostly: marathon week {n} was slow miles and long naps.",
    "Hiring note {n}: referrals beat job boards for senior engineers.",
    "Planted tomatoes and basil in bed {n} of the vegetable garden today.",
    "Chess opening study {n}: the Sicilian still confuses me in blitz.",
]


@pytest.mark.django_db
def test_through_the_scan_off_domain_headlines_stay_out_of_the_top(tmp_path):
    """`--feed`: a persona from the author's first 70 posts, a real scan of a loopback feed."""
    lines = []
    for a in range(11):
        for n in range(80):
            if a == 0:
                text = f"{PRICING[n % 20]} {FOLLOW_UPS[n // 20]}"
            else:
                text = OTHERS[(n + a) % len(OTHERS)].format(n=n + 1)
            lines.append(json.dumps({"author": f"a{a:02d}", "text": text, "posted_at": f"{n:03d}"}))
    file = tmp_path / "authors.jsonl"
    file.write_text("\n".join(lines), encoding="utf-8")
    out = StringIO()
    call_command("trends_eval", str(file), "--feed", "--authors", "1", "--report", stdout=out)
    report, summary_line = out.getvalue().strip().splitlines()
    summary = dict(part.split("=") for part in summary_line.split())
    assert summary["authors"] == "1"
    assert float(summary["offdomain_top3"]) == 0
    assert float(summary["precision@10"]) >= 0.6
    assert report.startswith("a00 ") and "own:" in report.split("|")[1].split(";")[0]
    # each author's persona, items and pillars were rolled back
    assert not TrendItem.objects.exists() and not Pillar.objects.exists()
