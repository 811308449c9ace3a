"""The offline writer: drafts in the persona's voice without a model or a network.

It works from the persona's own material (ChatRequest.material): the sentences of their posts
most related to the topic, their hook and CTA habits, paragraph rhythm, list use, emoji and
hashtags, and the lessons their feedback taught. A draft is a hook in one of their
archetypes, a body on the topic made of their own phrasing, and a close in their CTA style,
laid out as they lay out posts and fitted to the length they write. Three angles (story,
contrarian, how-to) give three different drafts; creativity decides how far from their
closest material it reaches. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

from language import text as T
from language.injection import looks_like_instruction
from llm.base import ChatRequest, LLMResult, ProviderError

MODEL = "offline-writer-1"

# Sentences the writer adds around the persona's own, per language and angle. {topic} is the
# creator's topic as typed.
PHRASES: dict[str, dict[str, list[str]]] = {
    "en": {
        "hook:story": [
            "A story about {topic} I keep coming back to.",
            "The day {topic} stopped being theory for me.",
        ],
        "hook:contrarian": [
            "Unpopular opinion: most of what you hear about {topic} is wrong.",
            "Everyone says {topic} is simple. It isn't.",
        ],
        "hook:how-to": [
            "How I approach {topic}, step by step:",
            "{Topic}: what actually works, in practice.",
        ],
        "hook:question": ["What does {topic} really change?", "Why do we get {topic} wrong?"],
        "bridge": ["That is what it comes down to for me.", "It all starts there."],
        "cta:question": ["What is your take on {topic}?", "Where do you stand on {topic}?"],
        "cta:comment": ["Tell me in the comments how you see {topic}."],
        "cta:follow or share": [
            "Follow for more on {topic}.",
            "Share this with someone who cares about {topic}.",
        ],
        "cta:statement": ["More on {topic} soon.", "{Topic} deserves better."],
    },
    "pt": {
        "hook:story": [
            "Uma história sobre {topic} que eu não esqueço.",
            "O dia em que {topic} deixou de ser teoria para mim.",
        ],
        "hook:contrarian": [
            "Opinião impopular: quase tudo o que se diz sobre {topic} está errado.",
            "Todo mundo diz que {topic} é simples. Não é.",
        ],
        "hook:how-to": [
            "Como eu encaro {topic}, passo a passo:",
            "{Topic}: o que funciona de verdade.",
        ],
        "hook:question": ["O que {topic} muda de verdade?", "Por que erramos tanto sobre {topic}?"],
        "bridge": ["No fim, é disso que se trata.", "Tudo começa aí."],
        "cta:question": [
            "E você, o que pensa sobre {topic}?",
            "Qual é a sua opinião sobre {topic}?",
        ],
        "cta:comment": ["Conta nos comentários como você vê {topic}."],
        "cta:follow or share": [
            "Siga para mais sobre {topic}.",
            "Compartilhe com quem se importa com {topic}.",
        ],
        "cta:statement": ["Vamos seguir falando de {topic}.", "{Topic} merece mais atenção."],
    },
    "es": {
        "hook:story": [
            "Una historia sobre {topic} que no olvido.",
            "El día en que {topic} dejó de ser teoría para mí.",
        ],
        "hook:contrarian": [
            "Opinión impopular: casi todo lo que se dice sobre {topic} está mal.",
            "Todos dicen que {topic} es sencillo. No lo es.",
        ],
        "hook:how-to": [
            "Cómo abordo {topic}, paso a paso:",
            "{Topic}: lo que de verdad funciona.",
        ],
        "hook:question": [
            "¿Qué cambia de verdad {topic}?",
            "¿Por qué nos equivocamos tanto con {topic}?",
        ],
        "bridge": ["Al final, de eso se trata.", "Todo empieza ahí."],
        "cta:question": ["¿Y tú qué piensas de {topic}?", "¿Cuál es tu opinión sobre {topic}?"],
        "cta:comment": ["Cuéntame en los comentarios cómo ves {topic}."],
        "cta:follow or share": [
            "Sígueme para más sobre {topic}.",
            "Compártelo con quien le importe {topic}.",
        ],
        "cta:statement": ["Seguiremos hablando de {topic}.", "{Topic} merece más atención."],
    },
}

_LINK = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
# Brackets or quotes left with nothing inside once a link, a mention or a phrase is taken out.
_EMPTY_PAIRS = re.compile(r"[(\[][ \t]*[)\]]|[\"“”][ \t]*[\"“”]|[‘'][ \t]*[’']")


def _fill(template: str, topic: str) -> str:
    return template.replace("{Topic}", topic[:1].upper() + topic[1:]).replace("{topic}", topic)


def _clean_sentence(sentence: str) -> str:
    sentence = _LINK.sub("", sentence)
    # Mentions name someone who has nothing to do with a new topic; hashtags are the
    # creator's own habit and stay.
    sentence = _EMPTY_PAIRS.sub("", _MENTION.sub("", sentence))
    sentence = re.sub(r"^\s*(?:[-•*▪→]|\d+[.)])\s+", "", sentence)
    return re.sub(r"\s{2,}", " ", sentence).strip(" ,;:-–—")


def _contains_any(text: str, phrases: list[str]) -> bool:
    lowered = text.lower()
    return any(p.lower() in lowered for p in phrases if p)


class OfflineWriter:
    name = "offline"
    model = MODEL

    def chat(self, request: ChatRequest, *, timeout: float) -> LLMResult:
        started = time.perf_counter()
        material = request.material
        if material.get("instruction"):
            text = refine(material, seed=request.seed)
        else:
            text = write(material, seed=request.seed)
        return LLMResult(
            text=text,
            provider=self.name,
            model=self.model,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )


def _pool(material: dict[str, Any], language: str) -> list[str]:
    """The persona's sentences, most on-topic first; each used once per draft."""
    stops = T.stop_words(language)
    key_terms = {w.lower() for w in material.get("key_terms", [])}
    avoid = material.get("avoid", [])
    seen: set[str] = set()
    ranked: list[tuple[float, int, str]] = []
    for rank, post in enumerate(material.get("posts", [])):
        for raw in T.sentences(post):
            sentence = _clean_sentence(raw)
            words = T.words(sentence)
            key = sentence.lower()
            if (
                len(words) < 4
                or key in seen
                or _contains_any(sentence, avoid)
                or looks_like_instruction(sentence)
            ):
                continue
            seen.add(key)
            overlap = len({w.lower() for w in words if w.lower() not in stops} & key_terms)
            mentions = len(_MENTION.findall(raw))
            ranked.append((-(overlap * 10) + rank * 0.5 + mentions * 3, len(ranked), sentence))
    ranked.sort()
    return [sentence for _, _, sentence in ranked]


