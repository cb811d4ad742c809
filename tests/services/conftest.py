"""What the webhook tests share: an organization with a signing secret, and the refreshes it queues."""

import pytest

from encodings_app import crypto
from encodings_app.tasks import sync_encoding
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
def enqueued(monkeypatch):
    """Refreshes queued once the delivery commits (the root fixture records them at the call)."""
    calls = []
    monkeypatch.setattr(sync_encoding, "delay", lambda *args: calls.append(args))
    return calls
