from django.urls import path

from personas import views

urlpatterns = [
    path("", views.persona_list, name="persona_list"),
    path("new/", views.persona_create, name="persona_create"),
    path("<int:persona_id>/edit/", views.persona_edit, name="persona_edit"),
    path(
        "<int:persona_id>/archive/",
        views.persona_set_archived,
        {"archived": True},
        name="persona_archive",
    ),
    path(
        "<int:persona_id>/restore/",
        views.persona_set_archived,
        {"archived": False},
        name="persona_restore",
    ),
    path("<int:persona_id>/switch/", views.persona_switch, name="persona_switch"),
]
