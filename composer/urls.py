from django.urls import path

from composer import views

urlpatterns = [
    path("", views.drafts, name="composer_drafts"),
    path("new/", views.compose_new, name="compose_new"),
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
