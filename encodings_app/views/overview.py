"""The overview of one organization; its live part is polled by htmx."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from encodings_app import access, selectors
from encodings_app.views.common import render_page


@require_GET
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    organization, role = access.organization_for(request.user, slug)
    data = selectors.organization_overview(organization)
    return render_page(
        request,
        "organizations/overview.html",
        {"overview": data},
        organization=organization,
        role=role,
        partial="organizations/_overview_live.html",
    )
