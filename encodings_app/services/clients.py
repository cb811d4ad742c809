"""Building an API client for an organization: the one place where its API key is decrypted."""

from __future__ import annotations

import logging

from encodings_app import crypto
from encodings_app.bitmovin import BitmovinClient
from encodings_app.models import Organization
from encodings_app.services.ratelimit import ApiBudget, key_fingerprint

logger = logging.getLogger(__name__)

# Workers give up on a call sooner than an interactive default would: the next sweep tries again anyway.
WORKER_RETRY_BUDGET_S = 20.0


class KeyUnavailable(Exception):
    """The organization has no usable API key (none set, or it cannot be decrypted)."""


def client_for(
    organization: Organization, *, retry_budget_s: float = WORKER_RETRY_BUDGET_S, interactive: bool = False
) -> BitmovinClient:
    """A client speaking for this organization, spending from its key's shared request budget.

    Fails closed: a key that cannot be decrypted marks the organization and is never sent anywhere.
    """
    if not organization.api_key_encrypted:
        raise KeyUnavailable(f"{organization.name} has no API key")
    try:
        api_key = organization.decrypt_api_key()
    except crypto.DecryptionError:
        logger.error("API key of %s cannot be decrypted with the configured keys", organization.slug)
        if not organization.key_unreadable:
            organization.key_unreadable = True
            Organization.objects.filter(pk=organization.pk).update(key_unreadable=True)
        raise KeyUnavailable(
            f"The API key of {organization.name} cannot be decrypted; enter it again in the settings"
        ) from None
    return BitmovinClient(
        api_key,
        tenant_org_id=organization.tenant_org_id or None,
        base_url=organization.api_base_url,
        retry_budget_s=retry_budget_s,
        # A worker never sleeps through a 429: the sync records a pause and the sweep comes back later.
        max_rate_limit_wait_s=None if interactive else 0,
        before_request=ApiBudget(key_fingerprint(api_key)),
    )
