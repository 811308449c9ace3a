"""Posts: scheduling, approval, edits, moves, cancelling, posting now, and marking a post evergreen.

Every account's platform rules checked first."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require, role_allows
from billing.models import UsageKind
from billing.services import usage_claim
from core.jobs import enqueue
from language.threads import split_parts
from llm.services import embed_for
from personas.models import Persona
from personas.selectors import persona_by_id
from pillars.models import Topic
from posts.selectors import has_engagement_model, predicted_engagement
from publishing import notices
from publishing.checks import account_problems, refuses_duplicates
from publishing.media import CheckedImage, platform_image_problems
from publishing.models import (
    CANCELLABLE_STATES,
    LEFT_ALONE_STATES,
    MAY_BE_OUT_STATES,
    PENDING_STATES,
    WAITING_STATES,
    WORKING_STATES,
    Account,
    Approval,
    Publication,
    PublicationEvent,
    PublicationImage,
    Target,
    TargetState,
)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)  # the form shows minutes


def _clean_text(text: str) -> str:
    # Browsers send line breaks as \r\n: the same text must compare equal to what is stored.
    return text.replace("\r\n", "\n").strip()


def log_event(publication: Publication, user: User | None, action: str, detail: str = "") -> None:
    PublicationEvent.objects.create(
        publication=publication, actor=user, action=action, detail=detail[:1000]
    )


def _needs_approval(persona: Persona, role: str) -> bool:
    return persona.workspace.posts_need_approval and not role_allows(role, Action.APPROVE)


@transaction.atomic
def publication_schedule(
    *,
    persona: Persona,
    role: str,
    user: User | None,
    text: str,
    scheduled_at: datetime,
    accounts: list[Account],
    images: list[CheckedImage] | None = None,
    alt_texts: list[str] | None = None,
    image_parts: list[int] | None = None,
    idea: Topic | None = None,
    versions: dict[int, str] | None = None,
    first_comment: str = "",
    comments: dict[int, str | None] | None = None,
    number_parts: bool = False,
    reply_to: dict[str, str] | None = None,
) -> Publication:
    """A post for `accounts` at `scheduled_at` (aware; stored in UTC).

    One target each, with the images (checked by `publishing.media.check_upload`; `image_parts` says
    which part of a thread each goes with). `reply_to` makes it a reply to someone else's post
    (the inbox's answer: {"id", "cid", "root_id", "root_cid"}). `versions` maps an account id to
    its own text (else the post's text); `comments` an account id to its own first comment
    (None: no comment there). Every account's platform rules are checked here. Where posts need
    approval, an editor's post waits (targets in DRAFT) for an owner or admin."""
    require(role, Action.EDIT)
    text = _clean_text(text)
    versions = {k: _clean_text(v) for k, v in (versions or {}).items() if _clean_text(v)}
    comments = comments or {}
    first_comment = _clean_text(first_comment)
    if not text:
        raise ValidationError("Write the post first.")
    if not accounts:
        raise ValidationError("Choose at least one account to publish to.")
    if any(account.workspace_id != persona.workspace_id for account in accounts):
        raise ValidationError("That account belongs to another workspace.")
    if timezone.is_naive(scheduled_at):
        raise ValidationError("A time needs its time zone.")
    problems = []
    for account in accounts:
        own_comment = comments.get(account.pk, first_comment)
        problems += account_problems(
            account,
            versions.get(account.pk, text),
            first_comment=own_comment or "",
            number_parts=number_parts,
            images=images or [],
            image_parts=image_parts or [],
        )
    if problems:
        raise ValidationError(problems)
    usage_claim(user=user, workspace=persona.workspace, kind=UsageKind.SCHEDULED_POST)
    waits = _needs_approval(persona, role)
    publication = Publication.objects.create(
        persona=persona,
        text=text,
        scheduled_at=scheduled_at,
        created_by=user,
        approval=Approval.PENDING if waits else Approval.NOT_NEEDED,
        idea=idea if idea is not None and idea.persona_id == persona.pk else None,
        first_comment=first_comment,
        number_parts=number_parts,
    )
    _attach(publication, images or [], alt_texts or [], accounts, image_parts or [])
    state = TargetState.DRAFT if waits else TargetState.SCHEDULED
    Target.objects.bulk_create(
        Target(
            publication=publication,
            account=account,
            due_at=scheduled_at,
            state=state,
            text=versions.get(account.pk, ""),
            first_comment=_clean_text(comments.get(account.pk) or "")
            if account.pk in comments
            else "",
            comment_off=account.pk in comments and not comments[account.pk],
            reply_to=reply_to or {},
        )
        for account in accounts
    )
    names = ", ".join(account.name for account in accounts)
    log_event(publication, user, "submitted for approval" if waits else "scheduled", names)
    if waits:
        notices.approval_requested(publication, user)
    predictions_later(persona.pk)
    return publication


def _attach(
    publication: Publication,
    images: list[CheckedImage],
    alt_texts: list[str],
    accounts: list[Account],
    image_parts: list[int] | None = None,
) -> None:
    if not publication.text or len(split_parts(publication.text)) < 2:
        problems = [p for account in accounts for p in platform_image_problems(account, images)]
        if problems:
            raise ValidationError(problems)
    start = publication.images.count()
    for position, image in enumerate(images, start=start):
        n = position - start
        alt = alt_texts[n] if n < len(alt_texts) else ""
        PublicationImage.objects.create(
            publication=publication,
            file=image.upload,
            alt_text=alt.strip()[:1000],
            content_type=image.content_type,
            size=image.size,
            width=image.width,
            height=image.height,
            position=position,
            part=(image_parts or [])[n] if n < len(image_parts or []) else 0,
        )


def _locked_targets(publication: Publication) -> list[Target]:
    targets = list(
        Target.objects.select_for_update().filter(publication=publication).select_related("account")
    )
    if any(t.state in (*WORKING_STATES, TargetState.UNKNOWN) for t in targets):
        raise ValidationError(
            "This post is being published right now; wait a moment, then check where it went."
        )
    return targets


@transaction.atomic
def publication_approve(*, publication: Publication, role: str, user: User | None) -> Publication:
    require(role, Action.APPROVE)
    if publication.approval not in (Approval.PENDING, Approval.SENT_BACK):
        raise ValidationError("This post is not waiting for approval.")
    _locked_targets(publication)
    Target.objects.filter(publication=publication, state=TargetState.DRAFT).update(
        state=TargetState.SCHEDULED, due_at=max(publication.scheduled_at, timezone.now())
    )
    publication.approval, publication.review_comment = Approval.APPROVED, ""
    publication.save(update_fields=["approval", "review_comment", "updated_at"])
    log_event(publication, user, "approved")
    notices.reviewed(publication, user, approved=True)
    return publication


@transaction.atomic
def publication_send_back(
    *, publication: Publication, role: str, user: User | None, comment: str
) -> Publication:
    require(role, Action.APPROVE)
    comment = comment.strip()
    if not comment:
        raise ValidationError("Say what should change, so the author knows.")
    if publication.approval != Approval.PENDING:
        raise ValidationError("Only a post waiting for approval can be sent back.")
    publication.approval, publication.review_comment = Approval.SENT_BACK, comment[:1000]
    publication.save(update_fields=["approval", "review_comment", "updated_at"])
    log_event(publication, user, "sent back", comment)
    notices.reviewed(publication, user, approved=False)
    return publication


@transaction.atomic
def publication_edit(
    *,
    publication: Publication,
    role: str,
    user: User | None,
    text: str | None = None,
    scheduled_at: datetime | None = None,
    add_images: list[CheckedImage] | None = None,
    alt_texts: list[str] | None = None,
    remove_image_ids: list[int] | None = None,
) -> Publication:
    """New text and/or time.

    Targets not sent yet are replaced: a new idempotency key (new content is a new post), due at
    the new time; an edit is refused once a target is claimed, being sent, or out (what is out
    cannot be changed). Where posts need approval, an editor's new text goes back for approval."""
    require(role, Action.EDIT)
    targets = _locked_targets(publication)
    if any(t.state in MAY_BE_OUT_STATES for t in targets):
        raise ValidationError(
            "Part of this post is already out (or may be): what is published cannot be "
            "changed. Cancel what is left and schedule a new post instead."
        )
    changes = []
    if text is not None:
        text = _clean_text(text)
    if text is not None and text != publication.text:
        if not text.strip():
            raise ValidationError("Write the post first.")
        publication.text = text
        publication.predicted_at, publication.predicted_score = None, None
        changes.append("text")
    if scheduled_at is not None and timezone.is_naive(scheduled_at):
        raise ValidationError("A time needs its time zone.")
    if scheduled_at is not None and _minute(scheduled_at) != _minute(publication.scheduled_at):
        publication.scheduled_at = scheduled_at
        changes.append("time")
    live = [t.account for t in targets if t.state != TargetState.CANCELLED]
    if remove_image_ids:
        removed, _ = publication.images.filter(pk__in=remove_image_ids).delete()
        if removed:
            changes.append("images")
    if add_images:
        _attach(publication, add_images, alt_texts or [], live)
        changes.append("images")
    if not changes:
        return publication
    content_changed = "text" in changes or "images" in changes
    waits = content_changed and _needs_approval(publication.persona, role)
    if waits:
        publication.approval = Approval.PENDING
    publication.save(
        update_fields=[
            "text",
            "scheduled_at",
            "approval",
            "predicted_at",
            "predicted_score",
            "updated_at",
        ]
    )
    if "text" in changes:
        predictions_later(publication.persona_id)
    pending = publication.approval in (Approval.PENDING, Approval.SENT_BACK)
    for target in targets:
        if target.state in LEFT_ALONE_STATES:
            continue
        target.state = TargetState.DRAFT if pending else TargetState.SCHEDULED
        target.due_at, target.attempts = publication.scheduled_at, 0
        target.last_error, target.platform_ref, target.needs_reconcile = "", "", False
        if content_changed:
            target.idempotency_key = uuid.uuid4()
        target.save()
    when = timezone.localtime(publication.scheduled_at, ZoneInfo(publication.persona.timezone))
    detail = f"to {when:%a %d %b %H:%M}" if changes == ["time"] else " and ".join(changes)
    log_event(publication, user, "rescheduled" if changes == ["time"] else "edited", detail)
    return publication


EVERGREEN_MAX_TIMES = 20


@transaction.atomic
def publication_evergreen_set(
    *,
    publication: Publication,
    role: str,
    user: User | None,
    on: bool,
    days: int = 60,
    times: int = 3,
    gap_days: int = 30,
    versions: dict[int, str] | None = None,
) -> list[str]:
    """Mark a published post evergreen (or not).

    Returns what stops part of it from being re-shared, in words (an account whose platform
    refuses the same text twice, without a changed version)."""
    require(role, Action.EDIT)
    if publication.reshare_of_id:
        raise ValidationError("This is a re-share: make the original post evergreen instead.")
    targets = list(publication.targets.select_related("account"))
    if on and not any(t.state == TargetState.PUBLISHED for t in targets):
        raise ValidationError("Only a published post can be re-shared: it is not out yet.")
    if on and not (1 <= days <= 3650 and 1 <= times <= EVERGREEN_MAX_TIMES and gap_days <= 3650):
        raise ValidationError(f"Re-share every 1 to 3,650 days, 1 to {EVERGREEN_MAX_TIMES} times.")
    kept = {}
    for account_id, text in (versions or {}).items():
        text = _clean_text(text)
        if text and text != publication.text:
            kept[str(account_id)] = text
    publication.evergreen = on
    publication.evergreen_days, publication.evergreen_times = days, times
    publication.evergreen_gap_days, publication.evergreen_versions = gap_days, kept
    publication.save(
        update_fields=[
            "evergreen",
            "evergreen_days",
            "evergreen_times",
            "evergreen_gap_days",
            "evergreen_versions",
            "updated_at",
        ]
    )
    log_event(
        publication,
        user,
        "evergreen" if on else "not evergreen",
        f"every {days} days" if on else "",
    )
    return evergreen_problems(publication, targets) if on else []


def evergreen_problems(publication: Publication, targets: list[Target] | None = None) -> list[str]:
    said = []
    for target in targets if targets is not None else publication.targets.select_related("account"):
        if (
            target.state == TargetState.PUBLISHED
            and refuses_duplicates(target.account)
            and not publication.evergreen_versions.get(str(target.account_id))
        ):
            said.append(
                f"{target.account.get_platform_display()} refuses the same text twice: write a "
                f"changed version for {target.account.name}, or it is left out of re-shares."
            )
    return said


@transaction.atomic
def publication_post_now(*, publication: Publication, role: str, user: User | None) -> int:
    """Send what is scheduled now rather than at its time. Returns the accounts it goes to."""
    require(role, Action.EDIT)
    if publication.approval in (Approval.PENDING, Approval.SENT_BACK):
        raise ValidationError("This post waits for approval; it can go once it is approved.")
    targets = _locked_targets(publication)
    now = timezone.now()
    waiting = [t.pk for t in targets if t.state in WAITING_STATES]
    if not waiting:
        raise ValidationError("Nothing of this post is waiting to go out.")
    Publication.objects.filter(pk=publication.pk).update(scheduled_at=now, updated_at=now)
    Target.objects.filter(pk__in=waiting).update(due_at=now)
    log_event(publication, user, "posted now", f"{len(waiting)} account(s)")
    return len(waiting)


@transaction.atomic
def publication_cancel(*, publication: Publication, role: str, user: User | None = None) -> int:
    """Cancel every target not yet sent (deleting a post is this: nothing goes out after it).

    Refused while one is being sent (it may go out)."""
    require(role, Action.EDIT)
    _locked_targets(publication)
    cancelled = Target.objects.filter(publication=publication, state__in=CANCELLABLE_STATES).update(
        state=TargetState.CANCELLED, lease_token=None
    )
    if cancelled:
        log_event(publication, user, "cancelled", f"{cancelled} account(s)")
    return cancelled


def publication_mark_reshare(*, share: Publication, original: Publication, number: int) -> None:
    """Record that `share` is re-share number `number` of the evergreen `original`."""
    Publication.objects.filter(pk=share.pk).update(reshare_of=original, share_number=number)
    share.reshare_of, share.share_number = original, number


PREDICT_ENGAGEMENT = "publishing.tasks.predict_engagement"
PREDICTED_AT_ONCE = 200


def predictions_later(persona_id: int) -> None:
    """The persona's posts without a prediction get one in the background.

    Once the transaction commits."""
    enqueue(PREDICT_ENGAGEMENT, persona_id)


def predictions_refresh(persona_id: int) -> None:
    """The engagement model changed, so the posts still to go out are predicted again.

    A hook: posts.hooks.on_engagement_trained."""
    Publication.objects.filter(
        persona_id=persona_id, targets__state__in=(TargetState.DRAFT, *PENDING_STATES)
    ).update(predicted_at=None, predicted_score=None, predicted_why=[])
    predictions_later(persona_id)


def publications_predict(*, persona_id: int) -> int:
    """The Celery job.

    Predicted engagement for the persona's posts that have none (one embedding batch for all of
    them). Nothing without an engagement model. Returns how many were predicted."""
    persona = persona_by_id(persona_id)
    if persona is None or not has_engagement_model(persona):
        return 0
    waiting = list(
        Publication.objects.filter(persona=persona, predicted_at__isnull=True)
        .order_by("-scheduled_at")
        .only("id", "text")[:PREDICTED_AT_ONCE]
    )
    if not waiting:
        return 0
    texts = [p.text for p in waiting]
    predicted = predicted_engagement(persona, texts, embed_for(persona, texts, purpose="scoring"))
    if predicted is None:
        return 0
    now = timezone.now()
    for publication, (score, why) in zip(waiting, predicted, strict=True):
        # Only if the text is still the one predicted (an edit meanwhile asks again).
        Publication.objects.filter(pk=publication.pk, text=publication.text).update(
            predicted_score=score, predicted_why=why, predicted_at=now
        )
    if len(waiting) == PREDICTED_AT_ONCE:
        predictions_later(persona_id)
    return len(waiting)
