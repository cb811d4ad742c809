"""Wall displays: /wall/<token>/ for a display link (no login), /o/<slug>/wall/ for a logged-in member.

The page polls itself with htmx. A poll carries the ETag of what the screen shows; when nothing changed the
answer is a 304 with no body, after one query (the link and its organizations' data versions). Every answer
carries the time of the organizations' last successful sync, so the screen's "updated N s ago" stays true
without re-rendering anything.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling

from encodings_app import access
from encodings_app.models import DisplayToken
from encodings_app.selectors import wall as wall_selectors

MEMBER_POLL_SECONDS = 10


@login_not_required
@require_GET
def wall_by_token(request: HttpRequest, token: str) -> HttpResponse:
    scope = wall_selectors.scope_for_token(token)
    if scope is None:
        raise Http404("No such display link")
    if scope.revoked:
        if request.htmx:
            # 286 stops the polling; the revoked notice replaces the board.
            page = render(request, "wall/_revoked.html")
            return _no_store(HttpResponseStopPolling(page.content, content_type=page["Content-Type"]))
        return _no_store(render(request, "wall/revoked.html", status=410))
    return _wall(request, scope, title=None)


@require_GET
def wall_for_member(request: HttpRequest, slug: str) -> HttpResponse:
    organization = access.organization_for(request.user, slug)
    scope = wall_selectors.scope_for_organization(organization, MEMBER_POLL_SECONDS)
    return _wall(request, scope, title=organization.name)


def _wall(request: HttpRequest, scope: wall_selectors.WallScope, *, title: str | None) -> HttpResponse:
    now = timezone.now()
    etag = scope.etag(now)
    if request.htmx and request.headers.get("If-None-Match") == etag:
        return _freshness(_no_store(HttpResponseNotModified()), scope)
    boards = wall_selectors.boards(scope, now=now)
    context = {
        "boards": boards,
        "scope": scope,
        "title": title or " · ".join(board.organization.name for board in boards),
        "poll_url": request.path,
        "behind_after_seconds": 3 * settings.SYNC_INTERVAL_SECONDS,
    }
    template = "wall/_board.html" if request.htmx else "wall/page.html"
    response = render(request, template, context)
    response["ETag"] = etag
    patch_vary_headers(response, ("HX-Request",))
    if scope.link_id is not None:
        # When the TV last showed fresh content, for the admin page; at most one write a minute.
        DisplayToken.objects.filter(pk=scope.link_id).exclude(
            last_seen_at__gt=now - timedelta(minutes=1)
        ).update(last_seen_at=now)
    return _freshness(_no_store(response), scope)


def _freshness(response: HttpResponse, scope: wall_selectors.WallScope) -> HttpResponse:
    response["X-Wall-Synced-At"] = scope.synced_at.isoformat() if scope.synced_at else ""
    response["X-Wall-Behind"] = "1" if scope.behind else "0"
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    # The screen decides what is fresh (If-None-Match); a browser cache in between would only blur that.
    response["Cache-Control"] = "no-store"
    return response
