from django.urls import path

from calendar_app import views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:publication_id>/", views.queue_reorder, name="queue_reorder"),
    path("posts/<int:publication_id>/move/", views.move, name="calendar_move"),
    path("slots/", views.slots, name="calendar_slots"),
    path("slots/<int:postingslot_id>/delete/", views.slot_delete, name="calendar_slot_delete"),
    path("schedule/<int:variation_id>/", views.schedule, name="publishing_schedule"),
    path("plan/", views.plan, name="calendar_plan"),
    path("plan/propose/", views.plan_propose, name="calendar_plan_propose"),
    path("plan/accept/", views.plan_accept, name="calendar_plan_accept"),
    path("plan/<int:planned_post_id>/decline/", views.plan_decline, name="calendar_plan_decline"),
]
