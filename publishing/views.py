from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, require, role_allows
from accounts.selectors import get_object_for
from core.http import render_form, safe_next_url, say_refusal, wants_fragment
from core.zones import viewer_zone
from personas.middleware import PersonaRequest, persona_view, show_times_for
from publishing import selectors, services
from publishing.adapters.base import PublishError
from publishing.checks import refuses_duplicates
from publishing.forms import BlueskyForm, EditForm, MastodonForm, NamedChannelForm, WebhookForm
from publishing.media import image_from_link
from publishing.models import (
    Account,
    Platform,
    Publication,
    PublicationImage,
    Target,
)
from publishing.oauth import providers as oauth_providers


@persona_view()
def queue(request: PersonaRequest) -> HttpResponse:
    """What the current persona has scheduled and published, target by target."""
    persona = request.persona
    publications = selectors.publications_of(persona)
    # While something is on its way the list refreshes itself (htmx polls the region).
    pending = any(p.is_pending for p in publications)
    context = {
        "persona": persona,
        "publications": publications,
        "pending": pending,
        "has_accounts": selectors.accounts_of(request.workspace).exists(),
    }
    template = (
        "publishing/queue.html#publications" if wants_fragment(request) else "publishing/queue.html"
    )
    return render(request, template, context)


CONNECT_FORMS = {
    Platform.SANDBOX: NamedChannelForm,
    Platform.MANUAL: NamedChannelForm,
    Platform.MASTODON: MastodonForm,
    Platform.BLUESKY: BlueskyForm,
    Platform.WEBHOOK: WebhookForm,
}


def _callback_url(request: HttpRequest, platform: str) -> str:
    return request.build_absolute_uri(reverse("oauth_callback", args=[platform]))


@workspace_view
@sensitive_post_parameters("bluesky-app_password")
@viewer_zone
def accounts(request: WorkspaceRequest) -> HttpResponse:
    """Connected accounts with their health, and a way to connect each platform."""
    forms = {platform: form(prefix=platform) for platform, form in CONNECT_FORMS.items()}
    status = 200
    if request.method == "POST":
        require(request.membership.role, Action.EDIT)
        platform = request.POST.get("platform", "")
        if platform not in CONNECT_FORMS:
            raise Http404
        form = forms[Platform(platform)] = CONNECT_FORMS[Platform(platform)](
            request.POST, prefix=platform
        )
        if form.is_valid():
            try:
                return _connect(request, platform, form.cleaned_data)
            except PublishError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
        status = 422
    configured = oauth_providers()
    context = {
        "forms": forms,
        "accounts": selectors.accounts_of(request.workspace),
        "oauth_platforms": [
            (platform, Platform(platform).label, bool(p.client_id), p.setting_names)
            for platform, p in configured.items()
        ],
    }
    return render(request, "publishing/accounts.html", context, status=status)


@sensitive_variables("data")
def _connect(request: WorkspaceRequest, platform: str, data: dict[str, Any]) -> HttpResponse:
    """Connect from a submitted form; Mastodon goes on to its server to be authorised."""
    workspace, role = request.workspace, request.membership.role
    if platform == Platform.MASTODON:
        url, pending = services.account_connect_start(
            workspace=workspace,
            role=role,
            platform=platform,
            base_url=data["base_url"].rstrip("/"),
            redirect_uri=_callback_url(request, platform),
        )
        request.session[f"oauth:{platform}"] = pending
        return _continue_to(request, platform, url)
    if platform == Platform.BLUESKY:
        account = services.account_connect_bluesky(
            workspace=workspace,
            role=role,
            handle=data["handle"],
            app_password=data["app_password"],
            service=data.get("service") or "",
        )
    elif platform == Platform.WEBHOOK:
        account = services.webhook_connect(
            workspace=workspace, role=role, name=data["name"], url=data["url"]
        )
        messages.success(request, f"Connected {account}. Copy its signing secret below.")
        return redirect(f"{reverse('publishing_accounts')}#account-{account.pk}")
    else:
        account = services.account_connect(
            workspace=workspace, role=role, platform=platform, name=data["name"]
        )
    messages.success(request, f"Connected {account}.")
    return redirect("publishing_accounts")


