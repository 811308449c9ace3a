"""Repurposing: one post made into versions for other accounts, personas and audiences.

Repurposing: one post made into versions for other accounts and personas, and — with a
model — for audiences the creator names. Each version becomes a composer draft, scored
against the persona it is for.

With a model, a version is rewritten in the target persona's voice and its platform's shape
(a thread where posts are short, one longer post on LinkedIn), keeping the source's facts.
Without one, only faithful transforms are made — split into a thread, joined into one post,
or shortened by leaving out whole sentences — and the version says a model would rewrite it.
A model that fails for one version leaves that version faithful, with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.permissions import Action, require
from composer.models import ComposerDraft, Repurpose
from core.jobs import JobStatus, enqueue, job_lease, resend_abandoned
from generation.services import lessons_for
from generation.services.prompting import parse_post, user_message
from generation.services.scoring import score_texts
from language.platforms import measure as measure_text
from language.text import sentences
from language.threads import SEPARATOR, join_parts, split_for_me, split_parts
from llm import registry
from llm.base import ChatRequest, ProviderError
from llm.selectors import has_writing_model
from llm.services import usage_record
from personas.models import Persona
from personas.selectors import personas_of
from posts import selectors as posts
from publishing import selectors as publishing_selectors
from publishing.checks import takes_threads
from publishing.models import Account
from voice.selectors import latest_voice_version

RUN_REPURPOSE = "composer.tasks.run_repurpose"
MAX_VERSIONS = 12
PROMPT = (Path(__file__).resolve().parent / "prompts" / "repurpose_v1.txt").read_text().strip()


def repurpose_request(
    *,
    persona: Persona,
    user: User,
    role: str,
    text: str,
    personas: list[Persona],
    accounts: list[Account],
    audiences: list[str],
) -> Repurpose:
    """Queue the versions.

    One per persona and account, and one per audience and account (audiences are written for the
    source's persona, and need a model)."""
    require(role, Action.EDIT)
    text = text.strip()
    audiences = [a.strip()[:100] for a in audiences if a.strip()]
    if not text:
        raise ValidationError("There is no text to make versions of.")
    if not accounts:
        raise ValidationError("Choose at least one account to make versions for.")
    if not personas and not audiences:
        raise ValidationError("Choose at least one persona, or name an audience.")
    if any(p.workspace_id != persona.workspace_id for p in personas) or any(
        a.workspace_id != persona.workspace_id for a in accounts
    ):
        raise ValidationError("That persona or account belongs to another workspace.")
    uses_model = has_writing_model(persona.workspace_id)
    if audiences and not uses_model:
        raise ValidationError(
            "Audience versions are rewritten by a model: connect one on the Models page "
            "(a model on your own machine works), or leave the audiences empty."
        )
    targets = [
        {"persona": p.pk, "account": a.pk, "audience": ""} for p in personas for a in accounts
    ]
    targets += [
        {"persona": persona.pk, "account": a.pk, "audience": audience}
        for audience in audiences
        for a in accounts
    ]
    if len(targets) > MAX_VERSIONS:
        raise ValidationError(
            f"That is {len(targets)} versions; choose fewer (at most {MAX_VERSIONS} at once)."
        )
    with transaction.atomic():
        job = Repurpose.objects.create(
            persona=persona,
            source_text=text,
            targets=targets,
            uses_model=uses_model,
            requested_by=user,
        )
    enqueue(RUN_REPURPOSE, job.pk)
    return job


def repurpose_run(*, repurpose_id: int) -> Repurpose | None:
    """The Celery job, under a lease.

    A version already made (by a worker that died) is not made twice."""
    with job_lease(Repurpose, repurpose_id, progress=5, stage="Making versions") as lease:
        if lease is None:
            return None
        job = Repurpose.objects.select_related("persona__workspace", "requested_by").get(
            pk=repurpose_id
        )
        personas = {p.pk: p for p in personas_of(job.persona.workspace)}
        accounts = {
            a.pk: a for a in publishing_selectors.accounts_of(job.persona.workspace, usable=True)
        }
        made = {
            (d.persona_id, tuple(d.data.get("accounts") or ()), d.audience)
            for d in job.versions.all()
        }
        for n, target in enumerate(job.targets):
            persona, account = personas.get(target["persona"]), accounts.get(target["account"])
            key = (target["persona"], (target["account"],), target["audience"])
            if persona is None or account is None or key in made:
                continue  # removed meanwhile, or made before a worker died
            lease.progress(
                5 + 90 * n // max(1, len(job.targets)),
                f"{persona.name} · {account.name}"
                + (f" · for {target['audience']}" if target["audience"] else ""),
            )
            text, note = _version(job, persona, account, target["audience"])
            _store(job, persona, account, target["audience"], text, note)
        lease.progress(100, "", status=JobStatus.DONE)
    job.refresh_from_db()
    return job


def dispatch_abandoned_repurposes() -> int:
    return resend_abandoned(Repurpose, RUN_REPURPOSE)


def _version(job: Repurpose, persona: Persona, account: Account, audience: str) -> tuple[str, str]:
    if not job.uses_model:
        text, note = faithful(job.source_text, account)
        return text, f"{note} A connected model would rewrite it in {persona.name}’s voice."
    try:
        return rewritten(job, persona, account, audience), (
            f"Rewritten for {persona.name} on {account.get_platform_display()}"
            + (f", for {audience}." if audience else ".")
        )
    except registry.LLMError as error:
        text, note = faithful(job.source_text, account)
        return text, f"{user_message(error)} Until then: {note[0].lower()}{note[1:]}"


def _store(
    job: Repurpose, persona: Persona, account: Account, audience: str, text: str, note: str
) -> ComposerDraft:
    version = latest_voice_version(persona)
    score = score_texts(version, [join_parts(split_parts(text))])[0] if version else None
    return ComposerDraft.objects.create(
        persona=persona,
        created_by=job.requested_by,
        data={
            "text": text,
            "accounts": [account.pk],
            "comment": "",
            "versions": {},
            "comments": {},
            "number": False,
            "when": "",
        },
        repurpose=job,
        audience=audience,
        version_note=note[:300],
        version_score=score.voice.overall if score and score.voice.overall else None,
    )


# --- Without a model: faithful transforms --------------------------------------------------


def _measure(account: Account):
    def length(text: str) -> int:
        measured = measure_text(account.platform, text, limit=account.max_characters)
        return measured.length if measured else len(text)

    limit = measure_text(account.platform, "x", limit=account.max_characters)
    return length, (limit.limit if limit and limit.limit else None)


def faithful(text: str, account: Account) -> tuple[str, str]:
    """The source as `account`'s platform takes it, every word its own.

    A thread where it is too long for one post, one post where the platform has no threads
    (shortened by leaving out whole sentences when it is too long). Returns (text, what was done).
    """
    platform = account.get_platform_display()
    length, limit = _measure(account)
    parts = split_parts(text) or [text]
    threaded = takes_threads(account)
    if not threaded:
        joined = "\n\n".join(parts)
        if limit is None or length(joined) <= limit:
            said = "Joined into one post" if len(parts) > 1 else "Your text as it is"
            return joined, f"{said}: {platform} takes it in one post."
        shortened, left_out = shorten(joined, limit, length)
        return shortened, (
            f"Shortened to fit {platform} by leaving out {left_out} "
            f"sentence{'s' * (left_out != 1)}."
        )
    if limit is None or all(length(p) <= limit for p in parts):
        return join_parts(parts), f"Your text as it is: it fits {platform}."
    split = split_for_me("\n\n".join(parts), limit, length)
    return (
        f"\n\n{SEPARATOR}\n\n".join(split),
        f"Split into a thread of {len(split)} so every post fits {platform}.",
    )


def shorten(text: str, limit: int, length: Any) -> tuple[str, int]:
    """Whole sentences, in order, while they fit — the last one (the close) kept when it can be.

    Returns (text, how many sentences were left out)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    units = [(n, s) for n, p in enumerate(paragraphs) for s in sentences(p, keep_links=True)]
    closing = units[-1:] if units else []

    def joined(chosen: list[tuple[int, str]]) -> str:
        out: list[str] = []
        last = None
        for paragraph, sentence in chosen:
            out.append(("\n\n" if out and paragraph != last else " " if out else "") + sentence)
            last = paragraph
        return "".join(out)

    kept: list[tuple[int, str]] = []
    for unit in units[:-1]:
        if length(joined([*kept, unit, *closing])) <= limit:
            kept.append(unit)
    result = joined([*kept, *closing])
    if length(result) > limit:  # even the close does not fit after the opening
        result = joined(kept) or units[0][1][: max(1, limit - 1)] + "…"
        return result, len(units) - len(kept)
    return result, len(units) - len(kept) - len(closing)


# --- With a model -----------------------------------------------------------------------------


def shape_of(account: Account, text: str) -> str:
    length, limit = _measure(account)
    platform = account.get_platform_display()
    if account.platform == "linkedin":
        return (
            "LinkedIn: one post of up to 3,000 characters, in short paragraphs; the first two "
            "lines must make people press “see more” (LinkedIn cuts at about 210 characters)."
        )
    if takes_threads(account) and limit and length(text) > limit:
        return (
            f"{platform}: a thread; every post in it at most {limit} characters as {platform} "
            "counts them, each able to stand on its own."
        )
    if limit:
        return f"{platform}: one post of at most {limit} characters as {platform} counts them."
    return f"{platform}: one post."


def _block(name: str, content: str) -> str:
    content = content.replace(f"</{name}>", "")
    return f"<{name}>\n{content}\n</{name}>"


def rewritten(job: Repurpose, persona: Persona, account: Account, audience: str) -> str:
    """The version from the workspace's model.

    The offline writer is not asked: it would write a new post, not this one. Raises
    registry.LLMError when no model answers."""
    version = latest_voice_version(persona)
    summary = (version.profile or {}).get("summary", "") if version else ""
    examples = [p.text for p in posts.best_posts(persona, exclude=[], limit=6)]
    lessons = lessons_for(persona)
    said = []
    if lessons["avoid"]:
        said.append("Never use: " + "; ".join(lessons["avoid"]))
    if lessons["keep"]:
        said.append("Phrases they like: " + "; ".join(lessons["keep"]))
    blocks = [
        _block("source_post", job.source_text),
        _block("voice", summary),
        _block("their_posts", "\n---\n".join(examples)),
        _block("lessons", "\n".join(said)),
        _block("shape", shape_of(account, job.source_text)),
    ]
    if audience:
        blocks.append(_block("audience", audience))
    request = ChatRequest(
        system=PROMPT,
        messages=[{"role": "user", "content": "\n\n".join(blocks)}],
        temperature=0.5,
        seed=job.pk,
    )
    chain = [
        p for p in registry.providers(workspace_id=persona.workspace_id) if p.name != "offline"
    ]

    def recorded(attempts: list[registry.Attempt]) -> None:
        usage_record(
            attempts=attempts,
            workspace=persona.workspace,
            persona=persona,
            user=job.requested_by,
            purpose="repurpose",
        )

    try:
        result, attempts = registry.chat(request, chain=chain)
    except registry.LLMError as error:
        recorded(error.attempts)
        raise
    recorded(attempts)
    text = parse_post(result.text)
    if not text.strip():
        empty = ProviderError("The model sent an empty answer", permanent=False, kind="malformed")
        raise registry.LLMError(empty, attempts)
    return text
