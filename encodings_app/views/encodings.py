"""The encodings list: filters, sort and page all live in the URL; the results are polled by htmx.

Every link of the page is rebuilt from the filter form's validated values (``EncodingFilterForm.query``):
a parameter the list does not know, or a value it refused, appears in none of them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from encodings_app import access, selectors
from encodings_app.forms import EncodingFilterForm
from encodings_app.selectors.encodings import PAGE_SIZE
from encodings_app.views.common import render_page

COLUMNS = [
    ("name", "Name"),
    ("type", "Type"),
    ("status", "Status"),
    ("progress", "Progress"),
    ("", "Region"),
    ("", "Encoder"),
    ("", "Labels"),
    ("created", "Created"),
    ("started", "Started"),
    ("finished", "Finished"),
    ("", "Duration"),
]


def sort_headers(form: EncodingFilterForm, current: str) -> list[dict]:
    """Each column's header: its link toggles the direction, and aria-sort says the current one."""
    headers = []
    for key, label in COLUMNS:
        header = {"key": key, "label": label, "aria_sort": None, "href": None}
        if key:
            ascending_now = current == key
            descending_now = current == f"-{key}"
            target = key if descending_now else f"-{key}"
            if not ascending_now and not descending_now and key == "name":
                target = "name"  # names read best A to Z first
            header["href"] = f"?{form.query(sort=target, page=None)}"
            if ascending_now:
                header["aria_sort"] = "ascending"
            elif descending_now:
                header["aria_sort"] = "descending"
        headers.append(header)
    return headers


@require_GET
def encoding_list(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    form = EncodingFilterForm(request.GET)
    filters = form.filters()
    page, corrected = selectors.encodings_page(viewer.organization, filters, form.page_number())
    notes = form.notes()
    if corrected:
        notes.append(f"There is no page {form.page_number()}; this is the last page, {page.number}.")
    # The page as shown: what the detail pages lead back to and what the poll asks for again.
    shown = form.query(page=page.number) if corrected else form.query()
    url = reverse("encoding-list", args=[slug])
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "notes": notes,
        "headers": sort_headers(form, filters.sort),
        "back": shown,
        "poll_url": f"{url}?{shown}" if shown else url,
        "page_size": PAGE_SIZE,
        "statuses": [value for value, _ in form.fields["status"].choices],
    }
    return render_page(
        request,
        "encodings/list.html",
        context,
        viewer=viewer,
        partial="encodings/_results.html",
    )
