from django.urls import path

from voice import views

urlpatterns = [
    path("", views.voice_page, name="voice_page"),
    path("analyse/", views.analyse, name="voice_analyse"),
    path(
        "analyses/<int:voice_analysis_id>/",
        views.analysis_progress,
        name="voice_analysis_progress",
    ),
    path("versions/", views.history, name="voice_history"),
    path("versions/compare/", views.compare, name="voice_compare"),
    path("versions/<int:voice_profile_id>/", views.version_detail, name="voice_version"),
    path("versions/<int:voice_profile_id>/answer/", views.override, name="voice_override"),
    path("versions/<int:voice_profile_id>/rollback/", views.rollback, name="voice_rollback"),
    path("overlays/", views.overlays, name="voice_overlays"),
    path("overlays/<int:overlay_id>/edit/", views.overlay_edit, name="voice_overlay_edit"),
    path("overlays/<int:overlay_id>/delete/", views.overlay_delete, name="voice_overlay_delete"),
]
