from django.urls import path

from billing import views

urlpatterns = [
    path("", views.billing_page, name="billing"),
    path("checkout/", views.checkout, name="billing_checkout"),
    path("portal/", views.portal, name="billing_portal"),
    path("webhook/", views.webhook, name="billing_webhook"),
]
