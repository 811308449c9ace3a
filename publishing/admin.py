from django.contrib import admin

from publishing.models import (
    Account,
    OAuthApp,
    Publication,
    PublicationEvent,
    PublicationImage,
    SandboxPost,
    Target,
    TargetPart,
)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ("name", "platform", "workspace", "status")
    list_filter = ("platform", "status")
    search_fields = ("name", "workspace__name")
    # Tokens never appear in the admin.
    exclude = ("access_token_encrypted", "refresh_token_encrypted")
    raw_id_fields = ("workspace",)


class PublicationEventInline(admin.TabularInline[PublicationEvent, Publication]):
    model = PublicationEvent
    extra = 0
    readonly_fields = ("created_at", "actor", "action", "detail")


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin[Publication]):
    list_display = ("persona", "scheduled_at", "approval", "created_by")
    list_filter = ("approval",)
    inlines = [PublicationEventInline]
    search_fields = ("text", "persona__name")
    raw_id_fields = ("persona", "created_by")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin[Target]):
    list_display = ("publication", "account", "state", "due_at", "attempts", "published_at")
    list_filter = ("state",)
    search_fields = ("external_id", "last_error", "account__name")
    raw_id_fields = ("publication", "account")


@admin.register(SandboxPost)
class SandboxPostAdmin(admin.ModelAdmin[SandboxPost]):
    list_display = ("account", "created_at")
    search_fields = ("text",)
    raw_id_fields = ("account",)


@admin.register(PublicationImage)
class PublicationImageAdmin(admin.ModelAdmin[PublicationImage]):
    list_display = ("publication", "content_type", "size", "width", "height")
    raw_id_fields = ("publication",)


@admin.register(OAuthApp)
class OAuthAppAdmin(admin.ModelAdmin[OAuthApp]):
    list_display = ("base_url", "created_at")
    exclude = ("client_secret_encrypted",)  # never shown


@admin.register(PublicationEvent)
class PublicationEventAdmin(admin.ModelAdmin[PublicationEvent]):
    list_display = ("publication", "action", "actor", "created_at")
    list_filter = ("action",)
    raw_id_fields = ("publication", "actor")


@admin.register(TargetPart)
class TargetPartAdmin(admin.ModelAdmin[TargetPart]):
    list_display = ("target", "index", "kind", "published_at")
    list_filter = ("kind",)
    raw_id_fields = ("target",)
    readonly_fields = ("idempotency_key",)
