from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # the display zone of a page about a persona.
    public_modules = ("middleware",)
