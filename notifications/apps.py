from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    # Beyond selectors, services and models (tests/test_rules.py): event webhooks, which the
    # apps that make things happen call (`event_emit`).
    public_modules = ("events",)
