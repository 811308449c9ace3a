"""Server-rendered SVG charts for the voice page (no JavaScript, no chart library)."""

from __future__ import annotations

import math

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def tone_radar(tone: dict[str, float], size: int = 260) -> SafeString:
    names = list(tone)
    center = size / 2
    radius = size / 2 - 48
    count = len(names)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / count
        return center + math.cos(angle) * radius * value, center + math.sin(angle) * radius * value

    rings = "".join(
        '<polygon points="{}" class="radar-ring"/>'.format(
            " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(count)))
        )
        for level in (0.25, 0.5, 0.75, 1.0)
    )
    spokes = "".join(
        f'<line x1="{center}" y1="{center}" x2="{x:.1f}" y2="{y:.1f}" class="radar-spoke"/>'
        for x, y in (point(i, 1.0) for i in range(count))
    )
    shape = " ".join(
        f"{x:.1f},{y:.1f}" for x, y in (point(i, tone[n]) for i, n in enumerate(names))
    )
    labels = "".join(
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="middle" '
        f'class="radar-label">{escape(name)}</text>'
        for name, (x, y) in ((n, point(i, 1.22)) for i, n in enumerate(names))
    )
    description = ", ".join(f"{n} {tone[n]:.0%}" for n in names)
    return mark_safe(
        f'<svg viewBox="0 0 {size} {size}" class="chart radar" role="img" '
        f'aria-label="Tone profile: {escape(description)}">{rings}{spokes}'
        f'<polygon points="{shape}" class="radar-shape"/>{labels}</svg>'
    )


@register.simple_tag
def histogram(
    labels: list[str], counts: list[int], width: int = 320, height: int = 150
) -> SafeString:
    top = max(counts, default=0) or 1
    bar_width = width / max(1, len(counts))
    bars = []
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        bar_height = (height - 30) * count / top
        x = i * bar_width
        bars.append(
            f'<rect x="{x + 3:.1f}" y="{height - 20 - bar_height:.1f}" width="{bar_width - 6:.1f}" '
            f'height="{bar_height:.1f}" class="bar">'
            f"<title>{escape(label)} words: {count}</title></rect>"
            f'<text x="{x + bar_width / 2:.1f}" y="{height - 6}" text-anchor="middle" '
            f'class="bar-label">{escape(label)}</text>'
        )
    description = ", ".join(
        f"{label}: {count}" for label, count in zip(labels, counts, strict=True)
    )
    return mark_safe(
        f'<svg viewBox="0 0 {width} {height}" class="chart histogram" role="img" '
        f'aria-label="Sentence lengths in words: {escape(description)}">{"".join(bars)}</svg>'
    )


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
