"""CSV files of what the pages show: the encodings list with its filters (every matching row, not one page)
and the failures grouped by error code. Any member may export what they may see.

The list's filters are read by its own form. Where the list page shows what it could use and a note about
the rest, an export refuses: a file that silently ignored a filter would hold encodings nobody asked for.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from encodings_app import access
from encodings_app.csv_export import encodings_csv, failures_csv
from encodings_app.forms import EncodingFilterForm
from encodings_app.preference_forms import ListViewForm
from encodings_app.selectors.export import encoding_export_rows, failure_export_rows
from encodings_app.selectors.failures import FAILURE_WINDOW
from encodings_app.selectors.list_preferences import list_preference_for
from encodings_app.views.common import render_page
from encodings_app.views.encodings import list_context

EXPORT_REFUSED = "Nothing was exported: the file would have ignored what the address asks for."


@require_GET
def encodings_export(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    form = EncodingFilterForm(request.GET)
    filters = form.filters()
    if form.notes():
        preference = list_preference_for(request.user)
        context = list_context(viewer, request.GET, preference)
        context["notes"] = [EXPORT_REFUSED, *context["notes"]]
        context["view_form"] = ListViewForm.for_preference(preference)
        return render_page(request, "encodings/list.html", context, viewer=viewer, status=400)
    return encodings_csv(viewer.organization, encoding_export_rows(viewer.organization, filters))


@require_GET
def failures_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The overview's "Recent failures", every error code of them, over the same window."""
    viewer = access.organization_for(request.user, slug)
    since = timezone.now() - FAILURE_WINDOW
    return failures_csv(viewer.organization, failure_export_rows(viewer.organization, since=since))
