"""What a Bitmovin resource id may look like, checked where ids enter from the API or a webhook.

Bitmovin's ids are UUIDs; the rule is wider (letters, digits, hyphens and underscores, up to 64 characters,
the mirror's column width) so that ids of other shapes keep working, and narrow enough that an id can go
into a URL path, an HTML attribute or a log line as it is: no slash, dot, space, quote or control character.
"""

from __future__ import annotations

import re

MAX_ID_LENGTH = 64
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None
