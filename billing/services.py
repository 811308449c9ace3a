"""Limits, checked and recorded in one place: a higher app asks for an allowance before doing
limited work (`usage_claim`), which refuses with a message that says when the next use is
possible, or records the use."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import user_lock
from billing.models import UsageEvent, UsageKind

# Per user, over rolling windows: (setting holding the limit, window, how it reads).
_LIMITS = {
    UsageKind.GENERATION: (
        ("GENERATIONS_PER_HOUR", timedelta(hours=1), "an hour"),
        ("GENERATIONS_PER_DAY", timedelta(days=1), "a day"),
    ),
}
_NOUNS = {UsageKind.GENERATION: "generations"}


def limit_check(user: User, kind: str) -> None:
    """Raises a ValidationError saying when the next use is possible if the user is at a limit."""
    now = timezone.now()
    for setting, window, label in _LIMITS.get(kind, ()):
        limit = getattr(settings, setting)
        recent = UsageEvent.objects.filter(user=user, kind=kind, created_at__gte=now - window)
        if recent.count() >= limit:
            oldest = recent.order_by("-created_at").values_list("created_at", flat=True)[limit - 1]
            next_at = timezone.localtime(oldest + window)
            raise ValidationError(
                f"You have reached {limit} {_NOUNS[kind]} {label}. The next one is possible at "
                f"{next_at:%H:%M}{'' if window.days == 0 else f' on {next_at:%d %b}'} "
                f"({settings.TIME_ZONE})."
            )


@transaction.atomic
def usage_claim(*, user: User, workspace: Workspace, kind: str) -> UsageEvent:
    """Check the user's limits for `kind` and record one use, under a lock on the user so two
    requests at once cannot both take the last one."""
    user_lock(user)
    limit_check(user, kind)
    return UsageEvent.objects.create(workspace=workspace, user=user, kind=kind)
