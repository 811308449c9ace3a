from django.apps import AppConfig


class PillarsConfig(AppConfig):
    name = "pillars"
    verbose_name = "Pillars and topics"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # the relevance measure on vectors (pure numpy), which trends ranks items with, and the
    # offline discovery with its names, which trends_eval discovers pillars with as the job does.
    public_modules = ("discovery", "naming")

    def ready(self) -> None:
        # Posts sit below pillars: pillars asks to hear about newly embedded posts.
        from pillars.services import assign_later
        from posts.hooks import on_posts_embedded

        on_posts_embedded(assign_later)
