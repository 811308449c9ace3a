"""What apps above `voice` add to every new voice version, without `voice` knowing them: they
register a callback at startup (their AppConfig.ready). Generation adds the lessons its
feedback taught, so they travel with the voice they describe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from personas.models import Persona

ProfileExtra = Callable[[Persona], dict[str, Any]]

_profile_extras: list[ProfileExtra] = []


def add_to_profile(callback: ProfileExtra) -> ProfileExtra:
    if callback not in _profile_extras:
        _profile_extras.append(callback)
    return callback


def profile_extras(persona: Persona) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for callback in _profile_extras:
        extras.update(callback(persona))
    return extras
