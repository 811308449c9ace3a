from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: plans, limits and usage"

    def ready(self) -> None:
        # Personas and members are made below billing: they ask accounts.limits, where
        # billing's plan check is registered.
        from accounts.limits import register
        from billing.services import limit_allows

        register(
            lambda kind, workspace_id, current: limit_allows(
                workspace=workspace_id, kind=kind, current=current
            )
        )
