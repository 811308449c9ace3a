from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from billing.services import billing_enabled


def billing(request: HttpRequest) -> dict[str, Any]:
    """Whether the layout links to Billing (never on a self-hosted install)."""
    return {"billing_enabled": billing_enabled()}
