"""Cutting a text into thread parts loses nothing.

Whole sentences in order, links intact, every part within the platform's own count."""

from __future__ import annotations

from language.platforms import measure
from language.threads import join_parts, numbered, split_for_me, split_parts


def test_split_keeps_links_and_every_word():
    text = (
        "Read this first. The full write-up is at https://example.com/notes/pricing-2026 and"
        " it has the numbers. We raised prices 30%. Churn moved by 1%. Would you have done it?"
    )
    parts = split_for_me(text, 60, len)
    assert all(len(p) <= 60 for p in parts)
    assert " ".join(parts) == text
    assert any("https://example.com/notes/pricing-2026" in p for p in parts)


def test_split_counts_as_the_platform_does_with_room_for_numbering():
    link = "https://example.com/" + "a" * 100  # X counts it as 23
    text = " ".join(f"Sentence {n} links {link} once." for n in range(6))
    parts = split_for_me(text, 280, lambda t: measure("x", t).length, numbering=True)
    assert all(measure("x", p).valid for p in parts)
    assert parts[-1].endswith(f"{len(parts)}/{len(parts)}")


def test_parts_round_trip_through_separators():
    assert split_parts("One\n---\nTwo\n  ---  \nThree") == ["One", "Two", "Three"]
    assert split_parts(join_parts(["One", "Two"])) == ["One", "Two"]
    assert numbered(["a", "b"]) == ["a\n\n1/2", "b\n\n2/2"]
