"""Making many posts at once.

Versions of one post for other personas, accounts and audiences (repurposing), and a CSV of posts
scheduled after a row-by-row preview."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, role_allows
from accounts.selectors import get_object_for
from composer import bulk
from composer import repurpose as repurposing
from composer.models import BulkUpload, ComposerDraft, Repurpose
from core.http import say_refusal
from core.jobs import JobProgress, poll_response
from core.zones import zone_label
from generation.models import Variation
from llm.selectors import has_writing_model
from personas.middleware import PersonaRequest, persona_view, show_times_for
from personas.models import Persona
from personas.selectors import personas_of
from publishing import selectors as publishing_selectors
from publishing.models import Publication


def _repurpose_source(request: WorkspaceRequest) -> tuple[Persona, str, str]:
    """(persona, text, back link) of the post or draft to make versions of."""
    for name, model in (
        ("publication", Publication),
        ("variation", Variation),
        ("composerdraft", ComposerDraft),
    ):
        value = request.GET.get(name) or request.POST.get(name) or ""
        if not value.isdigit():
            continue
        found = cast(
            Publication | Variation | ComposerDraft,
            get_object_for(request.user, model, int(value), action=Action.EDIT),
        )
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
def repurpose(request: WorkspaceRequest) -> HttpResponse:
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
def repurpose_versions(request: WorkspaceRequest, repurpose_id: int) -> HttpResponse:
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
def repurpose_progress(request: WorkspaceRequest, repurpose_id: int) -> HttpResponse:
    job = get_object_for(request.user, Repurpose, repurpose_id)
    return poll_response(request, _repurpose_job(job), refresh=True)


@persona_view()
def bulk_upload(request: PersonaRequest) -> HttpResponse:
    """Upload a CSV of posts; it is read and checked row by row into a preview."""
    persona = request.persona
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
def bulk_preview(request: WorkspaceRequest, bulkupload_id: int) -> HttpResponse:
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
        "progress": _bulk_job(upload) if upload.status != "preview" else None,
        "can_edit": role_allows(upload.user_role, Action.EDIT),
        "zone": zone_label(upload.persona.timezone),
    }
    return render(request, "composer/bulk_preview.html", context)


@workspace_view
@require_POST
def bulk_schedule(request: WorkspaceRequest, bulkupload_id: int) -> HttpResponse:
    upload = get_object_for(request.user, BulkUpload, bulkupload_id, action=Action.EDIT)
    try:
        bulk.bulk_schedule(upload=upload, role=upload.user_role)
    except ValidationError as error:
        say_refusal(request, error)
    return redirect("bulk_preview", upload.pk)


@workspace_view
def bulk_progress(request: WorkspaceRequest, bulkupload_id: int) -> HttpResponse:
    upload = get_object_for(request.user, BulkUpload, bulkupload_id)
    return poll_response(request, _bulk_job(upload), refresh=True)


@workspace_view
def bulk_problems(request: WorkspaceRequest, bulkupload_id: int) -> HttpResponse:
    upload = get_object_for(request.user, BulkUpload, bulkupload_id)
    response = HttpResponse(bulk.problem_rows_csv(upload), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="rows-to-fix.csv"'
    return response


@workspace_view
def bulk_template(request: WorkspaceRequest) -> HttpResponse:
    response = HttpResponse(bulk.template_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="contenttwin-posts.csv"'
    return response
