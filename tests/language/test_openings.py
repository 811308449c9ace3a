"""A creator's own openings, with a new idea put in (language.openings)."""

from __future__ import annotations

from language.openings import first_line, openings


def test_labels_they_use_again_and_again_come_first_then_their_best_posts_openings():
    posts = [  # best performing first
        "Looking for some bipartisanship? Here it is. https://t.co/x",
        "Murray: our bill passed the Senate.",
        "Hoje, no programa, falamos de tudo.",  # a comma once is a sentence, not a label
        "Murray: we will not stop.",
        "ICYMI: the hearing on waste, in full.",
    ]
    found = openings(posts, "en")
    assert [o.with_subject("shrimp on a treadmill") for o in found] == [
        "Murray: Shrimp on a treadmill",
        "Looking for some shrimp on a treadmill?",
        "ICYMI: Shrimp on a treadmill",
    ]
    assert found[1].line == "Looking for some bipartisanship?"  # what the hook came from


def test_a_question_slot_takes_a_noun_phrase_not_a_clause():
    (question,) = openings(["Looking for some bipartisanship?"], "en")
    assert question.fits("Government waste")
    assert not question.fits("How we cut government waste")
    assert openings(["Ready for the summit?"], "en") == []  # "the …" would clash with the idea's
    # the slot takes a short noun phrase: not two parts, not a sentence
    assert not question.fits("Charleston church anniversary: coming together as a community")
    assert not question.fits("Apprenticeships for every student in every county of the state")
    assert question.fits("U.S. trade deals") and question.fits("Web 2.0 pricing")
    assert not question.fits("Trade deals. Jobs")
    # a question around a tag or a name was about that post, not a pattern of theirs
    assert openings(["So you're saying #TheVoice isn't in my future?"], "en") == []
    assert openings(["Did you see @nasa launch today?"], "en") == []


def test_a_habitual_comma_label_counts_and_names_keep_their_capitals():
    found = openings(["Ontem, fomos à feira.", "Ontem, choveu muito."], "pt")
    assert [o.with_subject("NASA e o orçamento") for o in found] == ["Ontem, NASA e o orçamento"]
    assert [o.with_subject("O preço da gasolina") for o in found] == ["Ontem, o preço da gasolina"]


def test_posts_without_a_label_or_short_question_give_no_opening():
    assert openings(["We are Charleston.", "Great to see so many friends today!"], "en") == []


def test_first_line_is_the_first_sentence_of_the_first_line_without_links():
    assert first_line("\n  Big news: we shipped. More soon\nsecond line") == "Big news: we shipped."
    assert first_line("https://t.co/a Read this now") == "Read this now"
