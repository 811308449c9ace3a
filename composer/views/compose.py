"""The composer's pages.

Write a post, watch it read against your voice and every chosen platform's rules as you type, and
schedule it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, role_allows
from accounts.selectors import get_object_for
from calendar_app.models import PlannedPost
from calendar_app.selectors import next_free_slot
from composer import selectors, services
from composer.models import ComposerDraft, DraftImage, DraftStatus
from core.zones import viewer_zone, zone_label
from generation import selectors as generation_selectors
from generation.models import Variation
from personas.middleware import PersonaRequest, persona_view, show_times_for
from personas.selectors import current_persona, personas_of
from pillars.models import Topic
from publishing import selectors as publishing_selectors
from publishing.checks import takes_comments
from publishing.models import Publication


def _draft(
    request: WorkspaceRequest, composerdraft_id: int, action: Action = Action.VIEW
) -> ComposerDraft:
    draft = get_object_for(
        request.user,
        ComposerDraft,
        composerdraft_id,
        action=action,
        queryset=ComposerDraft.objects.select_related("persona__workspace", "variation"),
    )
    show_times_for(request, draft.persona)
    return draft


def form_data(post: QueryDict) -> dict[str, Any]:
    """What the composer form holds, as `ComposerDraft.data` keeps it.

    Per-account fields are `version-<id>`, `comment-<id>` and `no_comment-<id>` (no first comment on
    that account)."""
    versions: dict[str, str] = {}
    comments: dict[str, str | None] = {}
    for key, value in ((k, str(v)) for k, v in post.items()):
        kind, _, account = key.partition("-")
        if not account.isdigit():
            continue
        if kind == "version" and value.strip():
            versions[account] = value
        elif kind == "no_comment":
            comments[account] = None
        elif kind == "comment" and value.strip() and account not in comments:
            comments[account] = value
    for key in post:
        if key.startswith("no_comment-"):
            comments[key.partition("-")[2]] = None
    return {
        "text": post.get("text", ""),
        "comment": post.get("comment", ""),
        "accounts": post.getlist("accounts"),
        "versions": versions,
        "comments": comments,
        "number": post.get("number") == "on",
        "when": post.get("when", ""),
    }


@persona_view()
@viewer_zone
def drafts(request: PersonaRequest) -> HttpResponse:
    """The posts being written in this workspace, newest first."""
    persona = request.persona
    return render(
        request,
        "composer/drafts.html",
        {"drafts": selectors.open_drafts(request.workspace), "persona": persona},
    )


@workspace_view
def compose_new(request: WorkspaceRequest) -> HttpResponse:
    """A new post in the composer, filled from where the creator came from.

    A new post in the composer (an untouched one is reused, so the link can be followed
    twice), filled from `?variation=`, `?idea=` or `?publication=`, or at `?at=` (a slot)."""
    persona = current_persona(request, request.workspace)
    role = request.membership.role
    variation = idea = planned = when = None
    text = ""
    if request.GET.get("variation", "").isdigit():
        variation = get_object_for(
            request.user,
            Variation,
            int(request.GET["variation"]),
            action=Action.EDIT,
            queryset=generation_selectors.variations_with_context(),
        )
        persona, text = variation.generation.persona, variation.text
    elif request.GET.get("idea", "").isdigit():
        idea = get_object_for(request.user, Topic, int(request.GET["idea"]), action=Action.EDIT)
        persona = idea.persona
        text = idea.title
    elif request.GET.get("plan", "").isdigit():
        planned = get_object_for(
            request.user, PlannedPost, int(request.GET["plan"]), action=Action.EDIT
        )
        persona, idea, text = planned.persona, planned.topic, planned.opening
        when = planned.scheduled_at
    elif request.GET.get("publication", "").isdigit():
        publication = get_object_for(
            request.user, Publication, int(request.GET["publication"]), action=Action.EDIT
        )
        persona, text = publication.persona, publication.text
    elif request.GET.get("text"):
        text = request.GET["text"]
    if persona is None:
        return redirect("persona_create")
    if when is None:
        # "+" in an offset arrives as a space when the link was not encoded.
        try:
            when = parse_datetime(request.GET.get("at", "").replace(" ", "+"))
        except ValueError:  # well formed, but no such moment (a 30 February)
            when = None
    if when is not None and timezone.is_naive(when):
        when = when.replace(tzinfo=ZoneInfo(persona.timezone))
    if not (variation or idea or text or when or request.GET.get("account")):
        reused = selectors.untouched_draft(persona, request.user)
        if reused is not None:
            return redirect("compose", reused.pk)
    draft = services.draft_new(
        persona=persona,
        user=request.user,
        role=role,
        text=text,
        when=when,
        variation=variation,
        idea=idea,
        planned=planned,
        account_id=int(request.GET["account"])
        if request.GET.get("account", "").isdigit()
        else None,
    )
    return redirect("compose", draft.pk)


def _page(
    request: HttpRequest,
    draft: ComposerDraft,
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    persona = draft.persona
    accounts = list(publishing_selectors.accounts_of(persona.workspace, usable=True))
    chosen = set(draft.data.get("accounts") or [])
    versions = draft.data.get("versions") or {}
    comments = draft.data.get("comments") or {}
    rows = [
        {
            "account": account,
            "chosen": account.pk in chosen,
            "version": versions.get(str(account.pk), ""),
            "comment": comments.get(str(account.pk)) or "",
            "no_comment": str(account.pk) in comments and comments[str(account.pk)] is None,
            "takes_comments": takes_comments(account),
        }
        for account in accounts
    ]
    role = draft.user_role
    next_free = next_free_slot(persona)
    live = services.draft_live(draft)
    context = {
        "draft": draft,
        "errors": errors or [],
        "persona": persona,
        "personas": personas_of(persona.workspace),
        "rows": rows,
        "live": live,
        "part_numbers": range(1, live.parts + 1),
        "images": list(draft.images.all()),
        "next_free": next_free,
        "zone": zone_label(persona.timezone),
        "can_edit": role_allows(role, Action.EDIT) and draft.status == DraftStatus.OPEN,
        "needs_approval": persona.workspace.posts_need_approval
        and not role_allows(role, Action.APPROVE),
        "has_model": services.has_voice(persona),
    }
    response = render(request, "composer/compose.html", context, status=status)
    response["Cache-Control"] = "no-store"  # Back shows what was saved, never a stale copy
    return response


@workspace_view
def compose(request: WorkspaceRequest, composerdraft_id: int) -> HttpResponse:
    """The composer.

    POST saves what the form holds, then does what its button says: post now, add to the queue,
    schedule at the typed time, split for me, save, discard."""
    draft = _draft(request, composerdraft_id)
    if request.method != "POST":
        return _page(request, draft)
    role = draft.user_role
    action = request.POST.get("action", "save")
    try:
        if action == "discard":
            services.draft_discard(draft=draft, role=role)
            messages.success(request, "Draft discarded.")
            return redirect("composer_drafts")
        services.draft_save(
            draft=draft,
            role=role,
            data=form_data(request.POST),
            persona_id=request.POST.get("persona"),
        )
        if action == "split":
            services.split_draft(draft=draft, role=role)
            return redirect("compose", draft.pk)
        if action in ("now", "queue", "at"):
            publication = services.draft_schedule(
                draft=draft, user=request.user, role=role, how=action
            )
            messages.success(request, _scheduled_message(publication, action))
            return redirect("publication_detail", publication.pk)
    except ValidationError as error:
        # The page again with what was typed (it is saved) and why it did not go.
        return _page(request, draft, errors=error.messages, status=422)
    messages.success(request, "Draft saved. It is under Drafts until you schedule it.")
    return redirect("composer_drafts")


def _scheduled_message(publication: Publication, how: str) -> str:
    if publication.approval == "pending":
        return "Sent for approval: it is scheduled once an owner or admin approves it."
    if how == "now":
        return "Posting now."
    local = timezone.localtime(publication.scheduled_at)
    return f"Scheduled for {local:%a %-d %b, %H:%M} {zone_label(str(local.tzinfo))}."


@workspace_view
@require_POST
def compose_live(request: WorkspaceRequest, composerdraft_id: int) -> HttpResponse:
    """Autosave and the live panel, in one request made at every pause in typing.

    And by the browser's beacon when the tab is hidden or closed."""
    draft = _draft(request, composerdraft_id)
    role = draft.user_role
    if draft.status == DraftStatus.OPEN and role_allows(role, Action.EDIT):
        services.draft_save(
            draft=draft,
            role=role,
            data=form_data(request.POST),
            persona_id=request.POST.get("persona"),
        )
    response = render(
        request,
        "composer/_live.html",
        {"draft": draft, "live": services.draft_live(draft), "persona": draft.persona},
    )
    response["Cache-Control"] = "no-store"
    return response


