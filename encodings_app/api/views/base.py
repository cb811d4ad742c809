"""What every API view shares: JSON in the envelope, and the organization and encoding it may see."""

from __future__ import annotations

from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from encodings_app import access
from encodings_app.api.envelope import EnvelopeRenderer, JsonOnlyNegotiation
from encodings_app.models import Encoding, Organization, Role


class ApiView(APIView):
    renderer_classes = [EnvelopeRenderer]
    parser_classes = [JSONParser]
    content_negotiation_class = JsonOnlyNegotiation
    # No OPTIONS self-description: like Bitmovin's, the API allows GET, POST and DELETE (else 405, 1006).
    metadata_class = None

    def organization(self, slug: str, *, needs: str = Role.VIEWER) -> Organization:
        """404 for an organization the caller may not see (as for one that does not exist), 403 when the
        caller's role is below ``needs``."""
        return access.organization_for(self.request.user, slug, needs=needs).organization

    def encoding(self, slug: str, encoding_id: str, *, needs: str = Role.VIEWER) -> Encoding:
        return access.encoding_for(self.organization(slug, needs=needs), encoding_id)
