"""Random bearer tokens (personal API tokens, wall display links), stored only as hashes.

The tokens carry 256 bits of randomness, so a plain SHA-256 is the right hash: there is nothing to
brute-force, and lookups stay a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_hint(token: str) -> str:
    """What a page may show to tell tokens apart: the prefix and a few characters, never the secret part."""
    kind, _, secret = token.partition("_")
    return f"{kind}_{secret[:4]}…"
