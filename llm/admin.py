from django.contrib import admin

from llm.models import ModelConnection, UsageRecord


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "workspace",
        "purpose",
        "provider",
        "model",
        "outcome",
        "latency_ms",
        "cost_micros",
    )
    list_filter = ("outcome", "provider", "purpose")
    search_fields = ("model", "workspace__name", "error")
    raw_id_fields = ("workspace", "persona", "user")


@admin.register(ModelConnection)
class ModelConnectionAdmin(admin.ModelAdmin):
    list_display = ("workspace", "kind", "model", "base_url", "position")
    exclude = ("api_key_encrypted",)  # never shown
    raw_id_fields = ("workspace",)
