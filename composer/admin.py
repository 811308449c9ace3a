from django.contrib import admin

from composer.models import BulkRow, BulkUpload, ComposerDraft, DraftImage, Repurpose


class DraftImageInline(admin.TabularInline):
    model = DraftImage
    extra = 0


@admin.register(ComposerDraft)
class ComposerDraftAdmin(admin.ModelAdmin):
    list_display = ("__str__", "persona", "status", "created_by", "updated_at")
    list_filter = ("status",)
    search_fields = ("persona__name",)
    raw_id_fields = (
        "persona",
        "created_by",
        "variation",
        "idea",
        "planned",
        "publication",
        "repurpose",
    )
    inlines = [DraftImageInline]


@admin.register(DraftImage)
class DraftImageAdmin(admin.ModelAdmin):
    list_display = ("file", "draft", "part", "content_type")
    raw_id_fields = ("draft",)


@admin.register(Repurpose)
class RepurposeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "persona", "status", "uses_model", "created_at")
    list_filter = ("status", "uses_model")
    raw_id_fields = ("persona", "requested_by")


class BulkRowInline(admin.TabularInline):
    model = BulkRow
    extra = 0
    raw_id_fields = ("publication",)


@admin.register(BulkUpload)
class BulkUploadAdmin(admin.ModelAdmin):
    list_display = ("filename", "persona", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("persona", "created_by")


@admin.register(BulkRow)
class BulkRowAdmin(admin.ModelAdmin):
    list_display = ("upload", "line", "scheduled_at", "publication", "failure")
    raw_id_fields = ("upload", "publication")
