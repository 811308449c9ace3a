from django.contrib import admin

from notifications.models import (
    Event,
    EventDelivery,
    Notification,
    NotificationSettings,
    WebhookEndpoint,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("title", "user__email")


admin.site.register(NotificationSettings)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "workspace", "active", "created_at")
    list_filter = ("active",)
    exclude = ("secret_encrypted",)  # the secret stays encrypted, out of the admin


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "workspace", "created_at")
    list_filter = ("type",)


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "endpoint", "status", "attempts", "last_status_code", "delivered_at")
    list_filter = ("status",)
    list_select_related = ("event", "endpoint")
