from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from core import views as core_views
from home import views as home_views
from pillars import views as pillar_views

admin.site.site_header = "ContentTwin admin"
admin.site.site_title = "ContentTwin admin"

urlpatterns = [
    path("", home_views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("dashboard/", home_views.dashboard, name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    # The installable app: its manifest, its service worker (scope: the whole site), the page it
    # shows offline, and the share target the manifest names.
    path("manifest.webmanifest", core_views.web_app_manifest, name="web_app_manifest"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("offline/", core_views.offline, name="offline"),
    path("share/", pillar_views.idea_shared, name="share"),
    path("personas/", include("personas.urls")),
    path("posts/", include("posts.urls")),
    path("voice/", include("voice.urls")),
    path("pillars/", include("pillars.urls")),
    path("trends/", include("trends.urls")),
    path("generate/", include("generation.urls")),
    path("publishing/", include("publishing.urls")),
    path("inbox/", include("inbox.urls")),
    path("calendar/", include("calendar_app.urls")),
    path("compose/", include("composer.urls")),
    path("analytics/", include("analytics.urls")),
    path("billing/", include("billing.urls")),
    path("notifications/", include("notifications.urls")),
    path("settings/models/", include("llm.urls")),
    path("", include("api.urls")),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
