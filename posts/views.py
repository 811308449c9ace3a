from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require, role_allows
from accounts.selectors import get_object_for
from core.http import render_form, wants_fragment
from core.jobs import JobProgress, JobStatus, poll_response
from personas.middleware import PersonaRequest, persona_view, show_times_for
from posts import importing, services
from posts.forms import ImportForm, PostFilterForm, PostForm
from posts.models import ImportBatch, Post
from posts.rules import CheckedPost
from posts.selectors import persona_post_stats, post_stats_key, posts_for_list, similar_posts

PAGE_SIZE = 25


def _report_saved(request: HttpRequest, checked: CheckedPost, message: str) -> None:
    for warning in checked.warnings:
        messages.warning(request, f"Saved with a change: {warning}.")
    messages.success(request, message)


@persona_view(
    missing="Create a persona first: posts belong to one of your voices.",
    reads=lambda persona_id: [post_stats_key(persona_id)],
)
def post_list(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    filters = PostFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    posts = posts_for_list(
        persona,
        tier=criteria.get("tier", ""),
        date_from=criteria.get("date_from"),
        date_to=criteria.get("date_to"),
        query=criteria.get("q", ""),
    )
    paginator = Paginator(posts, PAGE_SIZE)
    if not any(criteria.values()):  # every post: the count the dashboard keeps, not a scan
        paginator.count = persona_post_stats(persona)["total"]  # (a cached_property)
    page = paginator.get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "persona": persona,
        "filters": filters,
        "page": page,
        "query_string": query_string.urlencode(),
        "has_posts": page.paginator.count > 0 or bool(criteria and any(criteria.values())),
    }
    template = "posts/list.html#post-results" if wants_fragment(request) else "posts/list.html"
    return render(request, template, context)


@persona_view()
def post_create(request: PersonaRequest) -> HttpResponse:
    require(request.membership.role, Action.EDIT)
    persona = request.persona
    form = PostForm(request.POST or None, persona=persona)
    duplicate = False
    if request.method == "POST" and form.is_valid() and form.checked is not None:
        checked = form.checked
        duplicate = bool(services.existing_hashes(persona, [checked.values["text_hash"]]))
        if duplicate and not form.cleaned_data["save_anyway"]:
            data = request.POST.copy()
            data["save_anyway"] = "on"  # the next submit confirms
            form.data = data
        else:
            post = services.post_create(
                persona=persona, role=request.membership.role, checked=checked
            )
            _report_saved(request, checked, "Post added.")
            if "add_another" in request.POST:
                form = PostForm(persona=persona)
            elif request.htmx:
                # A plain redirect would be followed inside the swapped form region.
                return HttpResponseClientRedirect(reverse("post_detail", args=[post.pk]))
            else:
                return redirect("post_detail", post_id=post.pk)
    status = 422 if form.errors or duplicate else 200
    context = {"form": form, "persona": persona, "duplicate": duplicate}
    template = "posts/form.html#post-form" if wants_fragment(request) else "posts/form.html"
    return render(request, template, context, status=status)


@workspace_view
def post_detail(request: WorkspaceRequest, post_id: int) -> HttpResponse:
    post = get_object_for(
        request.user, Post, post_id, queryset=Post.objects.select_related("persona")
    )
    show_times_for(request, post.persona)
    similar = (
        similar_posts(post.persona, post.embedding, k=5, exclude_id=post.pk)
        if post.embedding is not None
        else []
    )
    return render(
        request,
        "posts/detail.html",
        {
            "post": post,
            "similar": similar,
            "can_edit": role_allows(post.user_role, Action.EDIT),
        },
    )


