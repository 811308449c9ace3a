from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from notifications.services import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell's number (one indexed count)."""
    if not request.user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(request.user)}
