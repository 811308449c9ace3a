from django.urls import path

from llm import views

urlpatterns = [
    path("", views.models_page, name="llm_models"),
    path("<int:modelconnection_id>/test/", views.connection_test, name="llm_connection_test"),
    path("<int:modelconnection_id>/move/", views.connection_move, name="llm_connection_move"),
    path("<int:modelconnection_id>/delete/", views.connection_delete, name="llm_connection_delete"),
]
