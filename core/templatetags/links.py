"""Filters every template has (builtins, see settings.TEMPLATES):

- `{{ url|web_url }}`: an outside link as an href only when it is http(s) (else "", so a
  template shows the text instead);
- `{{ moment|when }}`, `{{ moment|when:"date" }}` …: a date or time in the page's display
  zone — the persona's, or on workspace-wide pages the viewer's (set by
  personas.middleware.DisplayZoneMiddleware) — inside a <time> element, with the zone's
  abbreviation after any time of day. Every date and time the app shows goes through it.
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as clock

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

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
