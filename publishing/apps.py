from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # each platform's rules for a post and its images, the scheduling form other pages
    # embed, and what publishing tells the creator.
    public_modules = ("checks", "media", "forms", "notices")
