from django.contrib import admin

from trends.models import PersonaTrend, Stance, TrendItem, TrendSource


@admin.register(TrendSource)
class TrendSourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "workspace",
        "kind",
        "enabled",
        "interval_minutes",
        "next_scan_at",
        "failures",
        "last_error",
    ]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "url", "workspace__name"]
    list_select_related = ["workspace"]
    raw_id_fields = ["workspace"]


@admin.register(TrendItem)
class TrendItemAdmin(admin.ModelAdmin):
    list_display = ["title", "workspace", "mentions", "velocity", "last_seen_at"]
    search_fields = ["title", "canonical_url"]
    list_select_related = ["workspace"]
    raw_id_fields = ["workspace"]
    exclude = ["embedding"]


@admin.register(PersonaTrend)
class PersonaTrendAdmin(admin.ModelAdmin):
    list_display = ["item", "persona", "relevance", "conflict", "dismissed"]
    list_filter = ["dismissed"]
    list_select_related = ["item", "persona"]
    raw_id_fields = ["persona", "item", "pillar", "topic"]


@admin.register(Stance)
class StanceAdmin(admin.ModelAdmin):
    list_display = ["persona", "kind", "text"]
    list_filter = ["kind"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona"]