@workspace_view
@require_POST
def account_secret(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    """Rotate a webhook's signing secret, or say it is saved (the panel goes away)."""
    account = get_object_for(request.user, Account, account_id, action=Action.EDIT)
    try:
        if request.POST.get("action") == "rotate":
            services.webhook_secret_rotate(account=account, role=account.user_role)
            messages.success(request, "New signing secret: the old one no longer works.")
        else:
            services.webhook_secret_saved(account=account, role=account.user_role)
    except ValidationError as error:
        say_refusal(request, error)
    return redirect(f"{reverse('publishing_accounts')}#account-{account.pk}")


@workspace_view
@require_POST
def account_disconnect(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    account = get_object_for(request.user, Account, account_id, action=Action.EDIT)
    cancelled = services.account_disconnect(
        account=account, role=account.user_role, user=request.user
    )
    note = f" {cancelled} scheduled post(s) to it were cancelled." if cancelled else ""
    messages.success(request, f"Disconnected {account.name}.{note}")
    return redirect("publishing_accounts")


@workspace_view
@require_POST
def oauth_start(request: WorkspaceRequest, platform: str) -> HttpResponse:
    """X, LinkedIn, Threads: off to the platform to authorise ContentTwin."""
    require(request.membership.role, Action.EDIT)
    if platform not in oauth_providers():
        raise Http404
    try:
        url, pending = services.account_connect_start(
            workspace=request.workspace,
            role=request.membership.role,
            platform=platform,
            base_url="",
            redirect_uri=_callback_url(request, platform),
        )
    except PublishError as error:
        messages.error(request, str(error))
        return redirect("publishing_accounts")
    request.session[f"oauth:{platform}"] = pending
    return _continue_to(request, platform, url)


def _continue_to(request: HttpRequest, platform: str, authorize_url: str) -> HttpResponse:
    """A page that goes on to the platform (a script follows the link at once).

    Not a redirect: our Content-Security-Policy (form-action 'self') rightly stops a form from
    redirecting the browser to another site."""
    context = {"authorize_url": authorize_url, "label": Platform(platform).label}
    return render(request, "publishing/oauth_continue.html", context)


@workspace_view
def oauth_callback(request: WorkspaceRequest, platform: str) -> HttpResponse:
    """Back from the platform: the code becomes tokens, the tokens an account."""
    pending = request.session.pop(f"oauth:{platform}", None)
    if pending is None or pending.get("workspace") != request.workspace.pk:
        messages.error(
            request, "That connection was not started here (or took too long). Try again."
        )
        return redirect("publishing_accounts")
    if request.GET.get("error"):
        reason = request.GET.get("error_description") or request.GET["error"]
        messages.error(request, f"{Platform(platform).label} did not connect: {reason}.")
        return redirect("publishing_accounts")
    try:
        account = services.account_connect_oauth(
            workspace=request.workspace,
            role=request.membership.role,
            platform=platform,
            pending=pending,
            callback_url=request.build_absolute_uri(),
            redirect_uri=_callback_url(request, platform),
        )
    except PublishError as error:
        messages.error(request, str(error))
        return redirect("publishing_accounts")
    messages.success(request, f"Connected {account}.")
    return redirect("publishing_accounts")


@workspace_view
def publication_detail(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    """One post: its text and time, where it goes, approval, and its activity log.

    Editable until it goes out."""
    found = get_object_for(request.user, Publication, publication_id)
    # The role in the post's own workspace (it may not be the one the user is switched to).
    role = found.user_role
    publication = selectors.publication_with_log(found.pk)
    show_times_for(request, publication.persona)
    zone = publication.persona.timezone
    form = EditForm(
        request.POST or None,
        request.FILES or None,
        existing_images=[
            image
            for image in publication.images.all()
            if str(image.pk) not in request.POST.getlist("remove_image")
        ],
        initial={
            "text": publication.text,
            "when": timezone.localtime(publication.scheduled_at, ZoneInfo(zone)),
        },
        zone=zone,
        accounts=[t.account for t in publication.targets.all() if t.state != "cancelled"],
    )
    if request.method == "POST":
        require(role, Action.EDIT)
        if form.is_valid():
            try:
                services.publication_edit(
                    publication=publication,
                    role=role,
                    user=request.user,
                    text=form.cleaned_data["text"],
                    scheduled_at=form.cleaned_data["when"],
                    add_images=form.cleaned_data["images"],
                    alt_texts=form.alt_text_lines(),
                    remove_image_ids=[
                        int(i) for i in request.POST.getlist("remove_image") if i.isdigit()
                    ],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Saved.")
                return redirect("publication_detail", publication.pk)
    context = {
        "publication": publication,
        "form": form,
        "zone": zone,
        "can_edit": role_allows(role, Action.EDIT),
        "can_approve": role_allows(role, Action.APPROVE),
        "prediction": publication.prediction,
        "evergreen": _evergreen(publication),
    }
    return render_form(request, "publishing/publication.html", context, form=form)


def _evergreen(publication: Publication) -> dict[str, Any] | None:
    """The evergreen card: shown for a published post (or a re-share)."""
    targets = list(publication.targets.all())
    if not publication.reshare_of_id and not any(t.state == "published" for t in targets):
        return None
    shares = selectors.live_reshares(publication)
    refusing = [t for t in targets if t.state == "published" and refuses_duplicates(t.account)]
    for target in refusing:  # shown beside each account that needs its own words
        setattr(  # noqa: B010
            target,
            "evergreen_version",
            publication.evergreen_versions.get(str(target.account_id), ""),
        )
    return {
        "shares": shares,
        "refusing": refusing,
        "problems": services.evergreen_problems(publication, targets)
        if publication.evergreen
        else [],
        "next_due": publication.next_share_due(shares)
        if publication.evergreen and len(shares) < publication.evergreen_times
        else None,
    }


@workspace_view
@require_POST
def publication_evergreen(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    publication = get_object_for(request.user, Publication, publication_id, action=Action.EDIT)

    def number(name: str, default: int) -> int:
        value = request.POST.get(name, "")
        return int(value) if value.isdigit() else default

    try:
        problems = services.publication_evergreen_set(
            publication=publication,
            role=publication.user_role,
            user=request.user,
            on=request.POST.get("evergreen") == "on",
            days=number("days", 60),
            times=number("times", 3),
            gap_days=number("gap_days", 30),
            versions={
                int(key.partition("-")[2]): str(value)
                for key, value in request.POST.items()
                if key.startswith("version-") and key.partition("-")[2].isdigit()
            },
        )
    except ValidationError as error:
        say_refusal(request, error)
    else:
        if publication.evergreen:
            messages.success(request, "Evergreen: it will be re-shared into free slots.")
        else:
            messages.success(request, "No longer evergreen.")
        for problem in problems:
            messages.warning(request, problem)
    return redirect("publication_detail", publication.pk)


@workspace_view
def publication_image(request: WorkspaceRequest, publicationimage_id: int) -> FileResponse:
    image = get_object_for(request.user, PublicationImage, publicationimage_id)
    return _image_response(image)


def publication_image_public(request: HttpRequest, token: str) -> FileResponse:
    """A signed link (a week) for platforms that fetch the image themselves.

    Threads, a webhook's receiver. Nothing else is reachable without signing in."""
    image_id = image_from_link(token)
    image = PublicationImage.objects.filter(pk=image_id).first() if image_id else None
    if image is None:
        raise Http404
    return _image_response(image)


def _image_response(image: PublicationImage) -> FileResponse:
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@workspace_view
@require_POST
def publication_review(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    """Approve, or send back with a comment."""
    publication = get_object_for(request.user, Publication, publication_id, action=Action.APPROVE)
    try:
        if request.POST.get("decision") == "approve":
            services.publication_approve(
                publication=publication, role=publication.user_role, user=request.user
            )
            messages.success(request, "Approved: it is scheduled.")
        else:
            services.publication_send_back(
                publication=publication,
                role=publication.user_role,
                user=request.user,
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, "Sent back with your comment.")
    except ValidationError as error:
        say_refusal(request, error)
    return redirect("publication_detail", publication.pk)


def _target_action(
    action: Callable[..., Target], done: str, *, with_url: bool = False
) -> Callable[..., HttpResponseBase]:
    @workspace_view
    @require_POST
    def view(request: WorkspaceRequest, target_id: int) -> HttpResponse:
        target = get_object_for(request.user, Target, target_id, action=Action.EDIT)
        try:
            extra = {"url": request.POST.get("url", "")} if with_url else {}
            action(target=target, role=target.user_role, user=request.user, **extra)
        except ValidationError as error:
            say_refusal(request, error)
        else:
            messages.success(request, done)
        if request.POST.get("next") == "post":
            return redirect("publication_detail", target.publication_id)
        return redirect("publishing_queue")

    return view


target_retry = _target_action(services.target_retry_now, "It goes out again in a moment.")
target_discard = _target_action(services.target_discard, "Discarded.")
target_confirm = _target_action(
    services.target_confirm_published, "Marked as published.", with_url=True
)


@workspace_view
@require_POST
def publication_cancel(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    publication = get_object_for(request.user, Publication, publication_id, action=Action.EDIT)
    try:
        cancelled = services.publication_cancel(
            publication=publication, role=publication.user_role, user=request.user
        )
    except ValidationError as error:
        say_refusal(request, error)
    else:
        messages.success(request, f"Cancelled {cancelled} scheduled post{'s' * (cancelled != 1)}.")
    return redirect("publishing_queue")


@workspace_view
@require_POST
def publication_post_now(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    publication = get_object_for(request.user, Publication, publication_id, action=Action.EDIT)
    try:
        accounts = services.publication_post_now(
            publication=publication, role=publication.user_role, user=request.user
        )
    except ValidationError as error:
        say_refusal(request, error)
    else:
        messages.success(request, f"Posting now to {accounts} account{'s' * (accounts != 1)}.")
    return redirect(safe_next_url(request, reverse("publication_detail", args=[publication.pk])))


@workspace_view
@require_POST
def account_pause(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    """Pause or resume an account's queue (`resume=1`)."""
    account = get_object_for(request.user, Account, account_id, action=Action.EDIT)
    role = account.user_role
    if request.POST.get("resume"):
        due = services.account_resume(account=account, role=role, user=request.user)
        said = f" {due} post{'s' * (due != 1)} that came due meanwhile go out now." if due else ""
        messages.success(request, f"{account.name}’s queue resumed.{said}")
    else:
        services.account_pause(account=account, role=role, user=request.user)
        messages.success(
            request, f"{account.name}’s queue is paused: nothing goes there until you resume it."
        )
    return redirect(safe_next_url(request, reverse("queue")))


@workspace_view
def sandbox_timeline(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    """What a sandbox account published: the local stand-in for a platform's timeline."""
    account = get_object_for(
        request.user,
        Account,
        account_id,
        queryset=Account.objects.filter(platform=Platform.SANDBOX),
    )
    posts = account.sandbox_posts.order_by("-created_at")[:100]
    return render(request, "publishing/sandbox.html", {"account": account, "posts": posts})
