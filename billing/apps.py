from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: plans, limits and usage"

    def ready(self) -> None:
        # Personas and members are made below billing: they ask accounts.limits, where
        # billing's plan check is registered.
        from accounts.limits import plan_limit
        from billing.services import plan_limit_check

        plan_limit.register(plan_limit_check)
