"""Connected accounts: connecting, disconnecting, and pausing an account's queue.

Bluesky by app password, webhooks with their signing secret, OAuth platforms."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import User, Workspace
from accounts.permissions import Action, require
from billing.services import limit_allows
from core import egress
from publishing import notices, oauth
from publishing.adapters import publisher_for
from publishing.adapters.base import MentionPage, MentionReader, Publisher, PublishError, Tokens
from publishing.adapters.bluesky import create_session
from publishing.adapters.mastodon import MastodonPublisher
from publishing.models import (
    CANCELLABLE_STATES,
    DUE_STATES,
    Account,
    AccountStatus,
    Platform,
    Target,
    TargetState,
)
from publishing.services.publications import log_event


@sensitive_variables("app_password", "tokens")
def account_connect_bluesky(
    *, workspace: Workspace, role: str, handle: str, app_password: str, service: str = ""
) -> Account:
    """A Bluesky account from a handle and an app password, on the creator's PDS or bsky.social.

    Never stored: the session's tokens are, encrypted."""
    require(role, Action.EDIT)
    service = (service or settings.BLUESKY_SERVICE).rstrip("/")
    if problem := egress.url_problem(service):
        raise ValidationError(problem)
    try:
        did, handle, tokens = create_session(service, handle, app_password)
    except PublishError as error:
        raise ValidationError(str(error)) from error
    return account_connect(
        workspace=workspace,
        role=role,
        platform=Platform.BLUESKY,
        name=f"@{handle}",
        base_url=service,
        tokens=tokens,
        external_user_id=did,
    )


def webhook_connect(*, workspace: Workspace, role: str, name: str, url: str) -> Account:
    """A webhook channel with a new signing secret, shown on the accounts page until saved."""
    account = account_connect(
        workspace=workspace,
        role=role,
        platform=Platform.WEBHOOK,
        name=name,
        base_url=url,
        access_token=secrets.token_urlsafe(32),
    )
    Account.objects.filter(pk=account.pk).update(reveal_secret=True)
    account.reveal_secret = True
    return account


@transaction.atomic
def webhook_secret_rotate(*, account: Account, role: str, user: User | None = None) -> Account:
    """A new signing secret (the old one stops working at once), shown until saved."""
    require(role, Action.EDIT)
    if account.platform != Platform.WEBHOOK:
        raise ValidationError("Only a webhook has a signing secret.")
    account.set_access_token(secrets.token_urlsafe(32))
    account.reveal_secret = True
    account.save(update_fields=["access_token_encrypted", "reveal_secret", "updated_at"])
    return account


def webhook_secret_saved(*, account: Account, role: str) -> None:
    """The creator copied the secret: it is not shown again."""
    require(role, Action.EDIT)
    Account.objects.filter(pk=account.pk).update(reveal_secret=False)


def account_connect_start(
    *, workspace: Workspace, role: str, platform: str, base_url: str, redirect_uri: str
) -> tuple[str, dict[str, object]]:
    """The start of an OAuth connection.

    (where to send the browser, what the callback needs, to keep in the session). A Mastodon server
    not seen before gets ContentTwin registered as an app on it first; raises PublishError in words.
    """
    require(role, Action.EDIT)
    url, pending = oauth.authorization_start(
        platform=platform, base_url=base_url, redirect_uri=redirect_uri
    )
    return url, pending | {"workspace": workspace.pk}


@sensitive_variables("pending", "tokens")
def account_connect_oauth(
    *,
    workspace: Workspace,
    role: str,
    platform: str,
    pending: dict[str, str],
    callback_url: str,
    redirect_uri: str,
) -> Account:
    """The end of an OAuth connection.

    The code exchanged for tokens, who the account is, and (Mastodon) how long its server lets a
    post be; raises PublishError in words. Outside a transaction: the platform's answers can take
    seconds."""
    require(role, Action.EDIT)
    tokens, external_id, name = oauth.authorization_finish(
        pending=pending, callback_url=callback_url, redirect_uri=redirect_uri
    )
    limit = None
    if platform == Platform.MASTODON:
        limit = MastodonPublisher().max_characters(pending["base_url"])
    return account_connect(
        workspace=workspace,
        role=role,
        platform=platform,
        name=name,
        base_url=pending["base_url"],
        tokens=tokens,
        external_user_id=external_id,
        max_characters=limit,
    )


@transaction.atomic
def account_connect(
    *,
    workspace: Workspace,
    role: str,
    platform: str,
    name: str,
    base_url: str = "",
    access_token: str = "",
    tokens: Tokens | None = None,
    external_user_id: str = "",
    max_characters: int | None = None,
) -> Account:
    """A new connection, or the same account connected again with fresh tokens.

    A new connection, or — the same account on the same platform connected again — the
    existing one with fresh tokens (its scheduled posts keep going to it)."""
    require(role, Action.EDIT)
    if platform not in Platform.values:
        raise ValidationError(f"Unknown platform “{platform}”.")
    if base_url and (problem := egress.url_problem(base_url)):
        raise ValidationError(problem)
    tokens = tokens or Tokens(access_token=access_token)
    account = None
    if external_user_id:
        account = (
            Account.objects.select_for_update()
            .filter(workspace=workspace, platform=platform, external_user_id=external_user_id)
            .first()
        )
    if account is None:
        connected = Account.objects.filter(workspace=workspace).exclude(platform=Platform.SANDBOX)
        if platform != Platform.SANDBOX:  # the practice timeline is free
            limit_allows(workspace=workspace, kind="connected_accounts", current=connected.count())
        account = Account(workspace=workspace, platform=platform)
    account.name, account.base_url = name.strip(), base_url
    account.external_user_id = external_user_id
    account.max_characters = max_characters
    account.set_access_token(tokens.access_token)
    account.set_refresh_token(tokens.refresh_token)
    account.token_expires_at = tokens.expires_at
    account.status, account.last_error = AccountStatus.CONNECTED, ""
    account.save()
    return account


