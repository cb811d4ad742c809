"""The trends page: an organization's failures over 7, 30 or 90 days by error code, region, encoder version
and error category, each group a link to the encodings list filtered to exactly its encodings, and per day
the success rate and the median queue and run times. Any member may read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.http import require_GET

from encodings_app import access
from encodings_app.forms import EncodingFilterForm
from encodings_app.selectors.trends import TREND_DAYS, TrendGroup, list_time, organization_trends
from encodings_app.trend_forms import TrendWindowForm
from encodings_app.views.common import render_page


@dataclass(frozen=True)
class LinkedGroup:
    group: TrendGroup
    href: str


@dataclass(frozen=True)
class DayRow:
    """A day of the trends as the charts and the table show it (dashboard_charts reads day, finished,
    failed and failed_href)."""

    day: date
    finished: int
    failed: int
    success_rate: float | None
    median_queue: timedelta | None
    median_run: timedelta | None
    failed_href: str

    @property
    def rate_text(self) -> str:
        return percent_text(self.success_rate)


def percent_text(rate: float | None) -> str:
    """0.953 -> "95 %"; "—" when nothing ended."""
    return "—" if rate is None else f"{round(rate * 100)} %"


def list_link(slug: str, parameters: dict[str, str]) -> str:
    """The encodings list with these parameters, as its own form writes them; "" when there are none or
    the list would refuse one (a region it does not offer, say), since the link would then show others."""
    if not parameters:
        return ""
    query = QueryDict(mutable=True)
    query.update(parameters)
    form = EncodingFilterForm(query)
    form.filters()
    if form.notes():
        return ""
    return f"{reverse('encoding-list', args=[slug])}?{form.query()}"


@require_GET
def trends(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    form = TrendWindowForm(request.GET)
    data = organization_trends(viewer.organization, days=form.days_shown())

    def linked(groups: list[TrendGroup]) -> list[LinkedGroup]:
        return [LinkedGroup(group, list_link(slug, group.list_query)) for group in groups]

    days = [
        DayRow(
            day=entry.day,
            finished=entry.finished,
            failed=entry.failed,
            success_rate=entry.success_rate,
            median_queue=entry.median_queue,
            median_run=entry.median_run,
            failed_href=list_link(slug, entry.failed_query) if entry.failed else "",
        )
        for entry in data.daily
    ]
    context = {
        "trends": data,
        "notes": form.notes(),
        "windows": TREND_DAYS,
        "breakdowns": [
            ("by-code", "By error code", "Error", linked(data.by_code)),
            ("by-region", "By region", "Region", linked(data.by_region)),
            ("by-encoder", "By encoder version", "Encoder version", linked(data.by_encoder)),
            ("by-category", "By error category", "Category", linked(data.by_category)),
        ],
        "days": days,
        "success_rate": percent_text(data.success_rate),
        # Every failure of the window, whatever its cause.
        "all_failed_href": list_link(slug, {"failed_from": list_time(data.since)}),
    }
    return render_page(request, "organizations/trends.html", context, viewer=viewer)
