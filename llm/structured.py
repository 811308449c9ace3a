"""Asking a configured language model for a fixed JSON shape.

The one way the apps do it (pillar names, hook angles, trend conflicts). The offline writer has no
opinions, so only real models are asked; every attempt becomes a usage-ledger row; the answer is the
JSON object between <json> and </json> (or the whole text), or None with the reason in words."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

from llm import registry
from llm.base import ChatRequest
from llm.services import usage_record

_JSON = re.compile(r"<json>(.*?)</json>", re.S)


def ask_for_json(
    *,
    system: str,
    content: str,
    workspace: Any,
    persona: Any,
    user: Any,
    purpose: str,
    max_tokens: int,
    temperature: float = 0.2,
) -> tuple[dict[str, Any] | None, str]:
    """Ask the configured models for a structured answer, and say how it was made.

    (the answer, how it was made) — (None, "") when no model is configured, (None, why)
    when one was asked and gave nothing usable."""
    chain = [registry.build_provider(n) for n in settings.LLM_PROVIDERS if n != "offline"]
    if not chain:
        return None, ""
    request = ChatRequest(
        system=system,
        messages=[{"role": "user", "content": content}],
        temperature=temperature,
        max_tokens=max_tokens,
    )
    try:
        result, attempts = registry.chat(request, chain=chain)
    except registry.LLMError as error:
        result, attempts = None, error.attempts
    if attempts:
        usage_record(
            attempts=attempts, workspace=workspace, persona=persona, user=user, purpose=purpose
        )
    if result is None:
        return None, "the model could not be reached"
    match = _JSON.search(result.text)
    try:
        data = json.loads(match.group(1) if match else result.text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return None, f"{result.provider} answered in a shape we could not read"
    return data, f"model: {result.provider} {result.model}"
