from django.urls import path

from calendar_app import views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("posts/<int:publication_id>/move/", views.move, name="calendar_move"),
    path("slots/", views.slots, name="calendar_slots"),
    path("slots/<int:postingslot_id>/delete/", views.slot_delete, name="calendar_slot_delete"),
    path("schedule/<int:variation_id>/", views.schedule, name="publishing_schedule"),
]
