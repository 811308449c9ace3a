"""Turning an SDK's exceptions into ProviderError. Both official SDKs share the same shape
(APITimeoutError, APIConnectionError, APIStatusError with status_code)."""

from __future__ import annotations

import json
from typing import Any

from llm.base import ProviderError

TRANSIENT_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}


def translate(error: Exception, sdk: Any, provider: str) -> ProviderError:
    if isinstance(error, sdk.APITimeoutError):
        return ProviderError(f"{provider} did not answer in time.", permanent=False, kind="timeout")
    if isinstance(error, sdk.APIConnectionError):
        return ProviderError(
            f"{provider} could not be reached.", permanent=False, kind="unavailable"
        )
    if isinstance(error, sdk.APIStatusError):
        status = error.status_code
        if status == 429:
            retry_after = error.response.headers.get("retry-after")
            hint = f" (it asks to wait {retry_after} s)" if retry_after else ""
            return ProviderError(
                f"{provider} is rate-limiting us{hint}.", permanent=False, kind="rate_limit"
            )
        if status in TRANSIENT_STATUSES:
            return ProviderError(
                f"{provider} is unavailable (HTTP {status}).", permanent=False, kind="unavailable"
            )
        if status in (401, 403):
            return ProviderError(
                f"{provider} refused our API key (HTTP {status}); check it in the settings.",
                permanent=True,
                kind="auth",
            )
        return ProviderError(
            f"{provider} rejected the request (HTTP {status}): {_message(error)}",
            permanent=True,
            kind="bad_request",
        )
    if isinstance(error, sdk.APIResponseValidationError | json.JSONDecodeError):
        return ProviderError(
            f"{provider} sent an answer we could not read.", permanent=False, kind="malformed"
        )
    raise error


def _message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return str(error)[:200]
