from django.urls import path

from generation import views

urlpatterns = [
    path("", views.generate, name="generate"),
    path("feedback/", views.feedback, name="generation_feedback"),
    path("history/", views.history, name="generation_history"),
    path("kit/", views.kit, name="draft_kit"),
    path("usage/", views.usage, name="llm_usage"),
    path("lessons/<int:lesson_id>/delete/", views.lesson_delete, name="lesson_delete"),
    path("<int:generation_id>/", views.generation_detail, name="generation_detail"),
    path("<int:generation_id>/progress/", views.generation_progress, name="generation_progress"),
    path("<int:generation_id>/retry/", views.generation_retry, name="generation_retry"),
    path("drafts/<int:variation_id>/accept/", views.variation_accept, name="variation_accept"),
    path("drafts/<int:variation_id>/reject/", views.variation_reject, name="variation_reject"),
    path("drafts/<int:variation_id>/edit/", views.variation_edit, name="variation_edit"),
    path("drafts/<int:variation_id>/refine/", views.variation_refine, name="variation_refine"),
    path("rewrites/<int:rewrite_id>/progress/", views.rewrite_progress, name="rewrite_progress"),
    path(
        "drafts/<int:variation_id>/regenerate/",
        views.variation_regenerate,
        name="variation_regenerate",
    ),
]
