"""Saving, deleting and making default the saved views of the encodings list (plain POST forms of the list).

The list being saved comes as its "back" value, rebuilt by the filter form (forms.list_querystring), so a
view only ever holds the list's own parameters with values it accepts. A refused name shows the same list
again with the error and the name as typed; nothing else changes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from encodings_app import access
from encodings_app.access import OrganizationAccess
from encodings_app.forms import EncodingFilterForm, list_querystring
from encodings_app.preference_forms import ListViewForm, SavedViewForm
from encodings_app.selectors import DEFAULT_SORT
from encodings_app.selectors.list_preferences import list_preference_for
from encodings_app.selectors.saved_views import saved_view_url, saved_views_for
from encodings_app.services.saved_views import (
    SavedViewNameTaken,
    saved_view_default_set,
    saved_view_delete,
    saved_view_save,
)
from encodings_app.views.common import render_page
from encodings_app.views.encodings import list_context, picker_context, shown_columns


def _back(request: HttpRequest) -> QueryDict:
    return QueryDict(list_querystring(request.POST.get("back", "")))


def _list_url(slug: str, back: QueryDict) -> str:
    query = EncodingFilterForm(back).query(page=None)
    url = reverse("encoding-list", args=[slug])
    # An empty list address would open the default view: the whole list is asked for by its sort.
    return f"{url}?{query or f'sort={DEFAULT_SORT}'}"


def _refused(request: HttpRequest, viewer: OrganizationAccess, back: QueryDict, form: SavedViewForm):
    preference = list_preference_for(request.user)
    context = list_context(viewer, back, preference)
    views = saved_views_for(viewer.organization, request.user)
    context.update(picker_context(viewer, views, context["form"], saved_form=form))
    context.update(
        view_form=ListViewForm.for_preference(preference, columns=context["columns"]), views_open=True
    )
    return render_page(request, "encodings/list.html", context, viewer=viewer, status=400)


@require_POST
def saved_view_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Saves the list as shown (its filters, sort and columns) under a name, then opens the view."""
    viewer = access.organization_for(request.user, slug)
    back = _back(request)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        return _refused(request, viewer, back, form)
    shared = form.cleaned_data["shared"]
    if shared and not access.may_share_views(viewer):
        raise PermissionDenied(f"Only admins of {viewer.organization.name} share views.")
    preference = list_preference_for(request.user)
    list_form = EncodingFilterForm(back, default_page_size=preference.rows_per_page)
    try:
        view = saved_view_save(
            organization=viewer.organization,
            user=request.user,
            name=form.cleaned_data["name"],
            # The columns are kept apart from the query: the picker names them, and the view's address
            # writes them as the list's ``columns`` parameter.
            query=list_form.query(page=None, columns=None),
            columns=shown_columns(list_form, preference),
            shared=shared,
            request=request,
        )
    except SavedViewNameTaken:
        where = "a shared view of this organization" if shared else "one of your views"
        form.add_error(
            "name", f"“{form.cleaned_data['name']}” is already the name of {where}; nothing was saved."
        )
        return _refused(request, viewer, back, form)
    return redirect(saved_view_url(view, slug))


@require_POST
def saved_view_remove(request: HttpRequest, slug: str, view_id: int) -> HttpResponse:
    """Deletes a view: one's own, or a shared one for admins (403 for other members)."""
    viewer = access.organization_for(request.user, slug)
    view = access.saved_view_for(viewer, request.user, view_id)
    access.check_may_change_saved_view(viewer, request.user, view)
    saved_view_delete(view=view, user=request.user, request=request)
    return redirect(_list_url(slug, _back(request)))


@require_POST
def saved_view_make_default(request: HttpRequest, slug: str, view_id: int) -> HttpResponse:
    """The list opens with this view for this user in this organization, from now on."""
    viewer = access.organization_for(request.user, slug)
    view = access.saved_view_for(viewer, request.user, view_id)
    saved_view_default_set(user=request.user, organization=viewer.organization, view=view)
    return redirect(saved_view_url(view, slug))


@require_POST
def saved_view_clear_default(request: HttpRequest, slug: str) -> HttpResponse:
    """The list opens unfiltered again for this user in this organization."""
    viewer = access.organization_for(request.user, slug)
    saved_view_default_set(user=request.user, organization=viewer.organization, view=None)
    return redirect(_list_url(slug, _back(request)))
