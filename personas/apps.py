from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # the display zone of a page about a persona.
    public_modules = ("middleware",)

    def ready(self) -> None:
        from core.cache import forget_on_change
        from personas.models import Persona
        from personas.selectors import active_personas_key

        forget_on_change(Persona, lambda persona: [active_personas_key(persona.workspace_id)])
