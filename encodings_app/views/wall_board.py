"""The wall's board: rendered once per change, shared by every screen that shows the same organizations, and
tagged by what it shows.

A screen polls with the ETag of what it shows. The tag is a digest of the rendered board, not of the data it
is made from: an organization's data version moves with every write to the mirror (a webhook's refresh that
changes a field no screen shows, a message added, an encoding past the rows that fit), and a tag of the
versions sent every screen a new board that looked like the old one. Now such a change costs one render,
whose digest comes out the same, and every screen gets its 304.

Rendered once: the board is cached under what the poll's one query says it is made from (the organizations,
WallScope.shown_state: data versions, open incidents, active silences, behind and stopped) and the minute,
so that the first poll after a change renders it and every other screen, token or member wall, takes it
from the cache. Screens that ask while it is being rendered wait for it rather than render it again
(cache_once.made_once); with the cache down, each poll renders its own, as before.

Settled for a few seconds: a busy organization's data version moves several times a second (every
webhook's refresh, every status read whose progress moved), and each move would have every set of
organizations that holds it rendered again. A board stays in use for settings.WALL_BOARD_SETTLE_SECONDS
after its render while only the data versions moved since; the next poll after that renders the state as
it is then. So a set of organizations costs at most one render in that many seconds, however fast its
encodings move, and a screen shows the mirror at most that much later. What is not data (an incident
opened or resolved, a silence, a sync found behind or stopped) shows at the next poll, as before.

Written as of one moment: within a minute, every render of the same organizations writes "running 4 min
12 s" and "3 min ago" as of the first one's time (dashboard_format.times_as_of), so that a board rendered
again with nothing new in it comes out the same byte for byte. The screen's words thus stand still for up to
a minute, as they did while a 304 kept them on screen; at the minute's turn they move on.

What differs between screens stays out of the shared part: the poll's address, interval and page rotation,
and the freshness (wall/_board.html around it), and the page's title.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from encodings_app.cache_once import cached, made_once, remember
from encodings_app.selectors import wall as wall_selectors
from encodings_app.selectors.etags import etag_of_shown
from encodings_app.templatetags.dashboard_format import times_as_of

KEY_PREFIX = "wall:board:"
AS_OF_PREFIX = "wall:as-of:"
LATEST_PREFIX = "wall:latest:"
# A board is keyed by its minute, so it is of no use after it: kept a little longer than that, then dropped.
BOARD_SECONDS = 120
# Part of every key: bump it when Board's fields change, so that a new release never reads a Board pickled by
# the one before (a change to the template alone needs nothing: the keys move on with the minute).
BOARD_FORMAT = 2


@dataclass(frozen=True)
class Board:
    """The banners and pages of a set of organizations, as HTML every screen showing them shares."""

    html: str
    digest: str  # of html
    names: tuple[str, ...]  # the organizations' names in the order shown: a display link's title
    rendered_at: float = 0.0  # a timestamp
    # What it was rendered from but the data versions (WallScope.shown_state): what must match for it to
    # stand in, while it settles, for a board of newer data.
    settled_state: tuple = ()

    @property
    def content(self) -> SafeString:
        return mark_safe(self.html)  # noqa: S308 - rendered by our own template, autoescaped


def shared_board(scope: wall_selectors.WallScope, now: datetime) -> Board:
    """The board of the scope's organizations at `now`: from the cache when another screen (or this one)
    rendered it for the same state this minute, rendered here otherwise."""
    minute = int(now.timestamp() // 60)
    latest_key = LATEST_PREFIX + _digest((BOARD_FORMAT, scope.organization_ids, minute))
    latest = cached(latest_key)
    if (
        isinstance(latest, Board)
        and latest.settled_state == scope.state_besides_data
        and now.timestamp() - latest.rendered_at < settings.WALL_BOARD_SETTLE_SECONDS
    ):
        return latest
    key = KEY_PREFIX + _digest((BOARD_FORMAT, scope.organization_ids, scope.shown_state, minute))

    def render() -> Board:
        board = _render(scope, now, _as_of(scope, minute, now))
        remember(latest_key, board, timeout=BOARD_SECONDS)
        return board

    return made_once(key, render, timeout=BOARD_SECONDS)


def screen_etag(board: Board, scope: wall_selectors.WallScope, poll_url: str) -> str:
    """The tag of what one screen shows: the shared board and the values wall/_board.html writes around it,
    but for the time of the last sync, which every answer (a 304 too) carries in its headers."""
    return etag_of_shown(
        (board.digest, poll_url, scope.poll_seconds, scope.rotate_seconds, scope.behind, scope.sync_stopped)
    )


def _as_of(scope: wall_selectors.WallScope, minute: int, now: datetime) -> datetime:
    """The moment the board's relative times are written at: the first render of these organizations in this
    minute (this one's when the cache cannot say)."""
    key = AS_OF_PREFIX + _digest((scope.organization_ids, minute))
    held = made_once(key, now.timestamp, timeout=BOARD_SECONDS)
    return datetime.fromtimestamp(held, tz=UTC)


def _render(scope: wall_selectors.WallScope, now: datetime, as_of: datetime) -> Board:
    banners = wall_selectors.incident_banners(scope, now)
    pages = wall_selectors.pages(scope, now=now, banner_lines=banners.lines)
    with times_as_of(as_of):
        html = render_to_string("wall/_shared_board.html", {"pages": pages, "banners": banners})
    return Board(
        html=html,
        digest=hashlib.sha256(html.encode()).hexdigest(),
        names=tuple(board.organization.name for page in pages for board in page.boards),
        rendered_at=now.timestamp(),
        settled_state=scope.state_besides_data,
    )


def _digest(parts: tuple) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
