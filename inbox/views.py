from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.selectors import members_of
from core.http import safe_next_url, say_refusal
from core.zones import viewer_zone
from inbox import selectors, services
from inbox.forms import FilterForm
from inbox.models import InboxStatus
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
    form = FilterForm(
        request.GET or None,
        initial={"status": InboxStatus.OPEN},
        accounts=[(a.pk, a.name) for a in accounts],
        personas=[(p.pk, p.name) for p in personas_of(workspace)],
    )
    filters = form.filters()
    page = Paginator(selectors.inbox_items(workspace, request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = list(page.object_list)
    parents = [i.parent_id for i in items if i.parent_id]
    ours = publishing.published_texts(workspace, parents)
    earlier = selectors.earlier_in_thread(workspace, parents)
    threads = [(item, ours.get(item.parent_id, ""), earlier.get(item.parent_id)) for item in items]
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
