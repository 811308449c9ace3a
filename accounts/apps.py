from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and workspaces"

    def ready(self) -> None:
        from django.contrib import messages
        from django.contrib.auth.signals import user_logged_out

        def said(sender, request, user, **kwargs) -> None:
            if request is not None:
                messages.info(request, "You are signed out.")

        user_logged_out.connect(said, dispatch_uid="accounts.signed_out_message")
