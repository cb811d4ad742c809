"""Wall displays: a display link for a TV (no login), /o/<slug>/wall/ for a logged-in member.

A display link, /wall/<token>/, is opened once: it answers with an HttpOnly cookie holding the token, scoped
to the screen's own token-free address /wall/d/<link id>/, and a redirect there. The page and its polls
authenticate with the cookie alone, so the token is in no poll's URL and no access log after that first
request. Opening the link again (a bookmark, a TV after a restart) just repeats the exchange.

The page polls itself with htmx. A poll carries the ETag of what the screen shows; when nothing changed the
answer is a 304 with no body, after one query (the link, its organizations' data versions and their open
incidents and active silences, which the screen shows as banners above the organizations) and two cache
reads (the board's, and whether beat and the workers run); once a minute a second query stamps the link as
seen, by a 304 too (the sweep syncs sooner what a screen shows, services/sweep.py). The board is rendered
once per change and shared by every screen showing the same organizations, and its tag is a digest of what
it shows, so a change in the mirror that shows nowhere on it leaves the tag as it was
(views/wall_board.py). Every answer carries the time of the organizations' last successful sync, so the
screen's "updated N s ago" stays true without re-rendering anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from encodings_app import access
from encodings_app.selectors import wall as wall_selectors
from encodings_app.services.display_links import display_link_seen, display_link_seen_due
from encodings_app.views import wall_board

MEMBER_POLL_SECONDS = 10


# "wall_token": the name alone keeps it off error reports (dashboard/debug.py hides *token* cookies).
WALL_COOKIE = "wall_token"
# Browsers keep a cookie 400 days at most; the link itself never expires, and reopening it renews the cookie.
WALL_COOKIE_MAX_AGE = int(timedelta(days=400).total_seconds())


@login_not_required
@require_GET
@sensitive_variables("token")
def wall_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """Trade the link's token for the screen's cookie, then send the browser to the token-free address."""
    scope = wall_selectors.scope_for_token(token)
    if scope is None:
        raise Http404("No such display link")
    url = reverse("wall-display", args=[scope.link_id])
    # A page loaded before links were exchanged still polls the token URL: htmx reloads the whole page.
    response = HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url, status=303)
    response.set_cookie(
        WALL_COOKIE,
        token,
        max_age=WALL_COOKIE_MAX_AGE,
        path=url,
        secure=request.is_secure(),
        httponly=True,
        # Lax, not Strict: a link opened from a chat or an e-mail is a cross-site navigation, and a Strict
        # cookie would not go with the redirect that follows it. Lax still keeps it off every cross-site
        # subrequest and POST, and the wall is read-only and cannot be framed (X-Frame-Options: DENY).
        samesite="Lax",
    )
    return _no_store(response)


@login_not_required
@require_GET
@sensitive_variables("token")
def wall_display(request: HttpRequest, link_id: int) -> HttpResponse:
    token = request.COOKIES.get(WALL_COOKIE, "")
    now = timezone.now()
    scope = wall_selectors.scope_for_token(token, now) if token else None
    if scope is None or scope.link_id != link_id:
        # The same answer whether the link exists or not: without its token, an id tells nothing.
        return _stopped(request, "wall/_link_needed.html", title="Display link needed", status=403)
    if scope.revoked:
        return _stopped(request, "wall/_revoked.html", title="Display link revoked", status=410)
    return _wall(request, scope, title=None, now=now)


def _stopped(request: HttpRequest, notice: str, *, title: str, status: int) -> HttpResponse:
    if request.htmx:
        # 286 stops the polling; the notice replaces the board.
        page = render(request, notice)
        return _no_store(HttpResponseStopPolling(page.content, content_type=page["Content-Type"]))
    return _no_store(render(request, "wall/stopped.html", {"notice": notice, "title": title}, status=status))


@require_GET
def wall_for_member(request: HttpRequest, slug: str) -> HttpResponse:
    organization = access.organization_for(request.user, slug).organization
    now = timezone.now()
    scope = wall_selectors.scope_for_organization(organization, MEMBER_POLL_SECONDS, now)
    return _wall(request, scope, title=organization.name, now=now)


def _wall(
    request: HttpRequest, scope: wall_selectors.WallScope, *, title: str | None, now: datetime
) -> HttpResponse:
    # `now` is the time the scope's query read the silences at, so the board and its banners agree.
    board = wall_board.shared_board(scope, now)
    poll_url = request.path
    etag = wall_board.screen_etag(board, scope, poll_url)
    # A 304 shows fresh content too: a screen whose board stays the same for hours is still watching.
    if scope.link_id is not None and display_link_seen_due(scope.link_seen_at, now):
        display_link_seen(link_id=scope.link_id, now=now)
    if request.htmx and request.headers.get("If-None-Match") == etag:
        return _freshness(_no_store(HttpResponseNotModified()), scope)
    context = {
        "board": board,
        "scope": scope,
        "title": title or " · ".join(board.names),
        "poll_url": poll_url,
        "behind_after_seconds": scope.behind_after_seconds,
    }
    template = "wall/_board.html" if request.htmx else "wall/page.html"
    response = render(request, template, context)
    response["ETag"] = etag
    patch_vary_headers(response, ("HX-Request",))
    return _freshness(_no_store(response), scope)


def _freshness(response: HttpResponse, scope: wall_selectors.WallScope) -> HttpResponse:
    response["X-Wall-Synced-At"] = scope.synced_at.isoformat() if scope.synced_at else ""
    response["X-Wall-Behind"] = "1" if scope.behind else "0"
    response["X-Wall-Sync-Stopped"] = "1" if scope.sync_stopped else "0"
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    # The screen decides what is fresh (If-None-Match); a browser cache in between would only blur that.
    response["Cache-Control"] = "no-store"
    return response
