from django.contrib import admin

from posts.models import EngagementModel, ImportBatch, MetricSnapshot, Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "persona",
        "posted_at",
        "tier",
        "performance_score",
        "source",
        "embedding_model",
    ]
    list_filter = ["tier", "source", "content_type", "embedding_model"]
    search_fields = ["text", "persona__name", "external_ref"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona"]
    exclude = ["embedding"]
    readonly_fields = [
        "text_hash",
        "engagement_rate",
        "performance_score",
        "tier",
        "embedding_model",
    ]
    date_hierarchy = "posted_at"


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "persona",
        "format",
        "status",
        "total",
        "imported",
        "duplicates",
        "failed_rows",
        "created_at",
    ]
    list_filter = ["status", "format"]
    search_fields = ["filename", "persona__name"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona", "created_by"]
    exclude = ["rows"]


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(admin.ModelAdmin):
    list_display = ("post", "taken_at", "source", "likes", "comments", "reposts", "impressions")
    list_filter = ("source",)
    raw_id_fields = ("post",)


@admin.register(EngagementModel)
class EngagementModelAdmin(admin.ModelAdmin):
    list_display = ["persona", "posts", "trained_at"]
    list_select_related = ["persona"]
    raw_id_fields = ["persona"]
    exclude = ["model"]
