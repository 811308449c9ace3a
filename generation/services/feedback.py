"""What the creator does with a draft, and the lessons it teaches the next drafts.

What the creator does with a draft — accept (maybe edited), reject with reasons, edit —
and the lessons it teaches the next drafts: length preference, phrases to avoid and to keep.
Accepting and rejecting near-identical drafts is flagged as a contradiction on both."""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from generation.models import (
    Decision,
    DecisionKind,
    Lesson,
    LessonKind,
    RejectReason,
    Variation,
    VariationStatus,
)
from generation.services.scoring import SCORE_FIELDS, apply_score, score_texts
from personas.models import Persona
from voice.selectors import confirmed_phrases, latest_voice_version

_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")


def _words_and_line_ends(text: str) -> tuple[list[str], set[int]]:
    """The text's words, and the indexes of those that end a line.

    A line is a unit even without a full stop: drafts often end a line on "… rarely leave"."""
    words, line_ends = [], set()
    for match in re.finditer(r"(\S+)(\s*)", text):
        words.append(match.group(1))
        if "\n" in match.group(2):
            line_ends.add(len(words) - 1)
    return words, line_ends


def _sentence_spans(words: list[str], ends: set[int]) -> list[tuple[int, int, bool]]:
    """Each sentence's word span and whether it was finished.

    [start, end) word indexes of each sentence and whether it was finished: a sentence ends
    at . ! ? or …, or at an index in `ends` (a line break, or the edge of the creator's own
    insertion)."""
    spans, start = [], 0
    for i, word in enumerate(words):
        if _SENTENCE_END.search(word) or i in ends:
            spans.append((start, i + 1, True))
            start = i + 1
    if start < len(words):
        spans.append((start, len(words), False))
    return spans


def _whole_units(
    words: list[str], ends: set[int], lo: int, hi: int, *, edge_phrases: bool
) -> list[str]:
    """The complete (finished) sentences inside words[lo:hi].

    With `edge_phrases`, also a 2–8 word run that opens or closes a sentence ("Here's what", "… in
    my opinion") and an unfinished last sentence — never a fragment cut from the middle of one."""
    units = []
    for start, end, finished in _sentence_spans(words, ends):
        if lo <= start and end <= hi and end - start >= 2 and (finished or edge_phrases):
            units.append(" ".join(words[start:end]))
        elif (
            edge_phrases
            and 2 <= hi - lo <= 8
            and start <= lo < hi <= end
            and (lo == start or hi == end)
        ):
            units.append(" ".join(words[lo:hi]).strip(".,;:!?"))
    return units


def _phrases_removed_and_added(before: str, after: str) -> tuple[list[str], list[str]]:
    """What the creator deleted and what they added.

    Whole sentences, or a phrase that opened or closed one. Whole sentences only: a kept phrase is
    added to later drafts as is. Added text that opens with a capital starts a sentence of its own,
    even when the line it was typed after had no full stop."""
    a, a_ends = _words_and_line_ends(before)
    b, b_ends = _words_and_line_ends(after)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            removed += _whole_units(a, a_ends, i1, i2, edge_phrases=True)
        if tag in ("insert", "replace"):
            ends = b_ends | ({j1 - 1} if j1 > 0 and b[j1][:1].isupper() else set())
            added += _whole_units(b, ends, j1, j2, edge_phrases=False)
    return removed, added


def phrase_key(value: str) -> str:
    """A phrase as it is compared.

    Case, surrounding quotes and punctuation, and runs of white space do not make two phrases
    different ("Your tax dollars at work." is the same)."""
    return " ".join(value.casefold().strip(" \t\n\"'“”‘’«».,;:!?…-—").split())


def _confirmed(persona: Persona, value: str) -> bool:
    """Whether the creator confirmed this phrase as theirs on the voice page."""
    key = phrase_key(value)
    return any(
        key and (key == (other := phrase_key(phrase)) or (len(other) > 3 and other in key))
        for phrase in confirmed_phrases(persona)
    )


def _learn(persona: Persona, kind: str, value: str, source: Variation) -> None:
    """A lesson, unless it contradicts what the creator confirmed.

    The later of two opposite decisions on one phrase wins and the earlier is kept as superseded."""
    value = value.strip()[:200]
    if not value:
        return
    if kind == LessonKind.AVOID and _confirmed(persona, value):
        return  # they said it sounds like them: an edit that dropped it is no rule
    if kind == LessonKind.LENGTH:
        Lesson.objects.filter(persona=persona, kind=kind).exclude(value=value).update(active=False)
    lesson, _ = Lesson.objects.update_or_create(
        persona=persona,
        kind=kind,
        value=value,
        defaults={"source": source, "active": True, "superseded_at": None, "superseded_by": None},
    )
    if kind in (LessonKind.AVOID, LessonKind.KEEP):  # a phrase is one or the other
        other = LessonKind.KEEP if kind == LessonKind.AVOID else LessonKind.AVOID
        key = phrase_key(value)
        earlier = [
            row.pk
            for row in Lesson.objects.filter(persona=persona, kind=other, superseded_at=None)
            if phrase_key(row.value) == key
        ]
        Lesson.objects.filter(pk__in=earlier).update(
            active=False, superseded_at=timezone.now(), superseded_by=lesson
        )


_NOTE_PHRASE = re.compile(r"[\"“'‘«]([^\"”'’»]{2,80})[\"”'’»]")


def _learn_from_note(persona: Persona, note: str, source: Variation) -> None:
    """Quoted phrases in a note ("never start with 'Here's what'") are phrases to avoid."""
    for phrase in _NOTE_PHRASE.findall(note):
        _learn(persona, LessonKind.AVOID, phrase, source)


