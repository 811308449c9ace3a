from django.contrib import admin

from pillars.models import Pillar, PillarDiscovery, PostPillar, Topic, VoiceNote


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["name", "persona", "status", "target_share", "edited", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name", "persona__name"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona", "merged_into"]
    exclude = ["mean_vector"]


@admin.register(PillarDiscovery)
class PillarDiscoveryAdmin(admin.ModelAdmin):
    list_display = ["persona", "status", "progress", "post_count", "method", "created_at"]
    list_filter = ["status"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona", "requested_by"]
    exclude = ["lexical", "centre"]


@admin.register(PostPillar)
class PostPillarAdmin(admin.ModelAdmin):
    list_display = ["post", "persona", "pillar", "similarity"]
    list_select_related = ["persona", "pillar", "post"]
    raw_id_fields = ["post", "persona", "pillar"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "persona", "status", "pillar", "score", "source", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["title", "persona__name"]
    list_select_related = ["persona", "pillar"]
    raw_id_fields = ["persona", "pillar", "created_by"]


@admin.register(VoiceNote)
class VoiceNoteAdmin(admin.ModelAdmin):
    list_display = ["persona", "status", "language", "seconds", "engine", "created_at"]
    list_filter = ["status", "language"]
    search_fields = ["transcript", "persona__name"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona", "created_by"]
    exclude = ["lease_token"]
