from django.contrib import admin

from voice.models import Overlay, VoiceAnalysis, VoiceOverride, VoiceProfile


@admin.register(VoiceProfile)
class VoiceProfileAdmin(admin.ModelAdmin):
    list_display = ["persona", "version", "origin", "post_count", "is_archived", "created_at"]
    list_filter = ["is_archived"]
    search_fields = ["persona__name", "summary", "origin"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona", "based_on", "created_by"]
    exclude = ["tone", "raw"]


@admin.register(VoiceOverride)
class VoiceOverrideAdmin(admin.ModelAdmin):
    list_display = ["persona", "key", "verdict", "created_at"]
    list_filter = ["verdict"]
    search_fields = ["persona__name", "key"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona", "created_by"]


@admin.register(VoiceAnalysis)
class VoiceAnalysisAdmin(admin.ModelAdmin):
    list_display = ["persona", "status", "progress", "stage", "run_after", "created_at"]
    list_filter = ["status"]
    search_fields = ["persona__name", "error"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona", "result", "requested_by"]


@admin.register(Overlay)
class OverlayAdmin(admin.ModelAdmin):
    list_display = ["name", "persona", "tone_shift", "length_preference"]
    list_filter = ["length_preference"]
    search_fields = ["name", "persona__name", "notes"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona"]
