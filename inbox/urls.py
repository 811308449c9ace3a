from django.urls import path

from inbox import views

urlpatterns = [path("", views.inbox, name="inbox")]
