from __future__ import annotations

from accounts.models import Workspace
from billing.models import CreditPack, Plan, Subscription
from billing.services import month_start
from llm.selectors import cost_since


def plans() -> list[Plan]:
    return list(Plan.objects.order_by("order"))


def credit_packs() -> list[CreditPack]:
    return list(CreditPack.objects.order_by("credits"))


def plan_by_slug(slug: str) -> Plan | None:
    return Plan.objects.filter(slug=slug).first() if slug else None


def credit_pack(pk: str) -> CreditPack | None:
    return CreditPack.objects.filter(pk=pk).first() if pk.isdigit() else None


def subscription_of(workspace: Workspace) -> Subscription | None:
    return Subscription.objects.filter(workspace=workspace).select_related("plan").first()


def model_cost_this_month(workspace: Workspace) -> float:
    """The usage ledger's cost of this month's model calls, in dollars."""
    return cost_since(workspace, month_start())
