"""Content DNA by a language model, when one is configured.

The posts go in a delimited block, the answer is parsed into the same fixed structure the offline
analysis produces, and anything unreadable falls back to the offline result (which stays labelled as
such)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings

from language.injection import without_instructions
from llm import registry
from llm.base import ChatRequest

PROMPT = Path(__file__).parent / "prompts" / "content_dna_v1.txt"
MAX_POSTS = 60
MAX_POST_CHARS = 1500
_JSON = re.compile(r"<json>(.*?)</json>", re.S)


def model_chain() -> list:
    """The configured providers that are real models (the offline writer has no opinions)."""
    return [registry.build_provider(n) for n in settings.LLM_PROVIDERS if n != "offline"]


def _strings(value: Any, limit: int, length: int = 160) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip()[:length] for v in value if str(v).strip()][:limit]


def parse(text: str) -> dict[str, Any]:
    """The model's answer as our structure; ValueError when it is not one."""
    match = _JSON.search(text)
    data = json.loads(match.group(1) if match else text)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise ValueError("no topics list")
    topics = []
    for topic in data["topics"][:5]:
        if isinstance(topic, dict) and str(topic.get("label", "")).strip():
            posts = topic.get("posts")
            topics.append(
                {
                    "label": str(topic["label"]).strip()[:80],
                    "keywords": _strings(topic.get("keywords"), 4, 40),
                    "posts": posts if isinstance(posts, int) and posts >= 0 else 0,
                }
            )
    opinions = [
        {"topic": str(o.get("topic", "")).strip()[:80], "stance": str(o["stance"]).strip()[:160]}
        for o in data.get("opinions", [])[:8]
        if isinstance(o, dict) and str(o.get("stance", "")).strip()
    ]
    return {
        "topics": topics,
        "recurring_stories": _strings(data.get("recurring_stories"), 5),
        "frameworks": _strings(data.get("frameworks"), 5),
        "opinions": opinions,
    }


def extract(texts: list[str]) -> tuple[dict[str, Any] | None, list[registry.Attempt], str]:
    """(content DNA or None, the attempts for the usage ledger, why it fell back)."""
    chain = model_chain()
    if not chain:
        return None, [], ""
    # Untrusted: instruction-like sentences are left out, and the block cannot be closed early.
    material = [without_instructions(t)[:MAX_POST_CHARS] for t in texts[:MAX_POSTS]]
    posts = "\n---\n".join(t.replace("</posts>", "") for t in material if t)
    request = ChatRequest(
        system=PROMPT.read_text(encoding="utf-8").strip(),
        messages=[{"role": "user", "content": f"<posts>\n{posts}\n</posts>"}],
        temperature=0.2,
        max_tokens=1500,
    )
    try:
        result, attempts = registry.chat(request, chain=chain)
    except registry.LLMError as error:
        return None, error.attempts, str(error)
    try:
        dna = parse(result.text)
    except (ValueError, TypeError, KeyError):
        return None, attempts, f"{result.provider} answered in a shape we could not read"
    dna["method"] = f"model: {result.provider} {result.model}"
    return dna, attempts, ""
