"""The inbox: mentions and replies synced per account, and what the team does with them.

A beat task hands each connected account whose sync is due to a worker; the sync reads what
is new since its stored cursor (publishing's platform clients), keeps each item once (by
platform id), tells the team, and moves the cursor. A failure backs off (longer each time, or
as long as the platform asked) and is shown on the page in words; one unreadable item is
skipped, never the sync."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User, Workspace
from accounts.permissions import Action, require
from accounts.selectors import members_with_roles
from core.jobs import send
from generation.services.scoring import score_texts
from inbox.models import InboxItem, InboxStatus, InboxSync
from language import text as T
from language.injection import without_instructions
from llm.structured import ask_for_json
from notifications.models import Kind
from notifications.services import notify
from personas.models import Persona
from posts import selectors as posts
from publishing import selectors as publishing
from publishing import services as publishing_services
from publishing.models import Publication
from publishing.services import PublishError
from voice import scoring
from voice.selectors import latest_voice_version
from voice.services import scoring_model

INBOX_PLATFORMS = publishing_services.INBOX_PLATFORMS
SYNC_ACCOUNT = "inbox.tasks.sync_account"
CLAIM = timedelta(minutes=5)  # a claimed sync not finished by then is handed out again
MAX_BACKOFF = timedelta(hours=1)
ANSWERERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)  # who is told of new mentions


def inbox_sync_due() -> int:
    """Beat: every connected account whose sync is due, claimed and sent to a worker."""
    ids = publishing.inbox_account_ids(INBOX_PLATFORMS)
    known = set(InboxSync.objects.filter(account_id__in=ids).values_list("account_id", flat=True))
    InboxSync.objects.bulk_create(
        [InboxSync(account_id=i) for i in ids if i not in known], ignore_conflicts=True
    )
    now = timezone.now()
    due = list(
        InboxSync.objects.filter(account_id__in=ids, next_at__lte=now).values_list(
            "account_id", flat=True
        )[:500]
    )
    sent = 0
    for account_id in due:
        # The claim: only the beat that moves next_at sends the job.
        if InboxSync.objects.filter(account_id=account_id, next_at__lte=now).update(
            next_at=now + CLAIM
        ):
            send(SYNC_ACCOUNT, account_id)
            sent += 1
    return sent


def _backoff(sync: InboxSync, error: PublishError) -> timedelta:
    wait = min(timedelta(minutes=2 ** min(sync.failures, 10)), MAX_BACKOFF)
    if error.retry_after:
        wait = max(wait, timedelta(seconds=error.retry_after))
    return wait


def inbox_sync(*, account_id: int) -> int:
    """One account's new mentions and replies; how many were new."""
    account = publishing.account_for_sync(account_id)
    if account is None:
        return 0
    sync, _ = InboxSync.objects.get_or_create(account=account)
    now = timezone.now()
    try:
        page = publishing_services.account_mentions(account, sync.cursor)
    except PublishError as error:
        sync.failures += 1
        sync.last_error = str(error)[:300]
        sync.next_at = now + _backoff(sync, error)
        sync.save(update_fields=["failures", "last_error", "next_at"])
        return 0
    personas = publishing.personas_of_posts(account, [m.parent_id for m in page.mentions])
    rows = [
        InboxItem(
            workspace_id=account.workspace_id,
            account=account,
            persona_id=personas.get(mention.parent_id),
            platform_id=mention.platform_id[:300],
            kind=mention.kind,
            author_handle=mention.author_handle[:200],
            author_name=mention.author_name[:200],
            text=mention.text[:5000],
            url=mention.url[:500],
            parent_id=mention.parent_id[:300],
            extra=mention.extra,
            received_at=mention.created_at,
        )
        for mention in page.mentions
    ]
    with transaction.atomic():
        before = InboxItem.objects.filter(
            account=account, platform_id__in=[r.platform_id for r in rows]
        ).count()
        InboxItem.objects.bulk_create(rows, ignore_conflicts=True)
        new = len({r.platform_id for r in rows}) - before
        InboxSync.objects.filter(pk=sync.pk).update(
            cursor=page.cursor[:300] or sync.cursor,
            failures=0,
            last_error="",
            last_synced_at=now,
            next_at=now + timedelta(seconds=settings.INBOX_SYNC_SECONDS),
        )
    if new > 0:
        notify(
            workspace=account.workspace_id,
            users=members_with_roles(account.workspace_id, ANSWERERS),
            kind=Kind.INBOX,
            title=f"{new} new mention{'s' if new != 1 else ''} and replies on {account.name}",
            body=" · ".join(f"{r.author_handle}: {r.text[:80]}" for r in rows[-3:]),
            url=reverse("inbox"),
        )
    return new


