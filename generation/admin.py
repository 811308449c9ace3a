from django.contrib import admin

from generation.models import Decision, Generation, Lesson, RefineMessage, Rewrite, Variation


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ("topic", "persona", "status", "requested_by", "created_at", "duration_ms")
    list_filter = ("status", "content_type")
    search_fields = ("topic", "persona__name")
    raw_id_fields = ("persona", "requested_by", "overlay")


@admin.register(Variation)
class VariationAdmin(admin.ModelAdmin):
    list_display = ("angle", "generation", "score", "provider", "status")
    list_filter = ("status", "provider")
    search_fields = ("text", "generation__topic")
    raw_id_fields = ("generation",)


@admin.register(RefineMessage)
class RefineMessageAdmin(admin.ModelAdmin):
    list_display = ("variation", "role", "score", "created_at")
    search_fields = ("text",)
    raw_id_fields = ("variation",)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("persona", "kind", "value", "active")
    list_filter = ("kind", "active")
    search_fields = ("value", "persona__name")
    raw_id_fields = ("persona", "source")


@admin.register(Rewrite)
class RewriteAdmin(admin.ModelAdmin):
    list_display = ("variation", "kind", "status", "requested_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("message",)
    raw_id_fields = ("variation", "requested_by")


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("kind", "persona", "variation", "score", "user", "created_at")
    list_filter = ("kind",)
    search_fields = ("text", "note", "persona__name")
    raw_id_fields = ("persona", "variation", "user")