def _learn_from_edit(persona: Persona, before: str, after: str, source: Variation) -> str:
    removed, added = _phrases_removed_and_added(before, after)
    for phrase in removed:
        _learn(persona, LessonKind.AVOID, phrase, source)
    for phrase in added:
        _learn(persona, LessonKind.KEEP, phrase, source)
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            "draft",
            "edited",
        )
    )


def _near_identical(a: str, b: str, threshold: float = 0.85) -> bool:
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    # The cheap upper bounds rule out almost every pair before the full comparison.
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )


def _flag_contradictions(variation: Variation) -> None:
    """Accepting and rejecting near-identical drafts of one persona is flagged on both."""
    opposite = (
        VariationStatus.REJECTED
        if variation.status == VariationStatus.ACCEPTED
        else VariationStatus.ACCEPTED
    )
    candidates = (
        Variation.objects.filter(
            generation__persona_id=variation.generation.persona_id, status=opposite
        )
        .order_by("-decided_at")
        .values_list("pk", "text")[:200]
    )
    clashing = [pk for pk, text in candidates if _near_identical(text, variation.text)]
    if clashing:
        Variation.objects.filter(pk__in=[*clashing, variation.pk]).update(
            flagged_contradiction=True
        )


def decision_record(variation: Variation, kind: str, user: User | None, **fields: Any) -> None:
    """Keep what the creator did with a draft, for good (see Decision)."""
    Decision.objects.create(
        persona_id=variation.generation.persona_id,
        variation=variation,
        kind=kind,
        text=fields.pop("text", variation.text),
        score=fields.pop("score", variation.score),
        user=user,
        **fields,
    )


def _undecided(variation: Variation) -> None:
    if variation.decided:
        raise ValidationError(
            f"This draft is {variation.get_status_display().lower()} and stays as it was "
            "decided. Refine or regenerate it to make a new revision."
        )


@transaction.atomic
def variation_accept(
    *, variation: Variation, role: str, user: User, final_text: str | None = None
) -> Variation:
    require(role, Action.EDIT)
    _undecided(variation)
    persona = variation.generation.persona
    if final_text is not None and final_text.strip() and final_text.strip() != variation.text:
        variation.edit_diff = _learn_from_edit(
            persona, variation.text, final_text.strip(), variation
        )
        variation.text = final_text.strip()
    variation.status = VariationStatus.ACCEPTED
    variation.reject_reasons = []
    variation.decided_at = timezone.now()
    variation.save(
        update_fields=["text", "edit_diff", "status", "reject_reasons", "decided_at", "updated_at"]
    )
    decision_record(variation, DecisionKind.ACCEPT, user, diff=variation.edit_diff)
    _flag_contradictions(variation)
    return variation


@transaction.atomic
def variation_reject(
    *, variation: Variation, role: str, user: User, reasons: list[str], note: str = ""
) -> Variation:
    require(role, Action.EDIT)
    _undecided(variation)
    reasons = [r for r in reasons if r in RejectReason.values]
    if not reasons:
        raise ValidationError("Pick at least one reason: it is how the next drafts improve.")
    if RejectReason.OTHER in reasons and not note.strip():
        raise ValidationError("Say in a few words what was wrong (you picked “other”).")
    persona = variation.generation.persona
    if RejectReason.LENGTH in reasons:
        target = variation.generation.context.get("length", [0, len(variation.text), 0])[1]
        wants = "shorter" if len(variation.text) >= target * 0.8 else "longer"
        if re.search(r"\b(longer|more|mais longo|más largo)\b", note.lower()):
            wants = "longer"
        elif re.search(r"\b(shorter|too long|mais curto|más corto)\b", note.lower()):
            wants = "shorter"
        _learn(persona, LessonKind.LENGTH, wants, variation)
    _learn_from_note(persona, note, variation)
    variation.status = VariationStatus.REJECTED
    variation.reject_reasons = reasons
    variation.feedback_note = note.strip()[:2000]
    variation.decided_at = timezone.now()
    variation.save(
        update_fields=["status", "reject_reasons", "feedback_note", "decided_at", "updated_at"]
    )
    decision_record(
        variation, DecisionKind.REJECT, user, reasons=reasons, note=variation.feedback_note
    )
    _flag_contradictions(variation)
    return variation


@transaction.atomic
def variation_edit(*, variation: Variation, role: str, user: User, text: str) -> Variation:
    require(role, Action.EDIT)
    _undecided(variation)
    text = text.strip()
    if not text:
        raise ValidationError("The draft cannot be empty.")
    maximum = variation.generation.context.get("length", [0, 0, 100_000])[2] * 2
    if len(text) > maximum:
        raise ValidationError(f"That is {len(text)} characters; keep it under {maximum}.")
    if text == variation.text:
        return variation
    persona = variation.generation.persona
    variation.edit_diff = _learn_from_edit(persona, variation.text, text, variation)
    variation.text = text
    version = latest_voice_version(persona)
    if version is not None:
        apply_score(variation, score_texts(version, [text])[0])
    variation.save(update_fields=["text", "edit_diff", *SCORE_FIELDS, "updated_at"])
    decision_record(variation, DecisionKind.EDIT, user, diff=variation.edit_diff)
    return variation


@transaction.atomic
def lesson_delete(*, lesson: Lesson, role: str) -> None:
    """The creator drops a lesson.

    The creator drops a lesson: later drafts no longer apply it (a new edit may teach it
    again)."""
    require(role, Action.EDIT)
    lesson.delete()
