from django.contrib import admin

from billing.models import UsageEvent


@admin.register(UsageEvent)
class UsageEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "workspace", "user", "created_at"]
    list_filter = ["kind"]
    search_fields = ["workspace__name", "user__email"]
    readonly_fields = ["workspace", "user", "kind", "created_at"]
