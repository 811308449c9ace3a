from django.contrib import admin

from core.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seen", "hostname"]
    search_fields = ["name", "hostname"]
    readonly_fields = ["name", "last_seen", "hostname"]
