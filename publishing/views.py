from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.middleware import workspace_view
from accounts.permissions import Action, require, role_allows
from accounts.selectors import get_object_for
from core.http import render_form
from generation.models import Variation
from personas.selectors import current_persona
from publishing import selectors, services
from publishing.forms import AccountForm, ScheduleForm
from publishing.models import DUE_STATES, WORKING_STATES, Account, Platform, Publication, Target

PENDING_STATES = (*DUE_STATES, *WORKING_STATES)


@workspace_view
def queue(request: HttpRequest) -> HttpResponse:
    """What the current persona has scheduled and published, target by target."""
    persona = current_persona(request, request.workspace)
    if persona is None:
        return redirect("persona_create")
    publications = selectors.publications_of(persona)
    # While something is on its way the list refreshes itself (htmx polls the region).
    pending = any(t.state in PENDING_STATES for p in publications for t in p.targets.all())
    context = {
        "persona": persona,
        "publications": publications,
        "pending": pending,
        "has_accounts": selectors.accounts_of(request.workspace).exists(),
        "can_edit": role_allows(request.membership.role, Action.EDIT),
    }
    template = "publishing/queue.html#publications" if request.htmx else "publishing/queue.html"
    return render(request, template, context)


@workspace_view
def accounts(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST":
        require(request.membership.role, Action.EDIT)
        if form.is_valid():
            account = services.account_connect(
                workspace=request.workspace, role=request.membership.role, **form.cleaned_data
            )
            messages.success(request, f"Connected {account}.")
            return redirect("publishing_accounts")
    context = {
        "form": form,
        "accounts": selectors.accounts_of(request.workspace),
        "can_edit": role_allows(request.membership.role, Action.EDIT),
    }
    return render_form(request, "publishing/accounts.html", context, form=form)


@workspace_view
def schedule(request: HttpRequest, variation_id: int) -> HttpResponse:
    """Schedule a draft (as it stands) to one or more connected accounts."""
    variation = get_object_for(
        request.user,
        Variation,
        variation_id,
        action=Action.EDIT,
        queryset=Variation.objects.select_related("generation__persona"),
    )
    persona = variation.generation.persona
    form = ScheduleForm(
        request.POST or None,
        initial={"text": variation.text},
        accounts=selectors.accounts_of(request.workspace),
        zone=persona.timezone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.publication_schedule(
                persona=persona,
                role=variation.user_role,
                user=request.user,
                text=form.cleaned_data["text"],
                scheduled_at=form.cleaned_data["when"],
                accounts=list(form.cleaned_data["accounts"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Scheduled. It will be published at the time you chose.")
            return redirect("publishing_queue")
    context = {"form": form, "variation": variation, "persona": persona}
    return render_form(request, "publishing/schedule.html", context, form=form)


def _target_action(action: Callable[..., Target], done: str) -> Callable[..., HttpResponse]:
    @workspace_view
    @require_POST
    def view(request: HttpRequest, target_id: int) -> HttpResponse:
        target = get_object_for(request.user, Target, target_id, action=Action.EDIT)
        try:
            action(target=target, role=target.user_role)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
        return redirect("publishing_queue")

    return view


target_retry = _target_action(services.target_retry_now, "It goes out again in a moment.")
target_discard = _target_action(services.target_discard, "Discarded.")
target_confirm = _target_action(services.target_confirm_published, "Marked as published.")


@workspace_view
@require_POST
def publication_cancel(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = get_object_for(request.user, Publication, publication_id, action=Action.EDIT)
    try:
        cancelled = services.publication_cancel(publication=publication, role=publication.user_role)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Cancelled {cancelled} scheduled post{'s' * (cancelled != 1)}.")
    return redirect("publishing_queue")


@workspace_view
def sandbox_timeline(request: HttpRequest, account_id: int) -> HttpResponse:
    """What a sandbox account published: the local stand-in for a platform's timeline."""
    account = get_object_for(
        request.user,
        Account,
        account_id,
        queryset=Account.objects.filter(platform=Platform.SANDBOX),
    )
    posts = account.sandbox_posts.order_by("-created_at")[:100]
    return render(request, "publishing/sandbox.html", {"account": account, "posts": posts})
