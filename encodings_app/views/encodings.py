"""The encodings list: filters, sort and page all live in the URL; the results are polled by htmx.

Every link of the page is rebuilt from the filter form's validated values (``EncodingFilterForm.query``):
a parameter the list does not know, or a value it refused, appears in none of them. Which optional columns
show and how many rows a page holds are the user's own view (models/preferences.py), saved by a form of the
page; a ``per_page`` in the URL wins over the saved page size, and a ``columns`` over the saved columns, so a
link shows the same rows and columns to everyone (forms.EncodingFilterForm explains why the preference stays
the default).

Saved views (views/saved_views.py) are named list addresses: the list opened with no parameters at all shows
the user's default view by sending them to its address, so that the state is in the URL like any other.

The results poll with the ETag of what they show (selectors/list_etag.py); when nothing they show has
changed, the answer is a 304 with no body, after the access check and the read of the user's view, without
counting or reading a row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from encodings_app import access, selectors
from encodings_app.access import OrganizationAccess
from encodings_app.forms import EncodingFilterForm, list_querystring
from encodings_app.models import OPTIONAL_LIST_COLUMNS, ListPreference, Role
from encodings_app.preference_forms import ListViewForm, SavedViewForm
from encodings_app.selectors import DEFAULT_SORT
from encodings_app.selectors.list_etag import list_live_etag
from encodings_app.selectors.list_preferences import list_preference_for
from encodings_app.selectors.saved_views import ViewChoice, default_choice, saved_views_for
from encodings_app.services.action_registry import ACTIONS
from encodings_app.services.bulk_actions import BULK_ACTIONS
from encodings_app.services.list_preferences import list_preference_set
from encodings_app.views.common import not_modified, polled_etag, render_page

# The columns every view shows, first; the optional ones follow in OPTIONAL_LIST_COLUMNS' order.
FIXED_COLUMNS = {"name": "Name", "status": "Status", "progress": "Progress"}
# Column -> the sort key of its header link; the others do not sort.
SORTED_BY = {
    "name": "name",
    "status": "status",
    "progress": "progress",
    "type": "type",
    "created": "created",
    "started": "started",
    "finished": "finished",
}
# Filters folded under "More filters" (form field names): the fold opens by itself when one of them is set
# or was refused, so a filter never narrows the list out of sight.
FOLDED_FILTERS = (
    "region",
    "encoder",
    "label",
    "code",
    "category",
    "period",
    "created_from",
    "created_to",
    "failed_from",
    "failed_to",
)


def sort_headers(form: EncodingFilterForm, current: str, columns: list[str]) -> list[dict]:
    """Each shown column's header: its link toggles the direction, and aria-sort says the current one."""
    labels = {**FIXED_COLUMNS, **OPTIONAL_LIST_COLUMNS}
    headers = []
    for name in [*FIXED_COLUMNS, *columns]:
        key = SORTED_BY.get(name, "")
        header = {"name": name, "label": labels[name], "aria_sort": None, "href": None}
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


def folded_filters_set(form: EncodingFilterForm) -> int:
    """How many of the folded filters are in use, counting a refused value (its note names it)."""
    values = form.url_values()
    return sum(1 for name in FOLDED_FILTERS if form.add_prefix(name) in values or name in form.errors)


def status_summary(statuses: list[str], form: EncodingFilterForm) -> str:
    """What the closed status menu says: the chosen statuses by name, or how many when that gets long."""
    names = dict(form.fields["status"].choices)
    if not statuses:
        return "Any"
    if len(statuses) <= 2:
        return ", ".join(str(names[status]) for status in statuses)
    return f"{len(statuses)} statuses"


def picker_context(
    viewer: OrganizationAccess, views: list[ViewChoice], form: EncodingFilterForm, saved_form: Any = None
) -> dict[str, Any]:
    """The saved views' picker: the views, which one the page shows (by its address), the save form."""
    shown = form.query(page=None)
    url = reverse("encoding-list", args=[viewer.organization.slug])
    default = default_choice(views)
    return {
        "saved_views": views,
        "current_view": next((choice for choice in views if choice.query == shown), None),
        "default_view": default,
        "may_share_views": access.may_share_views(viewer),
        "saved_form": saved_form if saved_form is not None else SavedViewForm(),
        # The whole list, unfiltered: the bare address would open the default view instead.
        "all_url": f"{url}?sort={DEFAULT_SORT}" if default is not None else url,
    }


