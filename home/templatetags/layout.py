"""The layout's sidebar, built once per distinct content instead of on every request.

Its twenty links depend only on which page is shown, whether billing is on and whether the viewer
is staff; as template tags they cost a `reverse()` and an `{% if %}` each on every page (0.7 ms
of a page's CPU). The rest of the sidebar (the bell, the workspace and persona switchers, the
account) depends on a few names and ids. Each is gathered into a hashable value first and only
that value reaches the template, so a copy kept per process is right for as long as it is kept —
nothing has to clear it."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from django import template
from django.template.loader import render_to_string
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


class Choice(NamedTuple):
    """A switcher's entry: a workspace (noted with the viewer's role) or a persona (platform)."""

    pk: int
    name: str
    note: str = ""


class SidebarContent(NamedTuple):
    """All the sidebar shows: the key of its kept copy and the template's only input."""

    url_name: str
    billing_enabled: bool
    is_staff: bool
    prefix: str
    unread: int
    email: str
    short_name: str
    workspace: Choice
    workspaces: tuple[Choice, ...]
    personas: tuple[Choice, ...]
    persona: Choice | None


@register.simple_tag(takes_context=True)
def sidebar(context: template.Context) -> SafeString:
    """The signed-in layout's sidebar for this viewer, workspace, persona and page."""
    user, request = context["user"], context["request"]
    match = request.resolver_match
    workspace = context["current_workspace"]
    persona = context.get("current_persona")
    return _sidebar(
        SidebarContent(
            url_name=(match.url_name if match else None) or "",
            billing_enabled=bool(context.get("billing_enabled")),
            is_staff=bool(user.is_staff),
            prefix=get_script_prefix(),
            unread=int(context.get("unread_notifications") or 0),
            email=user.email,
            short_name=user.get_short_name(),
            workspace=Choice(workspace.pk, workspace.name),
            workspaces=tuple(
                Choice(each.pk, each.name, each.user_role) for each in context["user_workspaces"]
            ),
            personas=tuple(
                Choice(each.pk, each.name, each.get_platform_display())
                for each in context.get("workspace_personas") or ()
            ),
            persona=Choice(persona.pk, persona.name) if persona else None,
        )
    )


@lru_cache(maxsize=1024)
def _sidebar(content: SidebarContent) -> SafeString:
    def switcher(
        kind: str, current: Choice | None, choices: tuple[Choice, ...], form: str, add_url: str
    ) -> dict[str, Any]:
        return {
            "id": f"{kind}-switcher",
            "label": kind.capitalize(),
            "current": current.name if current else "",
            "form": form,  # the layout's form its buttons submit (base.html)
            "choices": [
                {
                    **each._asdict(),
                    "url": reverse(f"{kind}_switch", args=[each.pk]),
                    "current": current is not None and each.pk == current.pk,
                }
                for each in choices
            ],
            "add_url": add_url,
            "add_label": f"+ New {kind}",
        }

    new_workspace = reverse("workspace_settings") + "#new-workspace"
    switchers = [
        switcher("workspace", content.workspace, content.workspaces, "layout-action", new_workspace)
    ]
    if content.personas:
        new_persona = reverse("persona_create")
        switchers.append(
            switcher("persona", content.persona, content.personas, "persona-switch", new_persona)
        )
    return SafeString(  # the engine escaped every name
        render_to_string(
            "home/_sidebar.html",
            {
                "s": content,
                "nav": _main_nav(
                    content.url_name, content.billing_enabled, content.is_staff, content.prefix
                ),
                "switchers": switchers,
                "urls": {name: reverse(name) for name in ("notifications", "account_settings")},
                "logout_url": reverse("logout"),
            },
        )
    )
