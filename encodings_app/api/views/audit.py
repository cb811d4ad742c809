"""An organization's audit log, for its admins: who did what, when, and how it ended."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from encodings_app.api import schema
from encodings_app.api.pagination import page_answer, serialized_by
from encodings_app.api.params import QueryReader
from encodings_app.api.serializers import AuditEventSerializer
from encodings_app.api.views.base import ApiView
from encodings_app.models import Role
from encodings_app.selectors.audit import audit_events


class AuditListView(ApiView):
    @extend_schema(
        operation_id="organizations_audit_list",
        summary="The organization's audit log",
        description="Admins only. Newest first: actions on encodings with their outcome and Bitmovin's "
        "requestId, member and role changes, wall display links created and revoked, alert channels, rules "
        "and silences.",
        tags=[schema.TAG_ORGANIZATIONS],
        parameters=[schema.SLUG, *schema.PAGE_PARAMETERS],
        responses=schema.responses("AuditList", schema.page_of("AuditEvent", AuditEventSerializer), 400, 403),
    )
    def get(self, request: Request, slug: str) -> Response:
        organization = self.organization(slug, needs=Role.ADMIN)
        reader = QueryReader(request.query_params)
        return page_answer(
            request, reader, lambda: audit_events(organization), serialized_by(AuditEventSerializer)
        )
