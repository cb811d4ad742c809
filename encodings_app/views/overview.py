"""The overview of one organization; its live part is polled by htmx.

A poll sends the ETag of what the live part shows (selectors/overview_etag.py); when nothing it shows has
changed, the answer is a 304 with no body, after the access check and one query, without reading or
rendering the overview.
"""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from encodings_app import access, selectors
from encodings_app.selectors.overview_etag import overview_live_etag
from encodings_app.views.common import not_modified, polled_etag, render_page


@require_GET
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    now = timezone.now()
    # Read before the overview: a change in between shows in the content and moves the next poll's tag.
    etag = overview_live_etag(viewer.organization, role=viewer.role, now=now)
    if polled_etag(request) == etag:
        return not_modified(etag)
    data = selectors.organization_overview(viewer.organization, now=now)
    response = render_page(
        request,
        "organizations/overview.html",
        # The live part carries its tag; its polls send it back (static/js/app.js).
        {"overview": data, "live_etag": etag},
        viewer=viewer,
        partial="organizations/_overview_live.html",
    )
    if request.htmx:
        response["ETag"] = etag
    return response