# What each bulk action is called on its button, and what is said once it is done.
ACTIONS = {
    "done": ("Mark done", "marked done"),
    "read": ("Mark read", "marked read"),
    "unread": ("Mark unread", "marked unread"),
    "reopen": ("Reopen", "reopened"),
    "assign": ("Assign to", "assigned"),
}


@transaction.atomic
def inbox_items_update(
    *,
    workspace: Workspace,
    role: str,
    item_ids: list[int],
    action: str,
    assignee: User | None = None,
) -> int:
    """Mark read/unread/done, reopen or assign the chosen items of this workspace."""
    require(role, Action.EDIT)
    if action not in ACTIONS:
        raise ValidationError("Choose what to do with them.")
    if not item_ids:
        raise ValidationError("Tick at least one item first.")
    items = InboxItem.objects.filter(workspace=workspace, pk__in=item_ids)
    options: dict[str, dict[str, Any]] = {
        "read": {"is_read": True},
        "unread": {"is_read": False},
        "done": {"status": InboxStatus.DONE, "is_read": True},
        "reopen": {"status": InboxStatus.OPEN},
        "assign": {"assigned_to": assignee},
    }
    changes = options[action]
    return items.update(**changes, updated_at=timezone.now())


@transaction.atomic
def inbox_reply(
    *, item: InboxItem, persona: Persona, role: str, user: User | None, text: str
) -> Publication:
    """Answer the item from the account it came to, now, through the publishing engine.

    Sent exactly once like every post (the engine's keys and reconciles), as a reply to the
    item (Mastodon's in_reply_to_id, Bluesky's reply refs to the parent and its thread's root).
    The same words twice to the same item are refused (a double press)."""
    require(role, Action.EDIT)
    if persona.workspace_id != item.workspace_id:
        raise ValidationError("That persona belongs to another workspace.")
    locked = InboxItem.objects.select_for_update().get(pk=item.pk)
    if locked.reply_id and publishing.publication_text(locked.reply_id) == " ".join(text.split()):
        raise ValidationError("That reply is already on its way.")
    publication = publishing_services.publication_schedule(
        persona=persona,
        role=role,
        user=user,
        text=text,
        scheduled_at=timezone.now(),
        accounts=[item.account],
        reply_to={
            "id": item.platform_id,
            "cid": str(item.extra.get("cid", "")),
            "root_id": str(item.extra.get("root_uri", "")),
            "root_cid": str(item.extra.get("root_cid", "")),
        },
    )
    InboxItem.objects.filter(pk=item.pk).update(
        reply=publication, status=InboxStatus.DONE, is_read=True, updated_at=timezone.now()
    )
    return publication


REPLY_PROMPT = Path(__file__).parent / "prompts" / "reply_v1.txt"
KIT_NOTE = "From your reply kit: a line of your own posts close to this message; edit it to answer."


def _voice_scores(persona: Persona, texts: list[str], *, own_lines: bool) -> list[int | None]:
    """Each text's voice match (None before the voice is analysed).

    A model's replies are scored as drafts are (generation's score_texts). The kit's lines, the
    creator's own sentences, by style alone: judged as new posts, lines copied from posts score
    near 0 ("copied word for word"), which says nothing about how they sound."""
    version = latest_voice_version(persona)
    if version is None:
        return [None for _ in texts]
    if not own_lines:
        return [s.voice.overall for s in score_texts(version, texts)]
    model = scoring_model(version)
    if not model:
        return [None for _ in texts]
    return [scoring.score(t, model, None, judge_the_post=False).overall for t in texts]


