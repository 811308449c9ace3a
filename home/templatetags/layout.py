"""The layout's main navigation, built once per page kind instead of on every request.

Its twenty links depend only on which page is shown, whether billing is on and whether the viewer
is staff; as template tags they cost a `reverse()` and an `{% if %}` each on every page (0.7 ms
of a page's CPU). Here each variant is rendered once per process and reused."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _named(*names: str) -> Callable[[str], bool]:
    return lambda current: current in names


def _containing(*parts: str, also: tuple[str, ...] = ()) -> Callable[[str], bool]:
    return lambda current: current in also or any(part in current for part in parts)


# (label, URL name, is this link the current page's section?) in the order shown.
MAIN_NAV: list[tuple[str, str, Callable[[str], bool]]] = [
    ("Dashboard", "dashboard", _named("dashboard")),
    ("Drafts", "composer_drafts", _named("composer_drafts")),
    ("Personas", "persona_list", _containing("persona")),
    ("Posts", "post_list", _containing("post", "import")),
    ("Voice", "voice_page", _containing("voice")),
    ("Pillars", "pillars", _containing("pillar")),
    ("Ideas", "ideas", _containing("idea")),
    ("Trends", "trends", _containing("trend")),
    ("Write", "generate", _containing("variation", also=("generate", "generation_detail"))),
    ("History", "generation_history", _named("generation_history")),
    ("Feedback", "generation_feedback", _named("generation_feedback")),
    ("Analytics", "analytics", _containing("analytics")),
    ("Calendar", "calendar", _containing("calendar")),
    ("Queue", "queue", _containing("publishing", "target", "publication", also=("queue",))),
    ("Inbox", "inbox", _named("inbox")),
    ("Settings", "workspace_settings", _named("workspace_settings", "api_tokens", "webhooks")),
    ("Billing", "billing", _containing("billing")),
    ("Models", "llm_models", _named("llm_models")),
]


_CURRENT = mark_safe(' aria-current="page"')


@register.simple_tag
def main_nav(url_name: str | None, billing_enabled: bool, is_staff: bool) -> SafeString:
    """The sidebar's links, the current section's marked `aria-current="page"`."""
    return _main_nav(url_name or "", bool(billing_enabled), bool(is_staff), get_script_prefix())


@lru_cache(maxsize=256)
def _main_nav(url_name: str, billing_enabled: bool, is_staff: bool, prefix: str) -> SafeString:
    def current(matches: Callable[[str], bool]) -> SafeString:
        return _CURRENT if url_name and matches(url_name) else SafeString()

    links = [
        (reverse(name), current(matches), label)
        for label, name, matches in MAIN_NAV
        if name != "billing" or billing_enabled
    ]
    if is_staff:
        links.append((reverse("admin:index"), SafeString(), "Admin"))
    new_post = format_html(
        '<li><a class="nav-new" href="{}" data-shortcut="n" title="New post (press N)"{}>'
        "+ New post <kbd>N</kbd></a></li>",
        reverse("compose_new"),
        current(_named("compose")),
    )
    items = format_html_join("\n", '<li><a href="{}"{}>{}</a></li>', links)
    return format_html('<ul class="nav">\n{}\n{}\n</ul>', new_post, items)
