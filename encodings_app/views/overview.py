"""The overview of one organization; its live part is polled by htmx."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from encodings_app import access, selectors
from encodings_app.views.common import render_page


@require_GET
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    data = selectors.organization_overview(viewer.organization)
    return render_page(
        request,
        "organizations/overview.html",
        {"overview": data},
        viewer=viewer,
        partial="organizations/_overview_live.html",
    )