def list_context(
    viewer: OrganizationAccess, query: QueryDict, preference: ListPreference, *, now: datetime | None = None
) -> dict[str, Any]:
    """What the list page and its polled fragment show for this query string and this user's view."""
    form = EncodingFilterForm(query, default_page_size=preference.rows_per_page)
    columns = shown_columns(form, preference)
    filters = form.filters()
    page, corrected = selectors.encodings_page(
        viewer.organization, filters, form.page_number(), form.page_size(), exact_count=form.exact_count()
    )
    notes = form.notes()
    if corrected:
        notes.append(f"There is no page {form.page_number()}; this is the last page, {page.number}.")
    # The page as shown: what the detail pages lead back to and what the poll asks for again.
    shown = form.query(page=page.number) if corrected else form.query()
    url = reverse("encoding-list", args=[viewer.organization.slug])
    more_set = folded_filters_set(form)
    # The export carries the filters and the order, not the page: it holds every matching row.
    exported = form.query(page=None, per_page=None, count=None)
    export_url = reverse("encoding-export", args=[viewer.organization.slug])
    return {
        "form": form,
        "filters": filters,
        "page": page,
        "notes": notes,
        "columns": columns,
        "headers": sort_headers(form, filters.sort, columns),
        "back": shown,
        "poll_url": f"{url}?{shown}" if shown else url,
        "export_href": f"{export_url}?{exported}" if exported else export_url,
        "url_page_size": form.url_values().get("per_page", [""])[0],
        "url_columns": form.url_values().get("columns", [""])[0],
        "more_filters_set": more_set,
        "more_filters_open": more_set > 0,
        "status_summary": status_summary(filters.statuses, form),
        # Operators and admins tick rows for a bulk action (views/bulk.py); viewers see no checkboxes.
        "can_bulk": access.has_role(viewer.role, Role.OPERATOR),
        "bulk_actions": [ACTIONS[key] for key in BULK_ACTIONS],
        # The results carry the tag of the page as shown, the one their poll asks for (static/js/app.js).
        "live_etag": list_live_etag(
            viewer.organization, view=shown, columns=columns, now=now or timezone.now()
        ),
    }


def shown_columns(form: EncodingFilterForm, preference: ListPreference) -> list[str]:
    """The optional columns the URL names, else the user's own."""
    asked = form.shown_columns()
    return preference.shown_columns if asked is None else asked


@require_GET
def encoding_list(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    views = None
    if not request.htmx:  # a poll never changes view, nor shows the picker
        views = saved_views_for(viewer.organization, request.user)
        default = default_choice(views)
        if default is not None and not request.GET:
            return redirect(default.url)
    preference = list_preference_for(request.user)
    now = timezone.now()
    # The tag of what this address answers, from its parameters as validated. A page past the last answers
    # with the last page, whose poll then asks for it by its number: the fragment carries the tag of that
    # address (list_context), this answer's header the tag of this one.
    asked_form = EncodingFilterForm(request.GET, default_page_size=preference.rows_per_page)
    asked = asked_form.query()
    columns = shown_columns(asked_form, preference)
    etag = list_live_etag(viewer.organization, view=asked, columns=columns, now=now)
    if polled_etag(request) == etag:
        return not_modified(etag)
    context = list_context(viewer, request.GET, preference, now=now)
    if views is not None:
        context["view_form"] = ListViewForm.for_preference(preference, columns=context["columns"])
        context.update(picker_context(viewer, views, context["form"]))
    response = render_page(
        request,
        "encodings/list.html",
        context,
        viewer=viewer,
        partial="encodings/_results.html",
    )
    if request.htmx:
        response["ETag"] = etag
    return response


@require_POST
def list_view_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Saves the user's columns and page size, then shows the list they came from, from its first page (the
    rows of page N change with the page size). A refused value shows that list again with the error and the
    choices as posted; the saved view is unchanged."""
    viewer = access.organization_for(request.user, slug)
    back = QueryDict(list_querystring(request.POST.get("back", "")))
    form = ListViewForm(request.POST)
    if form.is_valid():
        list_preference_set(
            user=request.user, columns=form.cleaned_data["columns"], page_size=form.cleaned_data["per_page"]
        )
        # The columns just chosen show: a ``columns`` of the address would hide them.
        query = EncodingFilterForm(back).query(page=None, per_page=None, columns=None)
        url = reverse("encoding-list", args=[slug])
        return redirect(f"{url}?{query}" if query else url)
    context = list_context(viewer, back, list_preference_for(request.user))
    context.update(
        picker_context(viewer, saved_views_for(viewer.organization, request.user), context["form"])
    )
    context.update(view_form=form, view_open=True)
    return render_page(request, "encodings/list.html", context, viewer=viewer, status=400)
