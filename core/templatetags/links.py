"""`{{ url|web_url }}`: an outside link as an href only when it is http(s) (else "", so a
template shows the text instead)."""

from __future__ import annotations

from django import template

from core.egress import web_url as _web_url

register = template.Library()


@register.filter
def web_url(value: object) -> str:
    return _web_url(value)
