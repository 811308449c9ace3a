"""Asking a model for one draft.

The prompt file, the material as delimited blocks, the answer parsed from `<post>…</post>`, one
retry with explicit guidance when it is empty or off-length, and provider failures as messages a
creator can act on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from llm import registry
from llm.base import ChatProvider, ChatRequest, LLMResult

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
REFINE_PROMPT = "refine_v1"


def load_prompt(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8").strip()


def _block(name: str, content: str) -> str:
    # Delimited so that nothing a creator or a post wrote can pass for an instruction.
    content = content.replace(f"</{name}>", "")
    return f"<{name}>\n{content}\n</{name}>"


def chat_request(
    material: dict[str, Any], *, prompt: str, seed: int, extra: str = ""
) -> ChatRequest:
    """The same material as delimited blocks for a model, and as structure for offline."""
    lessons = []
    if material.get("avoid"):
        lessons.append("Never use: " + "; ".join(material["avoid"]))
    if material.get("keep"):
        lessons.append("Phrases they like: " + "; ".join(material["keep"]))
    blocks = [
        _block("voice", material["profile"].get("summary", "")),
        _block(
            "their_posts", "\n---\n".join([*material["posts"], *material.get("style_posts", [])])
        ),
        _block("lessons", "\n".join(lessons)),
        _block("overlay", str(material.get("overlay") or "")),
        _block("topic", material["topic"]),
    ]
    if material.get("draft"):
        blocks.append(_block("current_draft", material["draft"]))
        blocks.append(_block("request", material.get("instruction", "")))
    if material.get("opening"):
        blocks.append(_block("opening_line", material["opening"]))
        extra = f"Open with the line in <opening_line>, as it is. {extra}"
    task = (
        f"Angle: {material.get('angle', 'any')}. Language: {material['language']}. "
        f"Length: {material['min_chars']}–{material['max_chars']} characters "
        f"(aim for about {material['target_chars']}). "
        f"Creativity: {material.get('creativity', 30)}/100 (0 stays close to their own posts, "
        f"100 departs freely). {extra}"
    ).strip()
    temperature = 0.2 + 1.0 * material.get("creativity", 30) / 100
    return ChatRequest(
        system=load_prompt(prompt),
        messages=[{"role": "user", "content": "\n\n".join([*blocks, task])}],
        temperature=round(temperature, 2),
        seed=seed,
        material=material,
    )


_POST = re.compile(r"<post>(.*?)</post>", re.S)


def parse_post(text: str) -> str:
    match = _POST.search(text)
    return (match.group(1) if match else text).strip()


def length_problem(text: str, material: dict[str, Any]) -> str:
    if not text.strip():
        return "empty"
    if len(text) > material["max_chars"]:
        return f"{len(text)} characters, more than {material['max_chars']}"
    if len(text) < material["min_chars"]:
        return f"{len(text)} characters, fewer than {material['min_chars']}"
    return ""


def write_checked(
    material: dict[str, Any], *, prompt: str, seed: int, chain: list[ChatProvider]
) -> tuple[LLMResult, list[registry.Attempt], str]:
    """One draft from the providers in `chain` (the workspace's, `registry.providers`).

    Empty or off-length output is asked for once more with explicit guidance. Returns (result,
    attempts, warning)."""
    result, attempts = registry.chat(chat_request(material, prompt=prompt, seed=seed), chain=chain)
    text = parse_post(result.text)
    problem = length_problem(text, material)
    if problem:
        guidance = (
            f"Your previous answer was {problem}. Write between {material['min_chars']} and "
            f"{material['max_chars']} characters."
        )
        result, more = registry.chat(
            chat_request(material, prompt=prompt, seed=seed + 7, extra=guidance), chain=chain
        )
        attempts += more
        text = parse_post(result.text)
        problem = length_problem(text, material)
    result = LLMResult(**{**result.__dict__, "text": text})
    warning = f"Still off-length after a retry ({problem})." if problem else ""
    return result, attempts, warning


def user_message(error: registry.LLMError) -> str:
    if error.permanent:
        return str(error)
    what = {
        "timeout": "The model timed out",
        "rate_limit": "The model is rate-limiting us",
        "unavailable": "The model is unavailable",
        "malformed": "The model sent an unreadable answer",
    }.get(error.kind, "The model failed")
    return f"{what} ({error}). Nothing is lost: retry in a moment."
