"""Turning an SDK's exceptions into ProviderError.

Both official SDKs share the same shape (APITimeoutError, APIConnectionError, APIStatusError
with status_code)."""

from __future__ import annotations

import json
from typing import Any

from core.egress import refusal_in
from llm.base import ProviderError

TRANSIENT_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}


def translate(error: Exception, sdk: Any, provider: str) -> ProviderError:
    """An SDK's exception in our words.

    What the server's body said is never repeated (only its status and its error code when that
    is an identifier such as model_not_found)."""
    if refused := refusal_in(error):
        return ProviderError(
            f"{refused} (Models page: a server on your own network needs the operator's "
            "ALLOW_PRIVATE_HOSTS setting.)",
            permanent=True,
            kind="refused",
        )
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
    if isinstance(
        error,
        sdk.APIResponseValidationError
        | json.JSONDecodeError
        | AttributeError
        | IndexError
        | KeyError
        | TypeError,
    ):
        return malformed(provider)
    return ProviderError(
        f"{provider} could not be used ({type(error).__name__}).", permanent=False, kind="error"
    )


def malformed(provider: str) -> ProviderError:
    return ProviderError(
        f"{provider} sent an answer we could not read (is it the right kind of server?).",
        permanent=False,
        kind="malformed",
    )


def _message(error: Any) -> str:
    """The server's error code or type, when it gives one as an identifier; else its status."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            for key in ("code", "type"):
                value = inner.get(key)
                if isinstance(value, str) and value.replace("-", "_").isidentifier():
                    return value[:60]
    return "no reason given"
