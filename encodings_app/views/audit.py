"""The audit log section of an organization's settings page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from encodings_app.models import Organization
from encodings_app.selectors.audit import audit_log_page

PAGE_PARAMETER = "audit_page"


def audit_log_context(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    """What templates/organizations/_audit_log.html needs: one page of entries and a note on a bad page."""
    raw = request.GET.get(PAGE_PARAMETER, "1")
    note = ""
    if raw.isdigit() and 0 < int(raw) < 1_000_000:
        number = int(raw)
    else:
        number = 1
        note = f"Audit log page: “{raw[:20]}” is not a page number; showing the first page."
    log = audit_log_page(organization, page=number)
    if log.corrected:
        note = f"There is no audit log page {number}; this is the last one."
    return {"audit_log": log.page, "audit_note": note}
