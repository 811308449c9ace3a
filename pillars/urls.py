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
]
