"""The ETags of polled fragments (the wall, an encoding's live part): a short hash of what they show.

A poll sends the tag of what is on screen (If-None-Match) and gets a 304 without a body when the tag is
unchanged, so the tag must change whenever anything the fragment shows could. Two ways to get there:

- ``etag_of`` hashes what the fragment is made from, and the current minute: what a fragment says of time
  ("running 4 min", "stuck", "failed in 24 h") changes with time alone. Cheap (nothing is rendered), but
  it changes with every change to its parts, shown or not. The encoding's live part uses it.
- ``etag_of_shown`` hashes what the fragment shows: its rendered content (and the values of what frames
  it). It changes only when the fragment would look different, whatever moved underneath; time is in the
  content already. The wall uses it, on a board rendered once for every screen (views/wall_board.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any


def _tag(text: str) -> str:
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_of(parts: Iterable[Any], *, now: datetime) -> str:
    """A strong ETag (quoted) of ``parts`` and the current minute; ``parts`` must have a stable ``repr``."""
    return _tag(repr([*parts, int(now.timestamp() // 60)]))


def etag_of_shown(parts: Iterable[Any]) -> str:
    """A strong ETag (quoted) of what a fragment shows (rendered content, values written into it); ``parts``
    must have a stable ``repr``."""
    return _tag(repr(list(parts)))
