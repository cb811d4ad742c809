"""The audit log of one organization as admins read it: newest first, in pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import QuerySet

from encodings_app.models import AuditEvent, Organization
from encodings_app.selectors.paging import page_or_last

AUDIT_PER_PAGE = 25
# What the page and the API show; the source address stays in the table, for an investigation.
SHOWN_FIELDS = ("created_at", "username", "action", "outcome", "target", "detail", "request_id")


@dataclass
class AuditLogPage:
    page: Page
    corrected: bool  # the page asked for does not exist; this is the last one


def audit_events(organization: Organization) -> QuerySet[AuditEvent]:
    """Newest first; reads the index audit_org_created."""
    return (
        AuditEvent.objects.filter(organization=organization)
        .only(*SHOWN_FIELDS)
        .order_by("-created_at", "-pk")
    )


def audit_log_page(organization: Organization, *, page: int = 1) -> AuditLogPage:
    """Two queries: the count and one page."""
    shown, corrected = page_or_last(audit_events(organization), AUDIT_PER_PAGE, page)
    return AuditLogPage(page=shown, corrected=corrected)