def _phrase(language: str, key: str, topic: str, rng: random.Random, avoid: list[str]) -> str:
    options = [_fill(t, topic) for t in PHRASES.get(language, PHRASES["en"]).get(key, [])]
    options = [o for o in options if not _contains_any(o, avoid)]
    return rng.choice(options) if options else ""


def _top(shares: dict[str, float], default: str) -> str:
    return max(shares, key=lambda k: shares[k]) if shares else default


def _target_chars(material: dict[str, Any]) -> tuple[int, int]:
    """(target, hard maximum) in characters."""
    target = int(material.get("target_chars") or 280)
    return max(80, target), int(material.get("max_chars") or 3000)


def _body(material: dict[str, Any], language: str, hook: str, rng: random.Random) -> list[str]:
    """Their own sentences.

    Low creativity stays with the closest material; high creativity reaches further down the
    list. Variations start at different places."""
    creativity = max(0, min(100, int(material.get("creativity", 30))))
    index = int(material.get("variation_index", 0))
    target, _ = _target_chars(material)
    pool = _pool(material, language)
    reach = 3 + round(len(pool) * creativity / 100)
    candidates = pool[: max(reach, 6)]
    start = (index * 2) % max(1, len(candidates))
    ordered = candidates[start:] + candidates[:start]
    if creativity >= 50:
        rng.shuffle(ordered)
    body: list[str] = []
    used = len(hook)
    closing_budget = 60
    for sentence in ordered:
        if used + len(sentence) + closing_budget > target and body:
            continue
        body.append(sentence)
        used += len(sentence) + 1
    if not body and pool:
        body.append(pool[0])
    return body


