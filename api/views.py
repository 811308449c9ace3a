"""Settings → API tokens: make one (shown once), see when each was last used, revoke."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action
from accounts.selectors import get_object_in
from api import tokens
from api.forms import EndpointForm, TokenForm
from api.models import ApiToken
from core.http import render_form, say_refusal
from core.zones import viewer_zone
from notifications import events
from notifications.models import EventDelivery, WebhookEndpoint

NEW_TOKEN = "api_token_made"  # the session key that carries a new token to its one showing


@viewer_zone
@workspace_view
def tokens_page(request: WorkspaceRequest) -> HttpResponse:
    allowed = tokens.scopes_for_role(request.membership.role)
    form = TokenForm(request.POST or None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        zone = ZoneInfo(request.user.timezone or "UTC")
        try:
            row, made = tokens.token_create(
                workspace=request.workspace,
                user=request.user,
                role=request.membership.role,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=datetime.combine(expires_on, time(23, 59), zone) if expires_on else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown by the next page, once: a reload then cannot make a second token.
            request.session[NEW_TOKEN] = made
            messages.success(request, f"Token “{row.name}” made. Copy it now: it is shown once.")
            return redirect("api_tokens")
    context: dict[str, object] = {
        "form": form,
        "made": request.session.pop(NEW_TOKEN, None) if request.method == "GET" else None,
        "tokens": tokens.tokens_of(request.workspace),
        "prefix": tokens.PREFIX,
    }
    return render_form(request, "api/tokens.html", context, form=form)


@workspace_view
@require_POST
def token_revoke(request: WorkspaceRequest, apitoken_id: int) -> HttpResponse:
    row = get_object_in(request.workspace, request.user, ApiToken, apitoken_id)
    try:
        tokens.token_revoke(token=row, user=request.user, role=request.membership.role)
    except ValidationError as error:
        say_refusal(request, error)
    else:
        messages.success(request, f"Token “{row.name}” revoked: it no longer works.")
    return redirect("api_tokens")


@viewer_zone
@workspace_view
def webhooks_page(request: WorkspaceRequest) -> HttpResponse:
    """Settings → Webhooks: endpoints told of events, and the latest deliveries."""
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            events.endpoint_add(
                workspace=request.workspace,
                user=request.user,
                role=request.membership.role,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Endpoint added. Its signing secret is below.")
            return redirect("webhooks")
    context: dict[str, object] = {
        "form": form,
        "endpoints": list(events.endpoints_of(request.workspace)),
        "deliveries": events.deliveries_of(request.workspace),
    }
    return render_form(request, "api/webhooks.html", context, form=form)


@workspace_view
@require_POST
def webhook_endpoint_change(request: WorkspaceRequest, webhookendpoint_id: int) -> HttpResponse:
    endpoint = get_object_in(
        request.workspace,
        request.user,
        WebhookEndpoint,
        webhookendpoint_id,
        action=Action.CONFIGURE,
    )
    action = request.POST.get("action")
    if action == "delete":
        events.endpoint_delete(endpoint=endpoint, role=request.membership.role)
        messages.success(request, f"{endpoint.url} removed: it is sent nothing more.")
    else:
        active = action == "resume"
        events.endpoint_set_active(endpoint=endpoint, role=request.membership.role, active=active)
        messages.success(request, f"{endpoint.url} {'resumed' if active else 'paused'}.")
    return redirect("webhooks")


@workspace_view
@require_POST
def webhook_resend(request: WorkspaceRequest, eventdelivery_id: int) -> HttpResponse:
    delivery = get_object_in(
        request.workspace, request.user, EventDelivery, eventdelivery_id, action=Action.CONFIGURE
    )
    events.delivery_resend(delivery=delivery, role=request.membership.role)
    messages.success(request, "Sent again (with the same event id).")
    return redirect("webhooks")
