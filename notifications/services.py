"""Telling people what happened.

Apps above call `notify` with the recipients they chose (this app calls none of them); mail goes
out from a Celery task after the transaction commits, never inside a request: one mail per
notification for people who want each, a daily digest for those who want one, nothing for those
who turned mail off."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, Workspace
from core.cache import forget, remembered
from core.jobs import enqueue, send
from notifications.models import EmailMode, Kind, Notification, NotificationSettings

logger = logging.getLogger(__name__)
EMAIL_TASK = "notifications.tasks.email_notification"
DIGEST_HOUR = 8  # the recipient's own morning
LOST_AFTER = timedelta(minutes=10)  # a mail that was never sent (the broker was down)
# The bell's count, on every page, is cached this long at most; a change made here clears it.
UNREAD_SECONDS = 60


def email_mode(user: User) -> str:
    found = NotificationSettings.objects.filter(user=user).values_list("email", flat=True).first()
    return found or EmailMode.EACH


def email_mode_set(*, user: User, mode: str) -> None:
    if mode not in EmailMode.values:
        raise ValueError(mode)
    NotificationSettings.objects.update_or_create(user=user, defaults={"email": mode})


def notify(
    *,
    workspace: Workspace | int,
    users: list[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
) -> list[Notification]:
    """One notification per recipient, and a mail for those who want each.

    Each once, whoever appears twice; with a `key`, an event already told to someone is not told
    again."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    made = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        try:
            with transaction.atomic():
                made.append(
                    Notification.objects.create(
                        workspace_id=workspace_id,
                        user=user,
                        kind=kind,
                        title=title[:200],
                        body=body[:1000],
                        url=url[:500],
                        key=key[:200],
                    )
                )
        except IntegrityError:  # told before (the key)
            continue
    _unread_changed([n.user_id for n in made])
    wanting_each = set(
        NotificationSettings.objects.filter(
            user_id__in=[n.user_id for n in made], email__in=[EmailMode.DIGEST, EmailMode.OFF]
        ).values_list("user_id", flat=True)
    )
    for notification in made:
        if notification.user_id not in wanting_each:
            enqueue(EMAIL_TASK, notification.pk)
    return made


def unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def _unread_changed(user_ids: list[int]) -> None:
    """These users' cached bell counts are out of date."""
    forget(unread_key(pk) for pk in user_ids)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (the bell on every page; cached)."""
    return remembered(
        unread_key(user.pk),
        lambda: Notification.objects.filter(user=user, read_at__isnull=True).count(),
        UNREAD_SECONDS,
    )


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """The user's own notifications (all when `ids` is None) as read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    done = unread.update(read_at=timezone.now())
    _unread_changed([user.pk])
    return done


def _mail(user: User, subject: str, lines: list[str]) -> None:
    body = "\n\n".join(
        [*lines, f"All notifications: {settings.SITE_URL}/notifications/ (mail settings there)."]
    )
    send_mail(subject, body, None, [user.email])


def _line(notification: Notification) -> str:
    link = f"\n{settings.SITE_URL}{notification.url}" if notification.url else ""
    return f"{notification.title}\n{notification.body}{link}".strip()


def email_notification(*, notification_id: int) -> bool:
    """The task: mail one notification, once (a redelivered task finds it claimed)."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        _mail(notification.user, f"ContentTwin: {notification.title}", [_line(notification)])
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.exception("could not mail notification %s; the sweep tries again", notification_id)
        return False
    return True


def send_digests(*, now=None) -> int:
    """Beat, hourly: send the morning digests, and mails lost on the way.

    Beat, hourly: each digest reader whose morning it is gets one mail with what they have
    not read or been mailed since the last one; and mails lost on the way are sent again.
    Returns how many digests went out."""
    now = now or timezone.now()
    for notification_id in (
        Notification.objects.filter(
            emailed_at__isnull=True, read_at__isnull=True, created_at__lt=now - LOST_AFTER
        )
        .exclude(user__notification_settings__email__in=[EmailMode.DIGEST, EmailMode.OFF])
        .values_list("id", flat=True)[:200]
    ):
        enqueue(EMAIL_TASK, notification_id)
    sent = 0
    readers = NotificationSettings.objects.filter(email=EmailMode.DIGEST).select_related("user")
    for reader in readers:
        local = now.astimezone(ZoneInfo(reader.user.timezone or "UTC"))
        if local.hour != DIGEST_HOUR or (
            reader.last_digest_at and now - reader.last_digest_at < timedelta(hours=20)
        ):
            continue
        waiting = list(
            Notification.objects.filter(
                user=reader.user, emailed_at__isnull=True, read_at__isnull=True
            ).order_by("created_at")[:50]
        )
        NotificationSettings.objects.filter(pk=reader.pk).update(last_digest_at=now)
        if not waiting:
            continue
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(emailed_at=now)
        _mail(
            reader.user,
            f"ContentTwin: {len(waiting)} thing{'s' * (len(waiting) != 1)} since yesterday",
            [_line(n) for n in waiting],
        )
        sent += 1
    return sent


LIMIT_TASK = "notifications.tasks.limit_reached"


def limit_reached_later(*, workspace_id: int, title: str, body: str, key: str) -> None:
    """Tell the owners a limit was reached.

    From a worker, because the request that hit the limit is rolled back (a notification written in
    it would vanish with it)."""
    send(LIMIT_TASK, workspace_id, title, body, key)


def limit_reached(*, workspace_id: int, title: str, body: str, key: str) -> list[Notification]:
    from accounts.models import Role
    from accounts.selectors import members_with_roles

    return notify(
        workspace=workspace_id,
        users=members_with_roles(workspace_id, (Role.OWNER,)),
        kind=Kind.LIMIT_REACHED,
        title=title,
        body=body,
        url="/billing/",
        key=key,
    )