def _layout(material: dict[str, Any], angle: str, parts: dict[str, Any]) -> str:
    """Laid out as they lay out posts.

    A numbered list for how-to when they use lists (or for long posts), paragraphs in their rhythm
    when they write several lines, else one."""
    structure = (material.get("profile") or {}).get("structure", {})
    long_form = material.get("content_type") == "long"
    uses_lists = structure.get("list_share", 0) > 0.2 or material.get("structure") == "list"
    as_list = angle == "how-to" and (uses_lists or long_form)
    multi_line = (structure.get("lines_per_post", 1) or 1) >= 3 or long_form
    body = parts["body"]
    if as_list:
        body_block = "\n".join(f"{n}. {s}" for n, s in enumerate(body, start=1))
    elif multi_line:
        rhythm = max(1, round(structure.get("line_break_rhythm", 1) or 1))
        chunks = [" ".join(body[i : i + rhythm]) for i in range(0, len(body), rhythm)]
        body_block = "\n\n".join(chunks)
    else:
        body_block = " ".join(body)
    ordered = [parts["hook"], body_block, *parts["keep"], parts["bridge"], parts["cta"]]
    separator = "\n\n" if (multi_line or as_list) else " "
    return separator.join(p for p in ordered if p)


def write(material: dict[str, Any], *, seed: int) -> str:
    language = material.get("language") or "en"
    if language not in PHRASES:
        language = "en"
    topic = (material.get("topic") or "").strip()
    angle = material.get("angle") or "story"
    index = int(material.get("variation_index", 0))
    profile = material.get("profile") or {}
    structure = profile.get("structure", {})
    avoid = list(material.get("avoid", []))
    rng = random.Random(f"{seed}:{angle}:{index}")
    _, maximum = _target_chars(material)

    # Hook: the angle's archetype, or a question when questions are this persona's habit.
    hook_key = f"hook:{angle}"
    if structure.get("hooks", {}).get("shares", {}).get("question", 0) > 0.3 and (
        rng.random() < 0.5
    ):
        hook_key = "hook:question"
    hook = material.get("opening") or _phrase(language, hook_key, topic, rng, avoid)
    body = _body(material, language, hook, rng)

    long_form = material.get("content_type") == "long"
    # Our own sentences dilute the voice: short posts get a bridge only for long form, and a
    # closing line only when this persona habitually closes with a call to action.
    bridge = (
        _phrase(language, "bridge", topic, rng, avoid) if long_form and angle != "how-to" else ""
    )
    cta_type = _top(structure.get("ctas", {}).get("shares", {}), "statement")
    cta = ""
    if long_form or cta_type != "statement":
        key = f"cta:{cta_type}" if f"cta:{cta_type}" in PHRASES[language] else "cta:statement"
        cta = _phrase(language, key, topic, rng, avoid)
    keep = [k for k in material.get("keep", []) if k and k.lower() not in " ".join(body).lower()]
    draft = _layout(
        material, angle, {"hook": hook, "body": body, "keep": keep, "bridge": bridge, "cta": cta}
    )

    emoji = profile.get("fingerprint", {}).get("emoji", {})
    favourites = [e for e, _ in emoji.get("favourites", [])]
    if (
        favourites
        and not material.get("no_emoji")
        and rng.random() < emoji.get("share_of_posts", 0)
    ):
        draft = f"{draft} {favourites[0]}"
    if material.get("hashtags") and rng.random() < 0.6:
        tag = "".join(w.capitalize() for w in T.words(topic)[:3])
        if tag:
            draft = f"{draft} #{tag}"
    return fit(draft, maximum)


