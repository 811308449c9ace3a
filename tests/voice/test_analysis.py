from __future__ import annotations

import pytest

from language.stylometry import cta_type, hook_type, post_shape
from language.text import detect_language, emojis
from voice.analysis import WeightedPost, analyse

LIST_POST = (
    "Three things I learned from hiring 50 engineers:\n\n"
    "1. Clear writing beats clever puzzles\n2. Ask about a time they changed their mind\n"
    "3. Check references yourself\n\nWhat would you add?"
)
EMOJI_POST = "Shipped it! 🚀🚀 Thank you team, so proud of this crew 🙌 Follow for the next launch."
SHORT_SENTENCES = "Stop. Breathe. Ship. Learn. Repeat. That is the whole playbook. No magic."
LONG_SENTENCE = (
    "When we started the company in a tiny flat with no money and a borrowed laptop we had no "
    "idea that the hardest part would not be the product but the slow patient work of earning "
    "trust from customers who had been burned before by tools that promised everything."
)


def test_hooks_ctas_and_shapes():
    assert hook_type("Why do most launches fail?", "en") == "question"
    assert hook_type("Three things I learned from hiring:", "en") == "number"
    assert hook_type("Last year I almost quit.", "en") == "story"
    assert hook_type("Unpopular opinion: meetings are fine.", "en") == "contrarian"
    assert hook_type("“Done is better than perfect.”", "en") == "quote"
    assert hook_type("Ano passado eu quase desisti.", "pt") == "story"
    assert cta_type("What would you add?", "en") == "question"
    assert cta_type("Comente aqui embaixo o que você acha", "pt") == "comment"
    assert cta_type("Sígueme para más", "es") == "follow or share"
    assert cta_type("Follow me for more notes like this.", "en") == "follow or share"
    assert cta_type("If it helped, repost it.", "en") == "follow or share"
    assert cta_type("→ Share this with a founder friend", "en") == "follow or share"
    # A mention is not a call to action.
    assert cta_type("We follow the plan and share the numbers with the team.", "en") == "statement"
    assert cta_type("Our shareholders were happy.", "en") == "statement"
    assert post_shape(LIST_POST, "en") == "hook → list → CTA"


def test_features_of_hand_written_posts():
    profile = analyse(
        [
            WeightedPost(p)
            for p in (LIST_POST, EMOJI_POST, SHORT_SENTENCES, LONG_SENTENCE, LIST_POST)
        ]
    )
    s, f = profile["structure"], profile["fingerprint"]
    assert profile["language"] == "en"
    assert s["list_share"] == pytest.approx(0.4)
    assert s["hooks"]["shares"]["number"] == pytest.approx(0.4)
    assert s["ctas"]["shares"]["question"] == pytest.approx(0.4)
    assert f["emoji"]["favourites"][0] == ["🚀", 2]
    assert f["emoji"]["share_of_posts"] == pytest.approx(0.2)
    assert f["punctuation"]["questions_per_post"] == pytest.approx(0.4)
    histogram = s["sentence_length"]["histogram"]["counts"]
    assert histogram[0] >= 5  # the one-word sentences
    assert histogram[-1] == 1  # the 47-word sentence
    assert f["pronouns"]["i"] > 0 and f["pronouns"]["you"] > 0
    assert 0 <= profile["tone"]["analytical"] <= 1 and len(profile["tone"]) == 8
    assert "English" in profile["summary"]


def test_better_performing_posts_weigh_more():
    quiet = [WeightedPost("Why is this the question everyone asks about pricing?", 0.5)] * 3
    loud = [WeightedPost("Pricing is a product decision. Own it.", 2.0)] * 3
    shares = analyse(quiet + loud)["structure"]["hooks"]["shares"]
    assert shares["bold claim"] == pytest.approx(0.8)
    assert shares["question"] == pytest.approx(0.2)


def test_language_detection_and_emoji():
    assert detect_language(["Eu acho que a gente precisa de mais tempo pra isso"]) == "pt"
    assert detect_language(["Creo que el equipo necesita más tiempo para esto"]) == "es"
    assert detect_language(["I think the team needs more time for this"]) == "en"
    assert emojis("ok 🇧🇷 👍 ✅") == ["🇧", "🇷", "👍", "✅"]
