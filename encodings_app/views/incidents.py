"""An organization's alert incidents: the list (open ones worst first, then the resolved history in pages)
and one incident with its explanation, its transitions and the notifications sent about it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from encodings_app import access
from encodings_app.selectors import incidents as incident_selectors
from encodings_app.views.common import log_page_number, render_page

PAGE_PARAMETER = "page"


@require_GET
def incident_list(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    number, note = log_page_number(request, PAGE_PARAMETER, "Resolved incidents")
    resolved, corrected = incident_selectors.resolved_incidents_page(viewer.organization, number)
    if corrected:
        note = (
            f"There is no page {number} of resolved incidents; this is the last one, page {resolved.number}."
        )
    context = {
        "open_incidents": incident_selectors.open_incidents_worst_first(viewer.organization),
        "resolved": resolved,
        "page_note": note,
        "page_parameter": PAGE_PARAMETER,
    }
    return render_page(request, "incidents/list.html", context, viewer=viewer)


@require_GET
def incident_detail(request: HttpRequest, slug: str, incident_id: int) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    incident = access.incident_for(viewer.organization, incident_id)
    context = {
        "incident": incident,
        "facts": incident_selectors.incident_facts(incident),
        "encodings_path": incident_selectors.incident_list_path(incident, slug),
        "events": incident_selectors.incident_events(incident),
        "deliveries": incident_selectors.incident_deliveries(incident),
    }
    return render_page(request, "incidents/detail.html", context, viewer=viewer)
