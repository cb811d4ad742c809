"""What the service tests share: an organization with a signing secret and the API keys' published
limits."""

import pytest

from encodings_app import crypto
from tests.factories import make_organization


@pytest.fixture
def organization(db):
    organization = make_organization("acme")
    organization.ensure_webhook_secret()
    organization.save()
    return organization


@pytest.fixture
def secret(organization):
    return crypto.decrypt(organization.webhook_secret_encrypted)


@pytest.fixture
def published_limits(settings):
    """Bitmovin's published per-key limits, with the default headroom and interactive reserve, whatever the
    environment says: 48 list calls a minute for background work, 54 for interactive calls."""
    settings.BITMOVIN_KEY_LIMIT_PER_MINUTE = 60
    settings.BITMOVIN_RATE_WINDOW_SECONDS = 60
    settings.SYNC_BUDGET_HEADROOM = 0.1
    settings.INTERACTIVE_RESERVED_SHARE = 0.1
