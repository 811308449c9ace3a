from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action, role_allows
from billing import selectors, services
from core.http import say_refusal
from core.zones import viewer_zone


def _enabled() -> None:
    if not services.billing_enabled():
        raise Http404("No billing on a self-hosted installation.")


@workspace_view
@viewer_zone
def billing_page(request: WorkspaceRequest) -> HttpResponse:
    """Plans, this month's use against each limit, credits, and the model costs so far."""
    _enabled()
    workspace = request.workspace
    context = {
        "usage": services.usage_this_month(workspace),
        "plans": selectors.plans(),
        "packs": selectors.credit_packs(),
        "subscription": selectors.subscription_of(workspace),
        "ledger_cost": selectors.model_cost_this_month(workspace),
        "can_buy": role_allows(request.membership.role, Action.CONFIGURE),
    }
    return render(request, "billing/billing.html", context)


@workspace_view
@require_POST
def checkout(request: WorkspaceRequest) -> HttpResponse:
    _enabled()
    back = request.build_absolute_uri(reverse("billing"))
    try:
        url = services.checkout_start(
            workspace=request.workspace,
            role=request.membership.role,
            user=request.user,
            plan=selectors.plan_by_slug(request.POST.get("plan", "")),
            pack=selectors.credit_pack(request.POST.get("pack", "")),
            success_url=f"{back}?paid=1",
            cancel_url=back,
        )
    except ValidationError as error:
        say_refusal(request, error)
        return redirect("billing")
    return redirect(url)


@workspace_view
@require_POST
def portal(request: WorkspaceRequest) -> HttpResponse:
    _enabled()
    try:
        url = services.portal_url(
            workspace=request.workspace,
            role=request.membership.role,
            return_url=request.build_absolute_uri(reverse("billing")),
        )
    except ValidationError as error:
        say_refusal(request, error)
        return redirect("billing")
    return redirect(url)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events, verified on the raw body; 400 for anything not signed by Stripe."""
    _enabled()
    try:
        services.webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except services.WebhookRejected as error:
        return HttpResponseBadRequest(f"Rejected: {error}")
    return HttpResponse("ok")
