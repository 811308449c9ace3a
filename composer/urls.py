from django.urls import path

from composer import views

urlpatterns = [
    path("", views.drafts, name="composer_drafts"),
    path("new/", views.compose_new, name="compose_new"),
    path("bulk/", views.bulk_upload, name="bulk_upload"),
    path("bulk/template.csv", views.bulk_template, name="bulk_template"),
    path("bulk/<int:bulkupload_id>/", views.bulk_preview, name="bulk_preview"),
    path("bulk/<int:bulkupload_id>/schedule/", views.bulk_schedule, name="bulk_schedule"),
    path("bulk/<int:bulkupload_id>/progress/", views.bulk_progress, name="bulk_progress"),
    path("bulk/<int:bulkupload_id>/problems.csv", views.bulk_problems, name="bulk_problems"),
    path("versions/", views.repurpose, name="repurpose"),
    path("versions/<int:repurpose_id>/", views.repurpose_versions, name="repurpose_versions"),
    path(
        "versions/<int:repurpose_id>/progress/",
        views.repurpose_progress,
        name="repurpose_progress",
    ),
    path("<int:composerdraft_id>/", views.compose, name="compose"),
    path("<int:composerdraft_id>/live/", views.compose_live, name="compose_live"),
    path("<int:composerdraft_id>/deep/", views.compose_deep, name="compose_deep"),
    path("<int:composerdraft_id>/images/", views.image_add, name="compose_image_add"),
    path("images/<int:draftimage_id>/", views.image_file, name="compose_image"),
    path("images/<int:draftimage_id>/remove/", views.image_remove, name="compose_image_remove"),
]