def fit(draft: str, maximum: int) -> str:
    """Within the platform maximum.

    Whole sentences are dropped from the end of the body rather than cutting one in half."""
    while len(draft) > maximum:
        sentences = T.sentences(draft)
        if len(sentences) <= 2:
            return draft[: maximum - 1].rstrip() + "…"
        cut = sentences[-2]
        position = draft.rfind(cut)
        draft = (draft[:position].rstrip() + " " + draft[position + len(cut) :].lstrip()).strip()
    return draft


# --- Refinement -----------------------------------------------------------------------------

_QUOTED = re.compile(r"[\"“'‘«]([^\"”'’»]{2,80})[\"”'’»]")
_INTENTS = {
    "shorter": ("shorter", "shorten", "too long", "mais curto", "encurt", "más corto", "acort"),
    "longer": (
        "longer",
        "expand",
        "more detail",
        "mais longo",
        "mais detalh",
        "más largo",
        "alarg",
    ),
    "no_emoji": ("no emoji", "without emoji", "remove emoji", "sem emoji", "sin emoji"),
    "emoji": ("add emoji", "an emoji", "com emoji", "con emoji"),
    "question": ("question", "pergunta", "pregunta"),
    "formal": ("formal", "professional", "profissional", "serious"),
    "casual": ("casual", "informal", "relaxed", "descontra"),
}


def refine(material: dict[str, Any], *, seed: int) -> str:
    """Apply one chat instruction to the current draft, faithfully.

    Shorter, remove or avoid "a phrase", replace "a" with "b", add/remove emoji, more formal or
    casual, end with one of the creator's own questions. What needs writing (longer, a new angle,
    anything else) is refused in words: that needs a model, and pretending would hand back a
    collage. (Longer than our usual function on purpose: one branch per understood instruction, so
    the list of what it understands reads in one place.)"""
    draft = material["draft"]
    instruction = material["instruction"].lower()
    quoted = _QUOTED.findall(material["instruction"])
    language = material.get("language") or "en"
    changed = False

    if quoted and any(
        w in instruction for w in ("replace", "troque", "substitu", "cambia", "reemplaz")
    ):
        if len(quoted) >= 2:
            draft = re.sub(re.escape(quoted[0]), quoted[1], draft, flags=re.IGNORECASE)
            changed = True
    elif quoted:
        for phrase in quoted:
            draft = _remove_phrase(draft, phrase)
        changed = True
    if any(k in instruction for k in _INTENTS["shorter"]):
        draft = _shorten(draft)
        changed = True
    if any(k in instruction for k in _INTENTS["longer"]):
        raise _needs_a_model("Making it longer")
    if any(k in instruction for k in _INTENTS["no_emoji"]) or any(
        k in instruction for k in _INTENTS["formal"]
    ):
        for e in set(T.emojis(draft)):
            draft = draft.replace(e, "")
        if any(k in instruction for k in _INTENTS["formal"]):
            draft = draft.replace("!", ".")
        draft = re.sub(r"[ \t]{2,}", " ", draft).strip()
        changed = True
    elif any(k in instruction for k in _INTENTS["emoji"]) or any(
        k in instruction for k in _INTENTS["casual"]
    ):
        favourites = [
            e
            for e, _ in (material.get("profile") or {})
            .get("fingerprint", {})
            .get("emoji", {})
            .get("favourites", [])
        ] or ["🙂"]
        draft = f"{draft} {favourites[0]}"
        changed = True
    if any(k in instruction for k in _INTENTS["question"]) and not draft.rstrip().endswith("?"):
        question = _own_question(material, language, draft)
        if question is None:
            raise _needs_a_model("Ending with a question (none of your posts asks one)")
        draft = f"{draft}\n\n{question}" if "\n" in draft else f"{draft} {question}"
        changed = True
    if not changed:
        raise _needs_a_model("That change")
    return fit(draft.strip(), int(material.get("max_chars") or 3000))


