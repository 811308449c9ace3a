"""Publishing's writes, by concern: `accounts` (connect, disconnect, pause), `publications`
(schedule, approve, edit, cancel, post now, evergreen), `targets` (the creator's answers to
one account's outcome, metric reads). Other apps import from here."""

from publishing.services.accounts import (
    account_connect,
    account_connect_bluesky,
    account_disconnect,
    account_fresh,
    account_needs_reconnect,
    account_pause,
    account_resume,
    webhook_connect,
    webhook_secret_rotate,
    webhook_secret_saved,
)
from publishing.services.publications import (
    EVERGREEN_MAX_TIMES,
    evergreen_problems,
    log_event,
    publication_approve,
    publication_cancel,
    publication_edit,
    publication_evergreen_set,
    publication_post_now,
    publication_schedule,
    publication_send_back,
)
from publishing.services.targets import (
    METRICS_BACKOFF_MAX,
    METRICS_EVERY,
    METRICS_OLD,
    idea_published,
    target_confirm_published,
    target_discard,
    target_metrics_read,
    target_retry_now,
)

__all__ = [
    "EVERGREEN_MAX_TIMES",
    "METRICS_BACKOFF_MAX",
    "METRICS_EVERY",
    "METRICS_OLD",
    "account_connect",
    "account_connect_bluesky",
    "account_disconnect",
    "account_fresh",
    "account_needs_reconnect",
    "account_pause",
    "account_resume",
    "evergreen_problems",
    "idea_published",
    "log_event",
    "publication_approve",
    "publication_cancel",
    "publication_edit",
    "publication_evergreen_set",
    "publication_post_now",
    "publication_schedule",
    "publication_send_back",
    "target_confirm_published",
    "target_discard",
    "target_metrics_read",
    "target_retry_now",
    "webhook_connect",
    "webhook_secret_rotate",
    "webhook_secret_saved",
]
