"""What apps above `voice` add to every new voice version, without `voice` knowing them.

They register a callback at startup (their AppConfig.ready). Generation adds the lessons its
feedback taught, so they travel with the voice they describe."""

from __future__ import annotations

from typing import Any

from core.hooks import Hook
from personas.models import Persona

_profile_extra: Hook[[Persona], dict[str, Any]] = Hook("profile_extra")
add_to_profile = _profile_extra.register


def profile_extras(persona: Persona) -> dict[str, Any]:
    """Every registered callback's additions to the persona's next voice version, merged."""
    extras: dict[str, Any] = {}
    for extra in _profile_extra(persona):
        extras.update(extra)
    return extras