def _needs_a_model(what: str) -> ProviderError:
    return ProviderError(
        f"{what} needs a model: without one, refining can shorten, remove or replace a phrase, "
        "add or drop emoji, make it more formal, or end with one of your own questions. "
        "Connect a model on the Models page (one on your own machine works).",
        permanent=True,
        kind="bad_request",
    )


def _own_question(material: dict[str, Any], language: str, draft: str) -> str | None:
    """The creator's own question that fits the topic best (one they have asked before)."""
    key_terms = {w.lower() for w in material.get("key_terms", [])}
    asked = [
        _clean_sentence(s)
        for post in material.get("posts", [])
        for s in T.sentences(post)
        if s.strip().endswith("?") and 10 <= len(s) <= 200
    ]
    asked = [q for q in asked if q and q.lower() not in draft.lower()]
    if not asked:
        return None
    return max(asked, key=lambda q: len(key_terms & set(T.words(q))))


def _tidy(draft: str) -> str:
    """What cutting words out leaves behind, mended.

    No punctuation left dangling ("again: . Stop" → "again. Stop"), none after a space, none
    doubled, no empty brackets or quotes, no separator opening a line or ending the text."""
    draft = re.sub(r"[ \t]{2,}", " ", re.sub(r"\n{3,}", "\n\n", draft))
    draft = _EMPTY_PAIRS.sub("", draft)
    draft = re.sub(r"([.!?…])[ \t]+[.,;:](?=\s|$)", r"\1", draft)
    draft = re.sub(r"[ \t]+([.,!?;:…])", r"\1", draft)
    draft = re.sub(r"[:;,—–-]+([.!?…])", r"\1", draft)
    draft = re.sub(r"([,;:])(?:[ \t]*[,;:])+", r"\1", draft)
    draft = re.sub(r"[ \t][—–-][ \t]+[—–-][ \t]", " ", draft)  # "up – – and": the aside went
    # What the phrase introduced stays a sentence: "Unpopular opinion: most of…" → "Most of…".
    draft = re.sub(r"(^|\n)[ \t]*[:;,.—–-]+[ \t]*", r"\1", draft)
    draft = re.sub(r"[ \t]*[:;,—–-]+[ \t]*($|\n)", r"\1", draft)
    return re.sub(r"[ \t]{2,}", " ", draft).strip()


def _remove_phrase(draft: str, phrase: str) -> str:
    """Drop the sentence that carries the phrase when the phrase is most of it.

    Otherwise cut the phrase out."""
    for sentence in T.sentences(draft):
        if phrase.lower() in sentence.lower() and len(phrase) >= len(sentence) * 0.5:
            draft = draft.replace(sentence, "")
    draft = _tidy(re.sub(re.escape(phrase), "", draft, flags=re.IGNORECASE))
    return re.sub(r"(^|\n|[.!?] )([a-zà-ÿ])", lambda m: m.group(1) + m.group(2).upper(), draft)


def _shorten(draft: str) -> str:
    sentences = T.sentences(draft)
    if len(sentences) == 2:
        return sentences[0]
    if len(sentences) < 2:  # one long sentence: keep its first 70 % of words
        kept = draft.split()[: max(3, int(len(draft.split()) * 0.7))]
        return " ".join(kept).rstrip(",;:") + "…"
    target = len(draft) * 0.7
    # Keep the hook and the close; drop body sentences from the end.
    body = sentences[1:-1]
    while body and len(draft) > target:
        victim = body.pop()
        draft = draft.replace(victim, "", 1)
        draft = re.sub(r"[ \t]{2,}", " ", re.sub(r"\n{3,}", "\n\n", draft)).strip()
    return draft
