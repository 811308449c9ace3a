from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action
from accounts.selectors import get_object_for, members_of
from core.http import safe_next_url, say_refusal
from core.zones import viewer_zone
from inbox import selectors, services
from inbox.forms import FilterForm
from inbox.models import InboxItem, InboxStatus
from personas.selectors import personas_of
from publishing import selectors as publishing

PAGE_SIZE = 50


@workspace_view
@viewer_zone
def inbox(request: WorkspaceRequest) -> HttpResponse:
    """Mentions and replies from every connected account, filtered, threaded, acted on in bulk."""
    workspace = request.workspace
    if request.method == "POST":
        return _act(request)
    accounts = list(publishing.accounts_of(workspace))
    personas = list(personas_of(workspace))
    form = FilterForm(
        request.GET or None,
        initial={"status": InboxStatus.OPEN},
        accounts=[(a.pk, a.name) for a in accounts],
        personas=[(p.pk, p.name) for p in personas],
    )
    filters = form.filters()
    page = Paginator(selectors.inbox_items(workspace, request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    threads = selectors.threads_of(workspace, list(page.object_list))
    for thread in threads:  # what was typed and not sent stays in its box
        thread["draft"] = request.session.get(f"inbox-reply-{thread['item'].pk}", "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inbox/inbox.html",
        {
            "form": form,
            "threads": threads,
            "page": page,
            "query": query.urlencode(),
            "counts": selectors.inbox_counts(workspace),
            "syncs": selectors.sync_states(workspace),
            "members": [
                (m.user.pk, m.user.get_full_name() or m.user.email) for m in members_of(workspace)
            ],
            "actions": services.ACTIONS,
            "personas": personas,
            "has_accounts": any(a.platform in services.INBOX_PLATFORMS for a in accounts),
        },
    )


def _act(request: WorkspaceRequest) -> HttpResponse:
    """The bulk form: the ticked items and an action, or one item's own button ("12:done")."""
    workspace = request.workspace
    one = request.POST.get("one", "")
    if one:
        item, _, action = one.partition(":")
        ids = [int(item)] if item.isdigit() else []
    else:
        action = request.POST.get("action", "")
        ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()]
    assignee = None
    if action == "assign" and request.POST.get("assignee"):
        member = members_of(workspace).filter(user_id=request.POST["assignee"]).first()
        assignee = member.user if member else None
    try:
        changed = services.inbox_items_update(
            workspace=workspace,
            role=request.membership.role,
            item_ids=ids,
            action=action,
            assignee=assignee,
        )
    except ValidationError as error:
        say_refusal(request, error)
    else:
        what = services.ACTIONS[action][1]
        if action == "assign":
            who = (assignee.get_full_name() or assignee.email) if assignee else "nobody"
            what = f"assigned to {who}"
        messages.success(request, f"{changed} item{'s' if changed != 1 else ''} {what}.")
    return redirect(safe_next_url(request, reverse("inbox")))


@workspace_view
@require_POST
def inbox_reply(request: WorkspaceRequest, inbox_item_id: int) -> HttpResponse:
    """Send a reply to one item; what was typed is kept (in the session) if it cannot go."""
    item = get_object_for(request.user, InboxItem, inbox_item_id, action=Action.EDIT)
    text = request.POST.get("text", "")
    persona = (
        personas_of(request.workspace).filter(pk=request.POST.get("persona") or 0).first()
        or item.persona
    )
    back = f"{reverse('inbox')}#item-{item.pk}"
    draft_key = f"inbox-reply-{item.pk}"
    if persona is None:
        request.session[draft_key] = text
        say_refusal(request, ValidationError("Choose the persona whose voice answers."))
        return redirect(back)
    try:
        services.inbox_reply(
            item=item, persona=persona, role=item.user_role, user=request.user, text=text
        )
    except ValidationError as error:
        request.session[draft_key] = text
        say_refusal(request, error)
        return redirect(back)
    request.session.pop(draft_key, None)
    messages.success(request, f"Reply to {item.author_handle} is on its way.")
    return redirect(back)


@workspace_view
@require_POST
def inbox_suggest(request: WorkspaceRequest, inbox_item_id: int) -> HttpResponse:
    """Three replies in the chosen persona's voice; or ("use") one of them into the reply box.

    What was typed in the box is kept either way."""
    item = get_object_for(request.user, InboxItem, inbox_item_id, action=Action.EDIT)
    back = f"{reverse('inbox')}#item-{item.pk}"
    draft_key = f"inbox-reply-{item.pk}"
    use = request.POST.get("use", "")
    if use.isdigit() and int(use) < len(item.suggestions):
        request.session[draft_key] = item.suggestions[int(use)]["text"]
        return redirect(back)
    request.session[draft_key] = request.POST.get("text", "")
    persona = (
        personas_of(request.workspace).filter(pk=request.POST.get("persona") or 0).first()
        or item.persona
    )
    try:
        if persona is None:
            raise ValidationError("Choose the persona whose voice answers.")
        services.inbox_suggest(item=item, persona=persona, role=item.user_role)
    except ValidationError as error:
        say_refusal(request, error)
    return redirect(back)
