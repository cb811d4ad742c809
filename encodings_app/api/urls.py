"""/api/v1/: Bitmovin-style paths (no trailing slash), the schema and its docs, and a catch-all that answers
unknown URLs in the envelope rather than with the site's HTML 404 page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from encodings_app.api.views.actions import (
    EncodingLiveRestartView,
    EncodingReprioritizeView,
    EncodingStartView,
    EncodingStopView,
)
from encodings_app.api.views.audit import AuditListView
from encodings_app.api.views.encodings import (
    EncodingDetailView,
    EncodingListView,
    EncodingMessagesView,
    EncodingStatusView,
)
from encodings_app.api.views.insights import EncodingExportView, FailureExportView, TrendsView
from encodings_app.api.views.misc import ApiDocsView, UnknownUrlView
from encodings_app.api.views.organizations import (
    FailureListView,
    IncidentListView,
    OrganizationDetailView,
    OrganizationListView,
    SilenceListView,
)
from encodings_app.api.views.usage import UsageView

ENCODING = "organizations/<slug:slug>/encodings/<str:encoding_id>"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("organizations", OrganizationListView.as_view(), name="api-organizations"),
    path("organizations/<slug:slug>", OrganizationDetailView.as_view(), name="api-organization"),
    path("organizations/<slug:slug>/failures", FailureListView.as_view(), name="api-failures"),
    path("organizations/<slug:slug>/trends", TrendsView.as_view(), name="api-trends"),
    # Not under encodings/: any name there could be an encoding's id.
    path(
        "organizations/<slug:slug>/export/encodings",
        EncodingExportView.as_view(),
        name="api-encodings-export",
    ),
    path(
        "organizations/<slug:slug>/export/failures", FailureExportView.as_view(), name="api-failures-export"
    ),
    path("organizations/<slug:slug>/incidents", IncidentListView.as_view(), name="api-incidents"),
    path("organizations/<slug:slug>/silences", SilenceListView.as_view(), name="api-silences"),
    path("organizations/<slug:slug>/usage", UsageView.as_view(), name="api-usage"),
    path("organizations/<slug:slug>/audit", AuditListView.as_view(), name="api-audit"),
    path("organizations/<slug:slug>/encodings", EncodingListView.as_view(), name="api-encodings"),
    path(ENCODING, EncodingDetailView.as_view(), name="api-encoding"),
    path(f"{ENCODING}/status", EncodingStatusView.as_view(), name="api-encoding-status"),
    path(f"{ENCODING}/messages", EncodingMessagesView.as_view(), name="api-encoding-messages"),
    path(f"{ENCODING}/start", EncodingStartView.as_view(), name="api-encoding-start"),
    path(f"{ENCODING}/stop", EncodingStopView.as_view(), name="api-encoding-stop"),
    path(f"{ENCODING}/reprioritize", EncodingReprioritizeView.as_view(), name="api-encoding-reprioritize"),
    path(f"{ENCODING}/live/restart", EncodingLiveRestartView.as_view(), name="api-encoding-live-restart"),
    # Matches any rest of the path, newlines and all (".*$" would let "/x%0A" fall through to the site's
    # HTML 404 page).
    re_path(r"^", UnknownUrlView.as_view(), name="api-unknown"),
]
