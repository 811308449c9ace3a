from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.middleware import workspace_view
from accounts.selectors import get_object_for
from publishing.models import Account, Platform


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
