from django.urls import path

from publishing import views

urlpatterns = [
    path("sandbox/<int:account_id>/", views.sandbox_timeline, name="sandbox_timeline"),
]
