"""`{{ post|tier_badge }}`: a post's performance tier as a badge (or "No metrics").

A filter, not an included template: the posts list shows one per row, and an include per row
cost more than the rest of the row."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from posts.models import Post

register = template.Library()


@register.filter
def tier_badge(post: Post) -> SafeString:
    if not post.tier:
        return format_html(
            '<span class="tier tier-none" title="{}">No metrics</span>',
            "No metrics: used for the voice, not ranked",
        )
    score = round(post.performance_score) if post.performance_score is not None else ""
    return format_html(
        '<span class="tier tier-{}" title="Performance score {} of 100">{}</span>',
        post.tier,
        score,
        post.get_tier_display(),
    )
