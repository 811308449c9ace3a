from django.urls import path

from trends import views

urlpatterns = [
    path("", views.trends_page, name="trends"),
    path("scan/", views.scan, name="trends_scan"),
    path("sources/", views.sources, name="trend_sources"),
    path("sources/<int:trend_source_id>/edit/", views.source_edit, name="trend_source_edit"),
    path("sources/<int:trend_source_id>/delete/", views.source_delete, name="trend_source_delete"),
    path("positions/", views.stances, name="trend_stances"),
    path("positions/<int:stance_id>/delete/", views.stance_delete, name="trend_stance_delete"),
    path("<int:persona_trend_id>/topic/", views.make_topic, name="trend_make_topic"),
    path("<int:persona_trend_id>/write/", views.write_now, name="trend_write"),
    path("<int:persona_trend_id>/dismiss/", views.dismiss, name="trend_dismiss"),
]
