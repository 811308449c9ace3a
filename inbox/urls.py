from django.urls import path

from inbox import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:inbox_item_id>/reply/", views.inbox_reply, name="inbox_reply"),
    path("<int:inbox_item_id>/suggest/", views.inbox_suggest, name="inbox_suggest"),
]
