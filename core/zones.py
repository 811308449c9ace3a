"""Time zones: the choices, a searchable field, and which zone a page shows its times in.

Time zones: the choices a person picks from (IANA names), a text box that searches them,
and which zone a page shows its times in (`display_zone`, set per request by
personas.middleware.DisplayZoneMiddleware; the `when` filter renders in it, zone shown)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from django import forms
from django.utils.safestring import mark_safe


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def is_zone(name: str) -> bool:
    return name in dict(timezone_choices())


class ZoneInput(forms.TextInput):
    """Type to search the ~600 zones (a text box with a list of suggestions).

    The field still accepts only a real zone."""

    def render(self, name, value, attrs=None, renderer=None):  # type: ignore[no-untyped-def]
        attrs = {**(attrs or {}), "list": f"{name}-zones", "autocomplete": "off"}
        box = super().render(name, value, attrs, renderer)
        options = "".join(f'<option value="{zone}">' for zone, _ in timezone_choices())
        return mark_safe(f'{box}<datalist id="{name}-zones">{options}</datalist>')


def zone_field(**kwargs: object) -> forms.ChoiceField:
    """A form field for an IANA zone, searched by typing."""
    defaults: dict[str, object] = {
        "choices": timezone_choices,
        "initial": "UTC",
        "widget": ZoneInput(attrs={"placeholder": "Type a city, e.g. Lisbon"}),
        "error_messages": {
            "invalid_choice": "“%(value)s” is not a time zone; pick one from the list."
        },
    }
    return forms.ChoiceField(**(defaults | kwargs))  # type: ignore[arg-type]


ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def viewer_zone(view: ViewT) -> ViewT:
    """Marks a workspace-wide page.

    Its times are in the viewer's own zone, not a persona's (read by
    personas.middleware.DisplayZoneMiddleware)."""
    setattr(view, "viewer_zone", True)  # noqa: B010 (a mark on the function)
    return view


def zone_label(zone: str) -> str:
    """ "America/Phoenix (MST)": the zone and what its clocks say now, for form labels."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        abbreviation = datetime.now(ZoneInfo(zone)).tzname() or ""
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zone
    return f"{zone} ({abbreviation})" if abbreviation and abbreviation != zone else zone
