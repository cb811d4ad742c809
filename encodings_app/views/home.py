"""The start page: the cross-organization overview, worst first, for people in several organizations."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from encodings_app import selectors
from encodings_app.views.common import render_page


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    healths = selectors.organizations_with_health(request.user)
    if len(healths) == 1 and not request.user.is_superuser:
        return redirect("overview", slug=healths[0].organization.slug)
    if not healths:
        return render_page(request, "home.html", {"switcher": healths})
    selectors.healths_with_activity(healths)
    return render_page(
        request,
        "organizations/all.html",
        {"switcher": healths, "healths": healths},
        partial="organizations/_all_live.html",
    )
