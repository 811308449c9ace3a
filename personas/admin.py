from django.contrib import admin

from personas.models import Persona


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "platform", "language", "timezone", "archived_at"]
    list_filter = ["platform", "language", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "workspace__name", "description"]
    list_select_related = ["workspace"]
    raw_id_fields = ["workspace"]
