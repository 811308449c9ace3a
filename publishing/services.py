"""Connected accounts, scheduling and the creator's answers to failures."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.permissions import Action, require
from personas.models import Persona
from publishing.models import (
    DUE_STATES,
    WORKING_STATES,
    Account,
    Platform,
    Publication,
    Target,
    TargetState,
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
) -> Account:
    require(role, Action.EDIT)
    if platform not in Platform.values:
        raise ValidationError(f"Unknown platform “{platform}”.")
    account = Account(workspace=workspace, platform=platform, name=name.strip(), base_url=base_url)
    account.set_access_token(access_token)
    account.save()
    return account


@transaction.atomic
def publication_schedule(
    *,
    persona: Persona,
    role: str,
    user: User | None,
    text: str,
    scheduled_at: datetime,
    accounts: list[Account],
) -> Publication:
    """A post for `accounts` at `scheduled_at` (aware; stored in UTC): one target each."""
    require(role, Action.EDIT)
    text = text.strip()
    if not text:
        raise ValidationError("Write the post first.")
    if not accounts:
        raise ValidationError("Choose at least one account to publish to.")
    if any(account.workspace_id != persona.workspace_id for account in accounts):
        raise ValidationError("That account belongs to another workspace.")
    if timezone.is_naive(scheduled_at):
        raise ValidationError("A time needs its time zone.")
    publication = Publication.objects.create(
        persona=persona, text=text, scheduled_at=scheduled_at, created_by=user
    )
    Target.objects.bulk_create(
        Target(publication=publication, account=account, due_at=scheduled_at)
        for account in accounts
    )
    return publication


@transaction.atomic
def publication_cancel(*, publication: Publication, role: str) -> int:
    """Cancel every target not yet sent. Refused while one is being sent (it may go out)."""
    require(role, Action.EDIT)
    targets = Target.objects.select_for_update().filter(publication=publication)
    if any(t.state in WORKING_STATES for t in targets):
        raise ValidationError(
            "This post is being published right now; wait a moment, then check where it went."
        )
    return targets.filter(state__in=DUE_STATES).update(
        state=TargetState.CANCELLED, lease_token=None
    )


@transaction.atomic
def target_retry_now(*, target: Target, role: str) -> Target:
    """A dead letter (or an unconfirmed post the creator wants sent again) goes out at the
    next sweep; the idempotency key stays, so a platform that saw it never shows it twice."""
    require(role, Action.EDIT)
    updated = Target.objects.filter(
        pk=target.pk, state__in=(TargetState.DEAD, TargetState.UNCONFIRMED)
    ).update(state=TargetState.SCHEDULED, due_at=timezone.now(), attempts=0, last_error="")
    if not updated:
        raise ValidationError("Only a failed or unconfirmed post can be sent again.")
    target.refresh_from_db()
    return target


@transaction.atomic
def target_confirm_published(*, target: Target, role: str, url: str = "") -> Target:
    """The creator checked: an unconfirmed post is there."""
    require(role, Action.EDIT)
    updated = Target.objects.filter(pk=target.pk, state=TargetState.UNCONFIRMED).update(
        state=TargetState.PUBLISHED,
        external_url=url[:500],
        published_at=timezone.now(),
        needs_reconcile=False,
    )
    if not updated:
        raise ValidationError("Only an unconfirmed post can be marked as published.")
    target.refresh_from_db()
    return target


@transaction.atomic
def target_discard(*, target: Target, role: str) -> Target:
    """A dead letter the creator gives up on."""
    require(role, Action.EDIT)
    updated = Target.objects.filter(
        pk=target.pk, state__in=(TargetState.DEAD, TargetState.UNCONFIRMED)
    ).update(state=TargetState.CANCELLED, lease_token=None)
    if not updated:
        raise ValidationError("Only a failed or unconfirmed post can be discarded.")
    target.refresh_from_db()
    return target