@transaction.atomic
def account_disconnect(*, account: Account, role: str, user: User | None = None) -> int:
    """Forget the account's tokens and cancel what was still to be sent to it.

    Each post's log says so. What it published stays in the history. Returns how many were
    cancelled."""
    require(role, Action.EDIT)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    targets = list(
        Target.objects.select_for_update()
        # Not sent yet, and those in doubt too: without the account nobody can look.
        .filter(account=locked, state__in=(*CANCELLABLE_STATES, TargetState.UNKNOWN))
        .select_related("publication")
    )
    for target in targets:
        log_event(target.publication, user, "cancelled", f"{locked.name} was disconnected")
    Target.objects.filter(pk__in=[t.pk for t in targets]).update(
        state=TargetState.CANCELLED, lease_token=None
    )
    locked.set_access_token("")
    locked.set_refresh_token("")
    locked.token_expires_at, locked.status = None, AccountStatus.DISCONNECTED
    locked.save()
    return len(targets)


@transaction.atomic
def account_pause(*, account: Account, role: str, user: User | None = None) -> Account:
    """Pause this account's queue: nothing goes to it until it is resumed."""
    require(role, Action.EDIT)
    Account.objects.filter(pk=account.pk, paused_at__isnull=True).update(paused_at=timezone.now())
    account.refresh_from_db(fields=["paused_at"])
    return account


@transaction.atomic
def account_resume(*, account: Account, role: str, user: User | None = None) -> int:
    """Resume the queue.

    What came due while paused goes out now, in its order; returns how many posts that is."""
    require(role, Action.EDIT)
    Account.objects.filter(pk=account.pk).update(paused_at=None)
    account.paused_at = None
    return Target.objects.filter(
        account=account, state__in=DUE_STATES, due_at__lte=timezone.now()
    ).count()


# --- a token fresh enough to send with (the engine) -------------------------------------

REFRESH_MARGIN = timedelta(minutes=5)  # tokens that run out sooner are refreshed first


@sensitive_variables("tokens")
def account_fresh(account: Account, publisher: Publisher) -> Account:
    """The account with a token that will not run out mid-send.

    Refreshed when it expires within REFRESH_MARGIN, by one worker at a time (the others wait on the
    row lock, then see the new token), the new refresh token stored in the same transaction."""
    if not _token_expiring(account):
        return account
    try:
        with transaction.atomic():
            locked = Account.objects.select_for_update().get(pk=account.pk)
            if not _token_expiring(locked):
                return locked  # another worker refreshed it while we waited
            tokens = publisher.refresh(locked)
            locked.set_access_token(tokens.access_token)
            if tokens.refresh_token:  # rotated: the old one no longer works
                locked.set_refresh_token(tokens.refresh_token)
            locked.token_expires_at = tokens.expires_at
            locked.status, locked.last_error = AccountStatus.CONNECTED, ""
            locked.save()
            return locked
    except PublishError as error:
        if error.kind == "auth":  # the grant is gone; a timeout never gets here as "auth"
            account_needs_reconnect(account, str(error))
        if error.kind in ("unknown", "expired", "permanent"):
            # Nothing was posted: a refresh that failed is tried again later.
            raise PublishError(f"Could not renew the token: {error}", kind="retry") from error
        raise


def _token_expiring(account: Account) -> bool:
    return bool(
        account.refresh_token_encrypted
        and account.token_expires_at
        and account.token_expires_at - timezone.now() < REFRESH_MARGIN
    )


def account_needs_reconnect(account: Account, reason: str) -> None:
    """Mark the account, and tell the owners once (when it was connected until now)."""
    changed = Account.objects.filter(pk=account.pk, status=AccountStatus.CONNECTED).update(
        status=AccountStatus.NEEDS_RECONNECT, last_error=reason[:300]
    )
    if changed:
        account.refresh_from_db()
        notices.account_needs_reconnecting(account, reason)
    else:
        Account.objects.filter(pk=account.pk).update(last_error=reason[:300])


# Where the inbox can read mentions and replies today (the clients that are MentionReaders).
INBOX_PLATFORMS = ("mastodon", "bluesky", "x", "threads", "linkedin")


def account_mentions(account: Account, since: str) -> MentionPage:
    """The account's new mentions and replies since the cursor, with a fresh token.

    A refused token marks the account for reconnecting (and tells its owners once); every
    failure is a PublishError in words, with `retry_after` when the platform asked to wait."""
    publisher = publisher_for(account.platform)
    if not isinstance(publisher, MentionReader):
        raise PublishError(
            f"The inbox cannot read {account.get_platform_display()} accounts yet.",
            kind="permanent",
        )
    if account.status != AccountStatus.CONNECTED:
        raise PublishError("The account needs reconnecting first.", kind="auth")
    account = account_fresh(account, publisher)
    try:
        return publisher.mentions(account, since)
    except PublishError as error:
        if error.kind == "auth":
            account_needs_reconnect(account, str(error))
        raise
