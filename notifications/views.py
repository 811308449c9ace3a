from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.middleware import SignedInRequest
from core.zones import viewer_zone
from notifications import services
from notifications.models import EmailMode, Notification
from notifications.selectors import notifications_of


@login_required
@viewer_zone
def notifications_page(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("email") in EmailMode.values:
        services.email_mode_set(user=request.user, mode=request.POST["email"])
        messages.success(request, "Saved: " + EmailMode(request.POST["email"]).label.lower() + ".")
        return redirect("notifications")
    context = {
        "notifications": notifications_of(request.user),
        "email_mode": services.email_mode(request.user),
        "email_modes": EmailMode.choices,
    }
    return render(request, "notifications/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: SignedInRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    return redirect("notifications")


@login_required
def notification_open(request: SignedInRequest, notification_id: int) -> HttpResponse:
    """Mark it read and go where it points (only ever a path in this site)."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/notifications/"
    return redirect(target)
