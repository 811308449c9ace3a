from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # the display zone of a page about a persona.
    public_modules = ("middleware",)

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from personas.models import Persona
        from personas.selectors import personas_changed

        for signal in (post_save, post_delete):
            signal.connect(personas_changed, sender=Persona, dispatch_uid="personas.changed")
