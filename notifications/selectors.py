from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def notifications_of(user: User, *, limit: int = 100) -> QuerySet[Notification]:
    """The user's own notifications, newest first, in every workspace of theirs."""
    return Notification.objects.filter(user=user).select_related("workspace")[:limit]
