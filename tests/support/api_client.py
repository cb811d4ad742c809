"""The dashboard's own Bitmovin client pointed at the test simulator, to read what the API holds (not what
the mirror holds) in a test's checks."""

from __future__ import annotations

from encodings_app.bitmovin import BitmovinClient, DestinationPolicy
from encodings_app.models import AccountConnection, Organization
from encodings_app.services.connections import connection_save, with_fresh_key_verdicts
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


def point_at(
    organization: Organization, *, base_url: str | None = None, api_key: str | None = None
) -> Organization:
    """Change where the organization's connection sends its key, or the key itself (a new connection when it
    has none), saved like the settings page saves them: a new key gives every organization of the connection
    a fresh chance. The organization passed in is saved too, with whatever else the test set on it."""
    connection = organization.connection
    if connection is None:
        connection = AccountConnection(name=organization.name)
    if base_url is not None:
        connection.api_base_url = base_url
    if api_key is not None:
        connection.set_api_key(api_key)
    connection_save(connection=connection, key_replaced=api_key is not None)
    organization.connection = connection
    if api_key is not None:
        with_fresh_key_verdicts(organization)
    organization.save()
    return organization


def point_at_simulator(
    organization: Organization, simulator: RunningSimulator, tenant_org_id: str, key: str
) -> Organization:
    """The organization speaks to the simulator's tenant with this key (as an admin would set it up)."""
    organization.tenant_org_id = tenant_org_id
    return point_at(organization, base_url=simulator.base_url, api_key=key)


def remove_registered_webhooks(
    organization: Organization, simulator: RunningSimulator, tenant_org_id: str, key: str
) -> None:
    """Delete at the simulator the webhooks the organization registered: it takes only five per event."""
    organization.refresh_from_db()
    with simulator_client(simulator, tenant_org_id, key) as api:
        for event, webhook_id in organization.registered_webhooks.items():
            api.delete_webhook(event, webhook_id)
