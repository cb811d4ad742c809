"""The audit log section of an organization's settings page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from encodings_app.models import Organization
from encodings_app.selectors.audit import audit_log_page
from encodings_app.views.common import log_page_number

PAGE_PARAMETER = "audit_page"


def audit_log_context(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    """What templates/organizations/_audit_log.html needs: one page of entries and a note on a bad page."""
    number, note = log_page_number(request, PAGE_PARAMETER, "Audit log")
    log = audit_log_page(organization, page=number)
    if log.corrected:
        note = f"There is no audit log page {number}; this is the last one."
    return {"audit_log": log.page, "audit_note": note}
