from django.contrib import admin

from billing.models import CreditEntry, CreditPack, Plan, StripeEvent, Subscription, UsageEvent


@admin.register(UsageEvent)
class UsageEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "workspace", "user", "created_at"]
    list_filter = ["kind"]
    search_fields = ["workspace__name", "user__email"]
    readonly_fields = ["workspace", "user", "kind", "created_at"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "monthly_price", "stripe_price_id", "personas",
                    "generations_per_month", "scheduled_posts_per_month", "connected_accounts",
                    "seats", "trend_sources"]  # fmt: skip
    ordering = ["order"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["workspace", "plan", "status", "grace_until", "current_period_end"]
    list_filter = ["status", "plan"]
    list_select_related = ["workspace", "plan"]
    raw_id_fields = ["workspace"]


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ["name", "credits", "price", "stripe_price_id"]


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    list_display = ["workspace", "delta", "reason", "created_at"]
    list_select_related = ["workspace"]
    raw_id_fields = ["workspace"]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "created", "received_at"]
    list_filter = ["type"]
    readonly_fields = ["event_id", "type", "created", "received_at", "payload"]