@workspace_view
def compose_deep(request: WorkspaceRequest, composerdraft_id: int) -> HttpResponse:
    """What needs an embedding: the full voice match and the predicted engagement."""
    draft = _draft(request, composerdraft_id)
    voice, predicted = services.draft_deep(draft)
    return render(
        request,
        "composer/compose.html#deep",
        {"draft": draft, "voice": voice, "predicted": predicted},
    )


@workspace_view
@require_POST
def image_add(request: WorkspaceRequest, composerdraft_id: int) -> HttpResponse:
    draft = _draft(request, composerdraft_id, Action.EDIT)
    role = draft.user_role
    upload = request.FILES.get("image")
    try:
        if upload is None:
            raise ValidationError("Choose an image file to add.")
        part = request.POST.get("part", "1")
        services.draft_image_add(
            draft=draft,
            role=role,
            upload=upload,
            alt=request.POST.get("alt", ""),
            part=int(part) - 1 if part.isdigit() else 0,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("compose", draft.pk)


@workspace_view
@require_POST
def image_remove(request: WorkspaceRequest, draftimage_id: int) -> HttpResponse:
    image = get_object_for(request.user, DraftImage, draftimage_id, action=Action.EDIT)
    services.draft_image_remove(image=image, role=image.user_role)  # type: ignore[attr-defined]
    return redirect("compose", image.draft_id)


@workspace_view
def image_file(request: WorkspaceRequest, draftimage_id: int) -> FileResponse:
    image = get_object_for(request.user, DraftImage, draftimage_id)
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
