from django.apps import AppConfig


class PillarsConfig(AppConfig):
    name = "pillars"
    verbose_name = "Pillars and topics"

    def ready(self) -> None:
        # Posts sit below pillars: pillars asks to hear about newly embedded posts.
        from pillars.services import assign_later
        from posts.hooks import on_posts_embedded

        on_posts_embedded(assign_later)
