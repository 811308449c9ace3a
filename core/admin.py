from django.contrib import admin

from core.models import Heartbeat, Throttle


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin[Heartbeat]):
    list_display = ["name", "last_seen", "hostname"]
    search_fields = ["name", "hostname"]
    readonly_fields = ["name", "last_seen", "hostname"]


@admin.register(Throttle)
class ThrottleAdmin(admin.ModelAdmin[Throttle]):
    list_display = ["key", "count", "window_start", "blocked_until"]
    search_fields = ["key"]
