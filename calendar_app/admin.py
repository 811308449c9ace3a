from django.contrib import admin

from calendar_app.models import PlannedPost, PostingSlot


@admin.register(PostingSlot)
class PostingSlotAdmin(admin.ModelAdmin):
    list_display = ("persona", "weekday", "time")
    list_filter = ("weekday",)
    raw_id_fields = ("persona",)


@admin.register(PlannedPost)
class PlannedPostAdmin(admin.ModelAdmin):
    list_display = ("persona", "scheduled_at", "title", "status", "pillar")
    list_filter = ("status",)
    list_select_related = ("persona", "pillar")
    raw_id_fields = ("persona", "topic", "trend", "pillar", "generation")
