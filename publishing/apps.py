from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # each platform's rules for a post and its images, the scheduling form other pages
    # embed, and what publishing tells the creator.
    public_modules = ("checks", "media", "forms", "notices")

    def ready(self) -> None:
        # Posts sit below publishing: a retrained engagement model re-predicts the queue.
        from posts.hooks import on_engagement_trained
        from publishing.services import predictions_refresh

        on_engagement_trained(predictions_refresh)
