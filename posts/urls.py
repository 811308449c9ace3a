from django.urls import path

from posts import views

urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("new/", views.post_create, name="post_create"),
    path("<int:post_id>/", views.post_detail, name="post_detail"),
    path("<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("import/", views.import_upload, name="import_upload"),
    path("imports/<int:import_batch_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_batch_id>/confirm/", views.import_confirm, name="import_confirm"),
    path(
        "imports/<int:import_batch_id>/problems.csv",
        views.import_errors_csv,
        name="import_errors_csv",
    ),
]
