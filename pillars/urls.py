from django.urls import path

from pillars import views

urlpatterns = [
    path("", views.pillars_page, name="pillars"),
    path("discover/", views.discover, name="pillars_discover"),
    path(
        "discoveries/<int:pillar_discovery_id>/",
        views.discovery_progress,
        name="pillars_discovery_progress",
    ),
    path("<int:pillar_id>/edit/", views.pillar_edit, name="pillar_edit"),
    path("<int:pillar_id>/merge/", views.pillar_merge, name="pillar_merge"),
    path("<int:pillar_id>/split/", views.pillar_split, name="pillar_split"),
    path("<int:pillar_id>/delete/", views.pillar_delete, name="pillar_delete"),
    path("ideas/", views.ideas, name="ideas"),
    path("ideas/paste/", views.ideas_paste, name="ideas_paste"),
    path("ideas/<int:topic_id>/status/", views.idea_status, name="idea_status"),
    path("ideas/voice/", views.voice_note_upload, name="voice_note_upload"),
    path(
        "ideas/voice/<int:voice_note_id>/progress/",
        views.voice_note_progress,
        name="voice_note_progress",
    ),
    path("ideas/voice/<int:voice_note_id>/audio/", views.voice_note_audio, name="voice_note_audio"),
    path("ideas/voice/<int:voice_note_id>/ideas/", views.voice_note_ideas, name="voice_note_ideas"),
    path("ideas/voice/<int:voice_note_id>/retry/", views.voice_note_retry, name="voice_note_retry"),
    path(
        "ideas/voice/<int:voice_note_id>/delete/", views.voice_note_delete, name="voice_note_delete"
    ),
]
