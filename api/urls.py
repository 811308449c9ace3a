from django.urls import path

from api import mcp, views
from api.v1 import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("mcp", mcp.mcp_endpoint, name="mcp"),
    path("settings/api-tokens/", views.tokens_page, name="api_tokens"),
    path(
        "settings/api-tokens/<int:apitoken_id>/revoke/", views.token_revoke, name="api_token_revoke"
    ),
    path("settings/webhooks/", views.webhooks_page, name="webhooks"),
    path(
        "settings/webhooks/<int:webhookendpoint_id>/",
        views.webhook_endpoint_change,
        name="webhook_endpoint_change",
    ),
    path(
        "settings/webhooks/deliveries/<int:eventdelivery_id>/resend/",
        views.webhook_resend,
        name="webhook_resend",
    ),
]
