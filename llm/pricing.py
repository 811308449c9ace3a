"""List prices in US dollars per million tokens (input, output), for the usage ledger.

A model not listed is recorded at cost 0 and shows as "unpriced" on the usage page."""

from __future__ import annotations

PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "claude-3-5-haiku-latest": (0.80, 4.00),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-sonnet-4-5": (3.00, 15.00),
    "text-embedding-3-small": (0.02, 0.0),
    "text-embedding-3-large": (0.13, 0.0),
}


def cost_micros(model: str, input_tokens: int, output_tokens: int) -> int:
    """Micro-dollars: $1 per million tokens is exactly 1 micro-dollar per token."""
    price_in, price_out = PRICES.get(model, (0.0, 0.0))
    return round(input_tokens * price_in + output_tokens * price_out)
