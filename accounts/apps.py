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

        from accounts.backends import user_key
        from accounts.middleware import members_keys, memberships_key
        from accounts.models import Membership, User, Workspace
        from core.cache import forget_on_change

        forget_on_change(User, lambda user: [user_key(user.pk)])
        forget_on_change(Membership, lambda membership: [memberships_key(membership.user_id)])
        forget_on_change(Workspace, members_keys)
