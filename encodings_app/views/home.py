"""The start page: the cross-organization overview, worst first, for people in several organizations;
narrowed to one Bitmovin account with ``?account=`` (selectors/account_narrowing.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from encodings_app import selectors
from encodings_app.selectors.account_narrowing import ACCOUNT_PARAMETER, narrowed_by_account
from encodings_app.views.common import render_page


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    healths = selectors.organizations_with_health(request.user)
    if len(healths) == 1 and not request.user.is_superuser:
        return redirect("overview", slug=healths[0].organization.slug)
    if not healths:
        return render_page(request, "home.html", {"switcher": healths})
    narrowing = narrowed_by_account(healths, request.GET.get(ACCOUNT_PARAMETER))
    selectors.healths_with_activity(narrowing.healths)
    url = reverse("home")
    return render_page(
        request,
        "organizations/all.html",
        {
            "switcher": healths,
            "healths": narrowing.healths,
            "narrowing": narrowing,
            "notes": narrowing.notes,
            # The page as shown: an account that could not be used is not asked for again.
            "poll_url": f"{url}?{narrowing.query}" if narrowing.query else url,
        },
        partial="organizations/_all_live.html",
    )