def _by_model(item: InboxItem, persona: Persona, ours: str) -> list[str] | None:
    version = latest_voice_version(persona)
    examples = "\n---\n".join(
        without_instructions(p.text)[:600] for p in posts.best_posts(persona, exclude=[], limit=5)
    )
    blocks = {
        "voice": version.summary if version else "",
        "posts": examples,
        "our_post": ours,
        "message": f"{item.author_handle}: {item.text}",
    }
    content = "\n".join(
        f"<{name}>\n{without_instructions(text).replace(f'</{name}>', '')}\n</{name}>"
        for name, text in blocks.items()
        if text
    )
    data, _ = ask_for_json(
        system=REPLY_PROMPT.read_text(encoding="utf-8").strip(),
        content=content,
        workspace=persona.workspace,
        persona=persona,
        user=None,
        purpose="inbox_reply",
        max_tokens=600,
        temperature=0.7,
    )
    try:
        replies = [" ".join(str(r).split()) for r in (data or {}).get("replies", [])]
    except (TypeError, AttributeError):
        return None
    replies = [r for r in replies if r][:3]
    return replies if len(replies) == 3 else None


def _reply_kit(item: InboxItem, persona: Persona) -> list[str]:
    """Lines of the creator's own posts that speak to the message, one per post.

    Candidates: the posts closest in meaning (when embedded), else the best-performing ones;
    of those, the sentences sharing the most words with the message come first, then the
    closer (or better) post."""
    by_meaning = bool(posts.embedded_count(persona, at_most=1))
    if by_meaning:
        near = posts.similar_posts(persona, item.text, k=12)
    else:
        near = posts.best_posts(persona, exclude=[], limit=50)
    stops = T.stop_words(persona.language)
    asked = {w for w in T.words(item.text.lower()) if len(w) > 3 and w not in stops}
    ranked: list[tuple[int, int, str]] = []
    for rank, post in enumerate(near):
        candidates = [s for s in T.sentences(post.text) if 20 <= len(s) <= 280]
        if candidates:
            best = max(candidates, key=lambda s: len(asked & set(T.words(s.lower()))))
            shared = len(asked & set(T.words(best.lower())))
            if shared or by_meaning:  # among the best posts, only lines on the same subject
                ranked.append((-shared, rank, best))
    lines = list(dict.fromkeys(line for _, _, line in sorted(ranked)))[:3]
    mention = f"{item.author_handle} " if item.account.platform == "mastodon" else ""
    return [f"{mention}{line}" for line in lines]


def inbox_suggest(*, item: InboxItem, persona: Persona, role: str) -> list[dict[str, Any]]:
    """Three replies in the persona's voice, each with its voice score, kept on the item.

    With a model: written for this message, grounded in our post and the thread. Without one:
    the reply kit, lines of the creator's own posts, labelled as such."""
    require(role, Action.EDIT)
    if persona.workspace_id != item.workspace_id:
        raise ValidationError("That persona belongs to another workspace.")
    ours = publishing.published_texts(item.workspace, [item.parent_id]).get(item.parent_id, "")
    written = _by_model(item, persona, ours)
    texts, by = (written, "model") if written else (_reply_kit(item, persona), "kit")
    if not texts:
        raise ValidationError(
            "No suggestion: no line of this persona's posts speaks to this message, and no model "
            "is connected. Write the reply yourself, or add a model on the Models page."
        )
    scores = _voice_scores(persona, texts, own_lines=by == "kit")
    suggestions = [
        {"text": t, "score": s, "by": by, "note": KIT_NOTE if by == "kit" else ""}
        for t, s in zip(texts, scores, strict=True)
    ]
    InboxItem.objects.filter(pk=item.pk).update(suggestions=suggestions)
    return suggestions
