from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notifications_page, name="notifications"),
    path("read/", views.notifications_read, name="notifications_read"),
    path("<int:notification_id>/", views.notification_open, name="notification_open"),
]
