from django.urls import path

from encodings_app.views import health, home, webhooks

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("webhooks/bitmovin/<slug:organization_slug>/", webhooks.bitmovin_webhook, name="bitmovin-webhook"),
]
