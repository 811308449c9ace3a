"""View helpers every app uses.

Forms that keep what was typed, a service's refusal said in its own words, safe `next` redirects."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def render_form(
    request: HttpRequest, template: str, context: dict[str, object], *, form: BaseForm
) -> HttpResponse:
    """A page with a form.

    Status 422 when the form has errors (HTMX swaps it, tests see it), and the bound form re-renders
    what the user typed."""
    return render(request, template, context, status=422 if form.errors else 200)


def say_refusal(request: HttpRequest, error: ValidationError) -> None:
    """A service refused (a ValidationError): its words as one message on the next page."""
    messages.error(request, " ".join(error.messages))


def wants_fragment(request: HttpRequest) -> bool:
    """An HTMX request that swaps a region: answer with the fragment.

    A history-restore request (Back after htmx's history cache was emptied) needs the whole
    page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The `next` parameter when it points into this site, else `default` (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default
