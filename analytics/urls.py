from django.urls import path

from analytics import views

urlpatterns = [
    path("", views.analytics_page, name="analytics"),
    path("export.csv", views.export_csv, name="analytics_export"),
    path("workspace/", views.workspace_page, name="analytics_workspace"),
]
