"""The platforms' own rules, held against the references written by others.

Twitter-text's conformance file for X (the v3 weighted-length cases) and Unicode's GraphemeBreakTest
for Bluesky — both through `manage.py check_text`, the function the schedule forms call."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from language.platforms import measure, normalise

DATA = Path(__file__).resolve().parent.parent / "data"


def check_text(platform: str, texts: list[str]) -> list[dict]:
    out = io.StringIO()
    lines = "".join(json.dumps({"text": text}) + "\n" for text in texts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(lines))
        call_command("check_text", "--platform", platform, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _v3_cases() -> list[dict]:
    tests = yaml.safe_load((DATA / "twitter-text" / "validate.yml").read_text("utf-8"))["tests"]
    # twitter-text v3 counts emoji sequences as 2 (the v2 section predates that).
    return (
        tests["WeightedTweetsWithDiscountedEmojiCounterTest"]
        + tests["UnicodeDirectionalMarkerCounterTest"]
    )


def test_x_passes_every_v3_weighted_length_case_of_twitter_text_conformance():
    cases = _v3_cases()
    assert len(cases) == 24
    results = check_text("x", [case["text"] for case in cases])
    wrong = [
        (case["description"], got, case["expected"])
        for case, got in zip(cases, results, strict=True)
        if (got["length"], got["valid"])
        != (case["expected"]["weightedLength"], case["expected"]["valid"])
    ]
    assert wrong == []


def _grapheme_cases() -> list[tuple[str, list[str]]]:
    cases = []
    for raw in (DATA / "unicode" / "GraphemeBreakTest.txt").read_text("utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        clusters, current = [], ""
        for token in line.split():
            if token == "÷":
                if current:
                    clusters.append(current)
                current = ""
            elif token != "×":
                current += chr(int(token, 16))
        cases.append(("".join(clusters), clusters))
    return cases


def test_bluesky_counts_every_line_of_unicode_grapheme_break_test():
    cases = _grapheme_cases()
    assert len(cases) == 602
    # CR LF is one cluster in the test, and one line break once normalised as we store it.
    results = check_text("bluesky", [text for text, _ in cases])
    wrong = [
        (text.encode("unicode_escape"), got["length"], len(clusters))
        for (text, clusters), got in zip(cases, results, strict=True)
        if got["length"] != len(clusters)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("platform", "text", "length", "valid"),
    [
        ("x", "Visit twitter.com now", 33, True),  # a bare domain is a 23-character link
        ("x", "a" * 265 + " example.com", 289, False),
        ("x", "https://example.com" + "!" * 30 + "a" * 241, 294, False),
        ("x", "a\ufffe", 3, False),
        ("x", "1\u20e3", 2, True),  # a keycap without FE0F is one emoji: 2
        ("bluesky", "a" * 296 + "\r\n" * 4, 300, True),  # CR LF is one line break
        ("bluesky", "👨‍👩‍👧‍👦" * 50, 50, True),
        ("bluesky", "a" * 301, 301, False),
        ("bluesky", "é" * 1501, 1501, False),  # 3,002 bytes: over Bluesky's 3,000
        ("mastodon", "@alice@mastodon.social " + "https://example.com/" + "p" * 480, 30, True),
        ("mastodon", "a" * 501, 501, False),
    ],
)
def test_platform_rules_on_the_texts_that_were_wrong(platform, text, length, valid):
    [result] = check_text(platform, [text])
    assert (result["length"], result["valid"]) == (length, valid)
    assert bool(result["problem"]) is not valid


def test_text_is_measured_as_it_is_stored():
    assert normalise("one\r\ntwo\rthree\n") == "one\ntwo\nthree\n"
    assert measure("x", "a" * 276 + "\r\n" * 4).length == 280  # not 284
