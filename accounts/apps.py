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

        from django.db.models.signals import post_delete, post_save

        from accounts.backends import user_changed
        from accounts.middleware import memberships_changed
        from accounts.models import Membership, User, Workspace

        for signal in (post_save, post_delete):
            signal.connect(user_changed, sender=User, dispatch_uid="accounts.User.user_changed")

        for model in (Membership, Workspace):
            for signal in (post_save, post_delete):
                uid = f"accounts.{model.__name__}.memberships_changed"
                signal.connect(memberships_changed, sender=model, dispatch_uid=uid)
