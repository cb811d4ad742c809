"""The dashboard's own Bitmovin client pointed at the test simulator, to read what the API holds (not what
the mirror holds) in a test's checks."""

from __future__ import annotations

from encodings_app.bitmovin import BitmovinClient, DestinationPolicy
from encodings_app.models import Organization
from tests.support.simulator import RunningSimulator


def simulator_client(
    simulator: RunningSimulator, tenant_org_id: str, api_key: str | None = None
) -> BitmovinClient:
    """A client of the simulator (on loopback, which only the tests allow) for one tenant."""
    return BitmovinClient(
        api_key or simulator.api_key,
        tenant_org_id=tenant_org_id,
        base_url=simulator.base_url,
        destinations=DestinationPolicy(allow_loopback=True),
    )


def point_at_simulator(organization: Organization, simulator: RunningSimulator, tenant_org_id: str, key: str):
    """The organization speaks to the simulator's tenant with this key (as an admin would set it up)."""
    organization.api_base_url = simulator.base_url
    organization.tenant_org_id = tenant_org_id
    organization.set_api_key(key)
    organization.save()
    return organization


def remove_registered_webhooks(
    organization: Organization, simulator: RunningSimulator, tenant_org_id: str, key: str
) -> None:
    """Delete at the simulator the webhooks the organization registered: it takes only five per event."""
    organization.refresh_from_db()
    with simulator_client(simulator, tenant_org_id, key) as api:
        for event, webhook_id in organization.registered_webhooks.items():
            api.delete_webhook(event, webhook_id)