@workspace_view
def post_edit(request: WorkspaceRequest, post_id: int) -> HttpResponse:
    post = get_object_for(
        request.user,
        Post,
        post_id,
        action=Action.EDIT,
        queryset=Post.objects.select_related("persona"),
    )
    initial = {
        "text": post.text,
        # In the persona's own time zone, the one the form's value is read in.
        "posted_at": post.posted_at.astimezone(ZoneInfo(post.persona.timezone)).strftime(
            "%Y-%m-%d %H:%M"
        ),
        "content_type": "" if post.content_type_is_auto else post.content_type,
        "impressions": post.impressions,
        "likes": post.likes,
        "comments": post.comments,
        "reposts": post.reposts,
        "profile_views": post.profile_views,
        "saves": post.saves,
        "external_ref": post.external_ref,
    }
    form = PostForm(request.POST or None, initial=initial, persona=post.persona)
    if request.method == "POST" and form.is_valid() and form.checked is not None:
        services.post_update(post=post, role=post.user_role, checked=form.checked)
        _report_saved(request, form.checked, "Post saved.")
        return redirect("post_detail", post_id=post.pk)
    return render_form(
        request, "posts/form.html", {"form": form, "post": post, "persona": post.persona}, form=form
    )


@workspace_view
@require_POST
def post_delete(request: WorkspaceRequest, post_id: int) -> HttpResponse:
    post = get_object_for(request.user, Post, post_id, action=Action.EDIT)
    services.post_delete(post=post, role=post.user_role)
    messages.success(request, "Post deleted.")
    return redirect("post_list")


@persona_view()
def import_upload(request: PersonaRequest) -> HttpResponse:
    require(request.membership.role, Action.EDIT)
    persona = request.persona
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read() if upload else form.cleaned_data["pasted"].encode()
        try:
            batch = importing.import_prepare(
                persona=persona,
                user=request.user,
                role=request.membership.role,
                data=data,
                filename=upload.name if upload else "",
                fmt=form.cleaned_data["format"],
            )
        except ValidationError as error:
            form.add_error("file" if upload else "pasted", error)
        else:
            return redirect("import_detail", import_batch_id=batch.pk)
    context = {"form": form, "persona": persona, "max_rows": settings.IMPORT_MAX_ROWS}
    return render_form(request, "posts/import.html", context, form=form)


def _batch(
    request: WorkspaceRequest, import_batch_id: int, action: Action = Action.VIEW
) -> ImportBatch:
    return get_object_for(
        request.user,
        ImportBatch,
        import_batch_id,
        action=action,
        queryset=ImportBatch.objects.select_related("persona"),
    )


@workspace_view
def import_detail(request: WorkspaceRequest, import_batch_id: int) -> HttpResponse:
    batch = _batch(request, import_batch_id)
    job = JobProgress.of(
        batch,
        region="import-progress",
        poll_url=reverse("import_detail", args=[batch.pk]),
        title="Importing…",
        done_text=f"Imported {batch.imported} post{'s' if batch.imported != 1 else ''}.",
    )
    if request.htmx:
        # Progress polling; once finished the page reloads to show the outcome.
        return poll_response(request, job, refresh=True)
    context = {
        "batch": batch,
        "running": job.running,
        "import_job": job,
        "can_edit": role_allows(batch.user_role, Action.EDIT),
        # Rows to fix; rows already imported need nothing (their numbers are refreshed).
        "problem_rows": [r for r in batch.rows if r["status"] in ("error", "skipped")],
        "known_rows": [r for r in batch.rows if r["status"] == "duplicate"],
    }
    return render(request, "posts/import_detail.html", context)


@workspace_view
@require_POST
def import_confirm(request: WorkspaceRequest, import_batch_id: int) -> HttpResponse:
    batch = _batch(request, import_batch_id, Action.EDIT)
    batch = importing.import_confirm(batch=batch, role=batch.user_role)
    if batch.status == JobStatus.DONE:
        messages.success(request, f"Imported {batch.imported} posts.")
    return redirect("import_detail", import_batch_id=batch.pk)


@workspace_view
def import_errors_csv(request: WorkspaceRequest, import_batch_id: int) -> HttpResponse:
    batch = _batch(request, import_batch_id)
    response = HttpResponse(importing.errors_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-problems.csv"'
    return response
