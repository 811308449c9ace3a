"""The composer's pages: write a post, watch it read against your voice and every chosen
platform's rules as you type, and schedule it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from accounts.middleware import workspace_view
from accounts.permissions import Action, role_allows
from accounts.selectors import get_object_for
from calendar_app.models import PlannedPost
from calendar_app.selectors import next_free_slot
from composer import bulk, selectors, services
from composer import repurpose as repurposing
from composer.models import BulkUpload, ComposerDraft, DraftImage, DraftStatus, Repurpose
from core.jobs import JobProgress, poll_response
from core.zones import viewer_zone, zone_label
from generation.models import Variation
from llm.selectors import has_writing_model
from personas.middleware import show_times_for
from personas.models import Persona
from personas.selectors import current_persona, personas_of
from pillars.models import Topic
from publishing import selectors as publishing_selectors
from publishing.checks import takes_comments
from publishing.models import Publication


def _draft(
    request: HttpRequest, composerdraft_id: int, action: Action = Action.VIEW
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
    """What the composer form holds, as `ComposerDraft.data` keeps it. Per-account fields are
    `version-<id>`, `comment-<id>` and `no_comment-<id>` (no first comment on that account)."""
    versions = {}
    comments: dict[str, str | None] = {}
    for key, value in post.items():
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


@workspace_view
@viewer_zone
def drafts(request: HttpRequest) -> HttpResponse:
    """The posts being written in this workspace, newest first."""
    persona = current_persona(request, request.workspace)
    if persona is None:
        return redirect("persona_create")
    return render(
        request,
        "composer/drafts.html",
        {"drafts": selectors.open_drafts(request.workspace), "persona": persona},
    )


@workspace_view
def compose_new(request: HttpRequest) -> HttpResponse:
    """A new post in the composer (an untouched one is reused, so the link can be followed
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
            queryset=Variation.objects.select_related("generation__persona"),
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
    role = draft.user_role  # type: ignore[attr-defined]
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
def compose(request: HttpRequest, composerdraft_id: int) -> HttpResponse:
    """The composer. POST saves what the form holds, then does what its button says: post
    now, add to the queue, schedule at the typed time, split for me, save, discard."""
    draft = _draft(request, composerdraft_id)
    if request.method != "POST":
        return _page(request, draft)
    role = draft.user_role  # type: ignore[attr-defined]
    action = request.POST.get("action", "save")
    try:
        if action == "discard":
            services.draft_discard(draft=draft, role=role)
            messages.success(request, "Draft discarded.")
            return redirect("composer_drafts")
        services.draft_save(draft=draft, role=role, data=form_data(request.POST))
        services.draft_persona(draft=draft, role=role, persona_id=request.POST.get("persona"))
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
def compose_live(request: HttpRequest, composerdraft_id: int) -> HttpResponse:
    """Autosave and the live panel, in one request made at every pause in typing (and by the
    browser's beacon when the tab is hidden or closed)."""
    draft = _draft(request, composerdraft_id)
    role = draft.user_role  # type: ignore[attr-defined]
    if draft.status == DraftStatus.OPEN and role_allows(role, Action.EDIT):
        services.draft_save(draft=draft, role=role, data=form_data(request.POST))
        services.draft_persona(draft=draft, role=role, persona_id=request.POST.get("persona"))
    response = render(
        request,
        "composer/_live.html",
        {"draft": draft, "live": services.draft_live(draft), "persona": draft.persona},
    )
    response["Cache-Control"] = "no-store"
    return response


@workspace_view
def compose_deep(request: HttpRequest, composerdraft_id: int) -> HttpResponse:
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
def image_add(request: HttpRequest, composerdraft_id: int) -> HttpResponse:
    draft = _draft(request, composerdraft_id, Action.EDIT)
    role = draft.user_role  # type: ignore[attr-defined]
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
def image_remove(request: HttpRequest, draftimage_id: int) -> HttpResponse:
    image = get_object_for(request.user, DraftImage, draftimage_id, action=Action.EDIT)
    services.draft_image_remove(image=image, role=image.user_role)  # type: ignore[attr-defined]
    return redirect("compose", image.draft_id)


@workspace_view
def image_file(request: HttpRequest, draftimage_id: int) -> HttpResponse:
    image = get_object_for(request.user, DraftImage, draftimage_id)
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _repurpose_source(request: HttpRequest) -> tuple[Persona, str, str]:
    """(persona, text, back link) of the post or draft to make versions of."""
    for name, model in (
        ("publication", Publication),
        ("variation", Variation),
        ("composerdraft", ComposerDraft),
    ):
        value = request.GET.get(name) or request.POST.get(name) or ""
        if not value.isdigit():
            continue
        found = get_object_for(request.user, model, int(value), action=Action.EDIT)
        if isinstance(found, Variation):
            return (
                found.generation.persona,
                found.text,
                reverse("generation_detail", args=[found.generation_id]),
            )
        if isinstance(found, ComposerDraft):
            return found.persona, found.data.get("text", ""), reverse("compose", args=[found.pk])
        return found.persona, found.text, reverse("publication_detail", args=[found.pk])
    raise Http404("Nothing to make versions of.")


@workspace_view
def repurpose(request: HttpRequest) -> HttpResponse:
    """ "Make versions for…": choose personas, accounts and (with a model) audiences."""
    persona, text, back = _repurpose_source(request)
    show_times_for(request, persona)
    personas = list(personas_of(persona.workspace))
    accounts = list(publishing_selectors.accounts_of(persona.workspace, usable=True))
    error = ""
    if request.method == "POST":
        chosen_personas = request.POST.getlist("personas")
        chosen_accounts = request.POST.getlist("accounts")
        try:
            job = repurposing.repurpose_request(
                persona=persona,
                user=request.user,
                role=request.membership.role,
                text=text,
                personas=[p for p in personas if str(p.pk) in chosen_personas],
                accounts=[a for a in accounts if str(a.pk) in chosen_accounts],
                audiences=request.POST.get("audiences", "").replace("\n", ",").split(","),
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            return redirect("repurpose_versions", job.pk)
    context = {
        "persona": persona,
        "text": text,
        "back": back,
        "personas": personas,
        "accounts": accounts,
        "source": {
            k: request.GET.get(k) or request.POST.get(k)
            for k in ("publication", "variation", "composerdraft")
        },
        "chosen_personas": request.POST.getlist("personas")
        if request.method == "POST"
        else [str(p.pk) for p in personas if p.pk != persona.pk],
        "chosen_accounts": request.POST.getlist("accounts") if request.method == "POST" else [],
        "audiences": request.POST.get("audiences", ""),
        "has_model": has_writing_model(persona.workspace_id),
        "error": error,
        "most": repurposing.MAX_VERSIONS,
    }
    return render(request, "composer/repurpose.html", context, status=422 if error else 200)


def _repurpose_job(job: Repurpose) -> JobProgress:
    return JobProgress.of(
        job,
        region="repurpose-progress",
        poll_url=reverse("repurpose_progress", args=[job.pk]),
        title="Making versions…",
        done_text="Done.",
    )


@workspace_view
def repurpose_versions(request: HttpRequest, repurpose_id: int) -> HttpResponse:
    job = get_object_for(
        request.user, Repurpose, repurpose_id, queryset=Repurpose.objects.select_related("persona")
    )
    show_times_for(request, job.persona)
    versions = list(job.versions.select_related("persona").order_by("id"))
    accounts = {a.pk: a for a in publishing_selectors.accounts_of(job.persona.workspace)}
    for version in versions:
        ids = version.data.get("accounts") or []
        version.account = accounts.get(ids[0]) if ids else None  # type: ignore[attr-defined]
    return render(
        request,
        "composer/versions.html",
        {"job": job, "progress": _repurpose_job(job), "versions": versions},
    )


@workspace_view
def repurpose_progress(request: HttpRequest, repurpose_id: int) -> HttpResponse:
    job = get_object_for(request.user, Repurpose, repurpose_id)
    return poll_response(request, _repurpose_job(job), refresh=True)


@workspace_view
def bulk_upload(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of posts; it is read and checked row by row into a preview."""
    persona = current_persona(request, request.workspace)
    if persona is None:
        return redirect("persona_create")
    personas = list(personas_of(request.workspace))
    chosen = request.POST.get("persona", "")
    persona = next((p for p in personas if str(p.pk) == chosen), persona)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError("Choose a CSV file to upload.")
            made = bulk.bulk_preview(
                persona=persona,
                user=request.user,
                role=request.membership.role,
                data=upload.read(bulk.MAX_BYTES + 1),
                filename=upload.name or "posts.csv",
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            return redirect("bulk_preview", made.pk)
    context = {
        "persona": persona,
        "personas": personas,
        "error": error,
        "columns": bulk.TEMPLATE_HEADER,
        "accounts": publishing_selectors.accounts_of(request.workspace, usable=True),
        "zone": zone_label(persona.timezone),
    }
    return render(request, "composer/bulk.html", context, status=422 if error else 200)


def _bulk_job(upload: BulkUpload) -> JobProgress:
    return JobProgress.of(
        upload,
        region="bulk-progress",
        poll_url=reverse("bulk_progress", args=[upload.pk]),
        title="Scheduling…",
        done_text="Done.",
    )


SHOWN_GOOD_ROWS = 100


@workspace_view
def bulk_preview(request: HttpRequest, bulkupload_id: int) -> HttpResponse:
    upload = get_object_for(
        request.user,
        BulkUpload,
        bulkupload_id,
        queryset=BulkUpload.objects.select_related("persona"),
    )
    show_times_for(request, upload.persona)
    rows = upload.rows.all()
    problems = list(rows.exclude(problems=[]))
    good = rows.filter(problems=[])
    accounts = {a.pk: a for a in publishing_selectors.accounts_of(upload.persona.workspace)}
    shown = list(good.select_related("publication")[:SHOWN_GOOD_ROWS])
    for row in [*problems, *shown]:
        row.accounts = [accounts[i] for i in row.account_ids if i in accounts]  # type: ignore[attr-defined]
    context = {
        "upload": upload,
        "problems": problems,
        "good": shown,
        "good_count": good.count(),
        "more_count": max(0, good.count() - len(shown)),
        "failed": list(good.exclude(failure="")),
        "scheduled": good.filter(publication__isnull=False).count(),
        "progress": _bulk_job(upload) if upload.status != "previewed" else None,
        "can_edit": role_allows(upload.user_role, Action.EDIT),  # type: ignore[attr-defined]
        "zone": zone_label(upload.persona.timezone),
    }
    return render(request, "composer/bulk_preview.html", context)


@workspace_view
@require_POST
def bulk_schedule(request: HttpRequest, bulkupload_id: int) -> HttpResponse:
    upload = get_object_for(request.user, BulkUpload, bulkupload_id, action=Action.EDIT)
    try:
        bulk.bulk_schedule(upload=upload, role=upload.user_role)  # type: ignore[attr-defined]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("bulk_preview", upload.pk)


@workspace_view
def bulk_progress(request: HttpRequest, bulkupload_id: int) -> HttpResponse:
    upload = get_object_for(request.user, BulkUpload, bulkupload_id)
    return poll_response(request, _bulk_job(upload), refresh=True)


@workspace_view
def bulk_problems(request: HttpRequest, bulkupload_id: int) -> HttpResponse:
    upload = get_object_for(request.user, BulkUpload, bulkupload_id)
    response = HttpResponse(bulk.problem_rows_csv(upload), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="rows-to-fix.csv"'
    return response


@workspace_view
def bulk_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(bulk.template_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="contenttwin-posts.csv"'
    return response
