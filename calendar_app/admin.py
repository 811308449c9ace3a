from django.contrib import admin

from calendar_app.models import PostingSlot


@admin.register(PostingSlot)
class PostingSlotAdmin(admin.ModelAdmin):
    list_display = ("persona", "weekday", "time")
    list_filter = ("weekday",)
    raw_id_fields = ("persona",)
