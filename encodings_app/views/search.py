"""The header's search across the user's organizations (selectors/cross_search.py).

A plain GET form, so it works without JavaScript. An id that exactly one of the user's organizations holds
opens that encoding; anything else shows what was found, by organization, each with a link to its own list
searched the same way for the rest.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from encodings_app.selectors.cross_search import PER_ORGANIZATION, cross_search
from encodings_app.selectors.search import SEARCH_PARAMETER
from encodings_app.views.common import render_page

# The header box's parameter: short, as search engines write it; the list's own parameter is "search".
QUERY_PARAMETER = "q"


@require_GET
def site_search(request: HttpRequest) -> HttpResponse:
    found = cross_search(request.user, request.GET.get(QUERY_PARAMETER, ""))
    single = found.single_id_match
    if single is not None:
        return redirect("encoding-detail", slug=single.organization.slug, bitmovin_id=single.bitmovin_id)
    list_query = QueryDict(mutable=True)
    list_query[SEARCH_PARAMETER] = found.text
    for group in found.groups:
        url = reverse("encoding-list", args=[group.organization.slug])
        group.list_url = f"{url}?{list_query.urlencode()}"
    return render_page(
        request,
        "search/results.html",
        {
            "found": found,
            "notes": found.notes,
            "search_text": found.text,
            "per_organization": PER_ORGANIZATION,
        },
    )
