from django.urls import path

from publishing import views

urlpatterns = [
    path("", views.queue, name="publishing_queue"),
    path("accounts/", views.accounts, name="publishing_accounts"),
    path("accounts/<int:account_id>/secret/", views.account_secret, name="account_secret"),
    path("connect/<str:platform>/", views.oauth_start, name="oauth_start"),
    path(
        "accounts/<int:account_id>/disconnect/",
        views.account_disconnect,
        name="account_disconnect",
    ),
    path("oauth/<str:platform>/callback/", views.oauth_callback, name="oauth_callback"),
    path("posts/<int:publication_id>/", views.publication_detail, name="publication_detail"),
    path("posts/<int:publication_id>/review/", views.publication_review, name="publication_review"),
    path("images/<int:publicationimage_id>/", views.publication_image, name="publication_image"),
    path("images/s/<str:token>/", views.publication_image_public, name="publication_image_public"),
    path("targets/<int:target_id>/retry/", views.target_retry, name="target_retry"),
    path("targets/<int:target_id>/discard/", views.target_discard, name="target_discard"),
    path("targets/<int:target_id>/published/", views.target_confirm, name="target_confirm"),
    path("posts/<int:publication_id>/cancel/", views.publication_cancel, name="publication_cancel"),
    path("posts/<int:publication_id>/now/", views.publication_post_now, name="publication_now"),
    path(
        "posts/<int:publication_id>/evergreen/",
        views.publication_evergreen,
        name="publication_evergreen",
    ),
    path("accounts/<int:account_id>/pause/", views.account_pause, name="account_pause"),
    path("sandbox/<int:account_id>/", views.sandbox_timeline, name="sandbox_timeline"),
]
