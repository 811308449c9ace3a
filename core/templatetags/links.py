"""Filters every template has (builtins, see settings.TEMPLATES):

- `{{ url|web_url }}`: an outside link as an href only when it is http(s) (else "", so a
  template shows the text instead);
- `{{ moment|when }}`, `{{ moment|when:"date" }}` …: a date or time in the page's display
  zone — the persona's, or on workspace-wide pages the viewer's (set by
  personas.middleware.DisplayZoneMiddleware) — inside a <time> element, with the zone's
  abbreviation after any time of day. Every date and time the app shows goes through it.

And one tag: `{% url %}` is Django's, remembering its answers (see `url` below).
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as clock
from functools import lru_cache
from typing import Any

from django import template
from django.template import defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, format_html

from core.egress import web_url as _web_url

register = template.Library()

# style: (format, shows a time of day)
STYLES = {
    "datetime": ("D j M Y, H:i", True),  # Mon 7 Dec 2026, 09:00 MST
    "short": ("j M, H:i", True),  # 7 Dec, 09:00 MST
    "long": ("l j M, H:i", True),  # Monday 7 Dec, 09:00 MST
    "dayshort": ("D j M, H:i", True),  # Mon 7 Dec, 09:00 MST
    "seconds": ("j M H:i:s", True),
    "time": ("H:i", True),  # 09:00 MST
    "date": ("j M Y", False),  # 7 Dec 2026
    "day": ("D j M", False),  # Mon 7 Dec
    "weekday": ("l j M", False),  # Monday 7 Dec
    "month": ("F Y", False),  # December 2026
    "daymonth": ("j M", False),  # 7 Dec
}


@register.filter
def web_url(value: object) -> str:
    return _web_url(value)


@register.filter
def when(value: object, style: str = "datetime") -> str:
    if value is None or value == "":
        return ""
    fmt, with_time = STYLES.get(style, STYLES["datetime"])
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        text = dateformat.format(moment, fmt)
        if with_time:
            text = f"{text} {_zone_name(moment)}"
        return format_html('<time datetime="{}">{}</time>', moment.isoformat(), text)
    if isinstance(value, date):
        return format_html(
            '<time datetime="{}">{}</time>', value.isoformat(), dateformat.format(value, fmt)
        )
    if isinstance(value, clock):  # a wall-clock time (a posting slot): the display zone's
        text = f"{value.strftime('%H:%M')} {_zone_name(timezone.localtime())}"
        return format_html("<time>{}</time>", text)
    return str(value)


def _zone_name(moment: datetime) -> str:
    """MST, IST, WET …; zones without an abbreviation show their offset (+0530 → +05:30)."""
    name = moment.tzname() or ""
    if name and (name[0] in "+-") and len(name) == 5:
        name = f"UTC{name[:3]}:{name[3:]}"
    elif name and name[0] in "+-":
        name = f"UTC{name}"
    return name


@register.tag
def url(parser: Parser, token: Token) -> defaulttags.URLNode:
    """Django's `{% url %}` (same syntax, same answers), each answer remembered per process.

    A `reverse()` costs ~15 µs and a page has a dozen; its answer depends only on the view name,
    the arguments, the current app, the URL conf and the script prefix, which together are the
    key. (This library is a builtin loaded after Django's, so its `url` is the one templates use.)
    """
    node = defaulttags.url(parser, token)
    node.__class__ = RememberedURLNode
    return node


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        try:  # as Django's: the request's current app, else its URL's namespace
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        try:
            url = _reverse(
                self.view_name.resolve(context),
                args,
                kwargs,
                current_app,
                get_script_prefix(),
                get_urlconf(),
            )
        except TypeError:  # an argument that cannot be a key: Django's own, not remembered
            return str(super().render(context))
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""  # `{% url … as name %}` that matches nothing: empty, as Django's
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@lru_cache(maxsize=4096)
def _reverse(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    prefix: str,
    urlconf: str | None,
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
