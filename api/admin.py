from django.contrib import admin

from api.models import ApiToken, IdempotentRequest


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "lookup", "workspace", "user", "last_used_at", "revoked_at")
    exclude = ("digest",)  # a digest is of no use to a person; the token itself is never kept
    readonly_fields = ("lookup", "scopes")
    list_select_related = ("workspace", "user")


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(admin.ModelAdmin):
    list_display = ("key", "status_code", "created_at")
    exclude = ("body",)
