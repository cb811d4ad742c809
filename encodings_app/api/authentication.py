"""Personal API tokens sent as X-Api-Key, the way Bitmovin takes its keys.

A token acts exactly as its user: the same organizations, the same roles (encodings_app.access decides).
Only the token's SHA-256 is stored, so the lookup is one indexed equality on ApiToken.token_hash.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from encodings_app.models import ApiToken
from encodings_app.tokens import token_hash

HEADER = "X-Api-Key"
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates ``X-Api-Key: <token>``; no header means "try the next method" (the session)."""

    def authenticate(self, request) -> tuple[Any, ApiToken] | None:
        raw = request.META.get("HTTP_X_API_KEY")
        if raw is None:
            return None
        raw = raw.strip()
        if not raw:
            raise AuthenticationFailed("The X-Api-Key header is empty.")
        token = ApiToken.objects.select_related("user").filter(token_hash=token_hash(raw)).first()
        # One answer for unknown, revoked and deactivated: which one it was is nobody else's business.
        if token is None or not token.is_active or not token.user.is_active:
            raise AuthenticationFailed("The API key is not valid (unknown or revoked).")
        _touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 rather than 403 when credentials are missing or wrong.
        return HEADER


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    stale_before = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at >= stale_before:
        return
    # Conditional, so that parallel requests write it once.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before)
    ).update(last_used_at=now)
    token.last_used_at = now
