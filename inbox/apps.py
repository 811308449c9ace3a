from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Inbox"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py).
    public_modules: tuple[str, ...] = ()
