from django.contrib import admin

from inbox.models import InboxItem, InboxSync


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ["author_handle", "kind", "account", "status", "is_read", "received_at"]
    list_filter = ["kind", "status", "is_read"]
    search_fields = ["author_handle", "text"]
    list_select_related = ["account"]
    raw_id_fields = ["workspace", "account", "persona", "assigned_to"]


@admin.register(InboxSync)
class InboxSyncAdmin(admin.ModelAdmin):
    list_display = ["account", "next_at", "failures", "last_error", "last_synced_at"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
