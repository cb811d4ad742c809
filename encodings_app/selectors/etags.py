"""The ETags of polled fragments (the wall, an encoding's live part): a short hash of what they show.

A poll sends the tag of what is on screen (If-None-Match) and gets a 304 without a body when the tag is
unchanged, so the tag must change whenever anything the fragment shows could. The minute is part of every
tag: what a fragment says of time ("running 4 min", "stuck", "failed in 24 h") changes with time alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any


def etag_of(parts: Iterable[Any], *, now: datetime) -> str:
    """A strong ETag (quoted) of ``parts`` and the current minute; ``parts`` must have a stable ``repr``."""
    text = repr([*parts, int(now.timestamp() // 60)])
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
