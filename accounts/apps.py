from django.apps import AppConfig
from django.http import HttpRequest


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and workspaces"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # roles and what each may do; the workspace on the request; the plan limits' words.
    public_modules = ("permissions", "middleware", "limits")

    def ready(self) -> None:
        from django.contrib import messages
        from django.contrib.auth.signals import user_logged_out

        def said(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
            if request is not None:
                messages.info(request, "You are signed out.")

        user_logged_out.connect(said, dispatch_uid="accounts.signed_out_message")
