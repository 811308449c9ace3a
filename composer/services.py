"""The composer: a post written by hand, read against the voice, checked and scheduled.

The composer: a post written by hand (or brought from a draft, an idea, a plan slot, the
draft kit), read against the creator's own voice as it is typed, checked by every chosen
account's platform, and scheduled — now, into the next free slot, or at a time.

Everything typed is kept on the `ComposerDraft` row as it is typed (`draft_save`), so a
reload, Back or a closed tab loses nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from calendar_app.selectors import next_free_slot
from calendar_app.services import plan_scheduled
from composer.models import ComposerDraft, DraftImage, DraftStatus
from generation.services import lessons_for
from generation.services.scoring import score_texts
from language.platforms import measure as measure_text
from language.platforms import normalise
from language.threads import SEPARATOR, join_parts, split_for_me, split_parts
from personas.models import Persona
from personas.selectors import personas_of
from publishing import selectors as publishing_selectors
from publishing import services as publishing
from publishing.checks import COMMENT_LIMITS, account_problems, parts_for, takes_comments
from publishing.media import CheckedImage, check_upload
from publishing.models import Account, Publication
from voice import scoring
from voice.selectors import latest_voice_version
from voice.services import scoring_model

# What the form keeps. `versions` and `comments` map an account id (as a string) to its own
# text; a comment of None means "no first comment on this account".
FIELDS = ("text", "comment", "accounts", "versions", "comments", "number", "when")
LINKEDIN_FOLD = 210  # LinkedIn shows about this much before "…see more"


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """The known fields, in the types the composer uses (nothing else is kept)."""
    accounts = [int(a) for a in data.get("accounts") or [] if str(a).isdigit()]
    versions = {
        str(k): normalise(str(v))[:25_000]
        for k, v in (data.get("versions") or {}).items()
        if str(k).isdigit() and isinstance(v, str)
    }
    comments = {
        str(k): (None if v is None else normalise(str(v))[:5_000])
        for k, v in (data.get("comments") or {}).items()
        if str(k).isdigit()
    }
    return {
        "text": normalise(str(data.get("text") or ""))[:25_000],
        "comment": normalise(str(data.get("comment") or ""))[:5_000],
        "accounts": accounts,
        "versions": versions,
        "comments": comments,
        "number": bool(data.get("number")),
        "when": str(data.get("when") or "")[:16],
    }


@transaction.atomic
def draft_new(
    *,
    persona: Persona,
    user: User,
    role: str,
    text: str = "",
    when: datetime | None = None,
    variation: Any = None,
    idea: Any = None,
    planned: Any = None,
    account_id: int | None = None,
) -> ComposerDraft:
    """A new post in the composer, filled from where it came from.

    To `account_id` (a queue's account) or else the workspace's first account."""
    require(role, Action.EDIT)
    usable = [a.pk for a in publishing_selectors.accounts_of(persona.workspace, usable=True)]
    data = _clean(
        {
            "text": text,
            "when": timezone.localtime(when, ZoneInfo(persona.timezone)).strftime("%Y-%m-%dT%H:%M")
            if when
            else "",
            "accounts": [account_id] if account_id in usable else usable[:1],
        }
    )
    return ComposerDraft.objects.create(
        persona=persona,
        created_by=user,
        data=data,
        variation=variation,
        idea=idea,
        planned=planned,
    )


def draft_save(
    *, draft: ComposerDraft, role: str, data: dict[str, Any], persona_id: str | None = None
) -> ComposerDraft:
    """Keep what the form holds now (called at every pause in typing: one write).

    A `persona_id` of the same workspace writes as that persona (its voice, lessons, zone)."""
    require(role, Action.EDIT)
    if draft.status != DraftStatus.OPEN:
        raise ValidationError("This post was already scheduled; open it from the queue.")
    if persona_id and str(persona_id).isdigit() and int(persona_id) != draft.persona_id:
        persona = personas_of(draft.persona.workspace).filter(pk=int(persona_id)).first()
        if persona is None:
            raise ValidationError("That persona is not in this workspace.")
        draft.persona = persona
    draft.data = _clean({**draft.data, **data})
    draft.save(update_fields=["data", "persona", "updated_at"])
    return draft


def has_voice(persona: Persona) -> bool:
    return latest_voice_version(persona) is not None


def draft_accounts(draft: ComposerDraft) -> list[Account]:
    chosen = set(draft.data.get("accounts") or [])
    return [
        a
        for a in publishing_selectors.accounts_of(draft.persona.workspace, usable=True)
        if a.pk in chosen
    ]


def text_for(draft: ComposerDraft, account: Account) -> tuple[str, bool]:
    """(this account's text, whether it is its own version rather than the main text)."""
    own = (draft.data.get("versions") or {}).get(str(account.pk))
    return (own, True) if own else (draft.data.get("text") or "", False)


def comment_for(draft: ComposerDraft, account: Account) -> str | None:
    comments = draft.data.get("comments") or {}
    if str(account.pk) in comments:
        return comments[str(account.pk)]
    return draft.data.get("comment") or ""


# --- Live: what the creator sees as they type ---------------------------------------------------


@dataclass
class PartView:
    text: str
    length: int
    limit: int
    valid: bool
    problem: str
    unit: str
    folded: str = ""  # LinkedIn: what shows before "…see more" ("" when it all shows)
    images: list[DraftImage] = field(default_factory=list)


@dataclass
class AccountView:
    account: Account
    own_version: bool
    parts: list[PartView]
    comment: str | None
    comment_problem: str = ""
    problems: list[str] = field(default_factory=list)
    joined: bool = False  # a thread sent as one post (the platform takes no threads)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Live:
    accounts: list[AccountView]
    voice: Any = None  # voice.scoring.VoiceScore without tone (tone needs an embedding)
    lessons: list[str] = field(default_factory=list)
    parts: int = 1

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.accounts)


def _images(draft: ComposerDraft) -> list[DraftImage]:
    return list(draft.images.all())


def draft_live(draft: ComposerDraft) -> Live:
    """Counters, previews and problems per chosen account, by each platform's own rules.

    The voice match on the creator's text (without the embedding, which `draft_deep` adds); the
    lessons that apply. No embedding, no network: fast enough for every pause in typing."""
    images = _images(draft)
    number = bool(draft.data.get("number"))
    views = []
    for account in draft_accounts(draft):
        text, own = text_for(draft, account)
        comment = comment_for(draft, account)
        parts = parts_for(account, text, number_parts=number) if text.strip() else []
        shown = []
        for n, part in enumerate(parts):
            measured = measure_text(account.platform, part, limit=account.max_characters)
            shown.append(
                PartView(
                    text=part,
                    length=measured.length if measured else len(part),
                    limit=measured.limit if measured else 0,
                    valid=measured.valid if measured else True,
                    problem=measured.problem if measured else "",
                    unit=measured.unit if measured else "characters",
                    folded=part[:LINKEDIN_FOLD].rstrip()
                    if account.platform == "linkedin" and len(part) > LINKEDIN_FOLD
                    else "",
                    # A platform without threads gets every image on its one post.
                    images=[i for i in images if len(parts) == 1 or i.part == n],
                )
            )
        view = AccountView(
            account=account,
            own_version=own,
            parts=shown,
            comment=comment if takes_comments(account) else None,
            joined=len(split_parts(text)) > 1 and len(parts) == 1,
        )
        if text.strip():
            view.problems = account_problems(
                account,
                text,
                first_comment=comment or "",
                number_parts=number,
                images=images,
                image_parts=[i.part for i in images],
            )
        if comment and takes_comments(account):
            measured = measure_text(
                account.platform, comment, limit=COMMENT_LIMITS.get(account.platform)
            )
            view.comment_problem = measured.problem if measured and not measured.valid else ""
        views.append(view)
    text = draft.data.get("text") or ""
    return Live(
        accounts=views,
        voice=quick_voice(draft.persona, text) if text.strip() else None,
        lessons=lessons_that_apply(draft.persona, text),
        parts=max(1, len(split_parts(text))),
    )


def quick_voice(persona: Persona, text: str) -> Any:
    """The voice match without the tone (which needs an embedding).

    Structure, vocabulary, contrast and the notes (copied word for word, cut off) — the same scorer
    as drafts."""

    version = latest_voice_version(persona)
    model = scoring_model(version) if version else None
    if not model:
        return None
    return scoring.score(join_parts(split_parts(text)) or text, model, None)


def lessons_that_apply(persona: Persona, text: str) -> list[str]:
    """What feedback taught that this text runs into: phrases the creator cuts, and length."""
    if not text.strip():
        return []
    lessons = lessons_for(persona)
    lowered = text.casefold()
    said = [
        f"You usually cut “{phrase}”."
        for phrase in lessons["avoid"]
        if phrase.casefold().strip(" .!?") in lowered
    ]
    reference = lessons.get("length_reference")
    if lessons.get("length") == "shorter" and reference and len(text) >= reference:
        said.append("You asked for shorter posts than this one.")
    if lessons.get("length") == "longer" and reference and len(text) <= reference:
        said.append("You asked for longer posts than this one.")
    return said


def draft_deep(draft: ComposerDraft) -> tuple[Any, tuple[int, list[str]] | None]:
    """What needs an embedding, asked for after the fast answer.

    The full voice match (with tone) and the predicted engagement with its factors."""

    text = join_parts(split_parts(draft.data.get("text") or ""))
    version = latest_voice_version(draft.persona)
    if not text.strip() or version is None:
        return None, None
    scored = score_texts(version, [text])[0]  # the scorer drafts on the Write page get
    predicted = None if scored.engagement is None else (scored.engagement, scored.engagement_notes)
    return scored.voice, predicted


# --- Actions ------------------------------------------------------------------------------------


def split_draft(*, draft: ComposerDraft, role: str) -> ComposerDraft:
    """ "Split for me".

    The main text cut at sentence boundaries so every part fits the strictest chosen platform that
    takes threads."""
    require(role, Action.EDIT)
    accounts = [a for a in draft_accounts(draft) if parts_for(a, "a\n---\nb") != ["a\n\nb"]]
    platforms = [(a.platform, a.max_characters) for a in accounts] or [("bluesky", None)]
    text = join_parts(split_parts(draft.data.get("text") or ""))

    def strictest(candidate: str) -> int:
        # The part's size against its platform's limit, as a share, scaled to 1,000.
        shares = []
        for platform, limit in platforms:
            measured = measure_text(platform, candidate, limit=limit)
            if measured is not None and measured.limit:
                shares.append(measured.length * 1000 // measured.limit)
        return max(shares or [len(candidate)])

    parts = split_for_me(text, 1000, strictest, numbering=bool(draft.data.get("number")))
    if draft.data.get("number"):  # numbering is added when sending, not typed in
        parts = [part.rsplit("\n\n", 1)[0] for part in parts]
    return draft_save(draft=draft, role=role, data={"text": f"\n\n{SEPARATOR}\n\n".join(parts)})


def draft_image_add(
    *, draft: ComposerDraft, role: str, upload: UploadedFile, alt: str, part: int
) -> DraftImage:
    require(role, Action.EDIT)
    try:
        checked = check_upload(upload)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    if draft.images.count() >= 20:
        raise ValidationError("A post can carry 20 images at most.")
    return DraftImage.objects.create(
        draft=draft,
        file=checked.upload,
        alt_text=alt.strip()[:1000],
        part=max(0, part),
        content_type=checked.content_type,
        size=checked.size,
        width=checked.width,
        height=checked.height,
    )


def draft_image_remove(*, image: DraftImage, role: str) -> None:
    require(role, Action.EDIT)
    image.delete()


def draft_discard(*, draft: ComposerDraft, role: str) -> None:
    require(role, Action.EDIT)
    ComposerDraft.objects.filter(pk=draft.pk).update(status=DraftStatus.DISCARDED)


def _when(draft: ComposerDraft, how: str) -> datetime:
    persona = draft.persona
    if how == "now":
        return timezone.now()
    if how == "queue":
        slot = next_free_slot(persona)
        if slot is None:
            raise ValidationError(
                "No free slot in your posting schedule: set your posting times, or pick a time."
            )
        return slot
    typed = draft.data.get("when") or ""
    try:
        local = datetime.strptime(typed, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ValidationError("Pick a date and a time (in the persona's zone).") from None
    moment = local.replace(tzinfo=ZoneInfo(persona.timezone))
    if moment < timezone.now() - timedelta(minutes=1):
        raise ValidationError("That time has passed; pick a time from now on.")
    return moment


@transaction.atomic
def draft_schedule(*, draft: ComposerDraft, user: User, role: str, how: str) -> Publication:
    """The post goes on the calendar.

    `how` is "now", "queue" (the next free slot of the persona's posting schedule, DST-safe) or "at"
    (the typed time, in the persona's zone). Where posts need approval, an editor's goes to an
    approver first."""
    require(role, Action.EDIT)
    draft = ComposerDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.status != DraftStatus.OPEN:
        raise ValidationError("This post was already scheduled.")
    accounts = draft_accounts(draft)
    if not accounts:
        raise ValidationError("Choose at least one account to publish to.")
    text = draft.data.get("text") or ""
    images = _images(draft)
    versions = {a.pk: text_for(draft, a)[0] for a in accounts if text_for(draft, a)[1]}
    comments = {
        a.pk: comment_for(draft, a)
        for a in accounts
        if str(a.pk) in (draft.data.get("comments") or {})
    }
    publication = publishing.publication_schedule(
        persona=draft.persona,
        role=role,
        user=user,
        text=text,
        scheduled_at=_when(draft, how),
        accounts=accounts,
        images=[
            CheckedImage(image.file, image.content_type, image.width, image.height)
            for image in images
        ],
        alt_texts=[image.alt_text for image in images],
        image_parts=[image.part for image in images],
        idea=draft.idea or (draft.variation.generation.idea if draft.variation else None),
        versions=versions,
        first_comment=draft.data.get("comment") or "",
        comments=comments,
        number_parts=bool(draft.data.get("number")),
    )
    draft.status, draft.publication = DraftStatus.SCHEDULED, publication
    draft.save(update_fields=["status", "publication", "updated_at"])
    if draft.variation is not None or draft.planned_id is not None:
        plan_scheduled(
            publication_id=publication.pk,
            generation_id=draft.variation.generation_id if draft.variation else None,
            planned_post_id=draft.planned_id,
        )
    return publication
