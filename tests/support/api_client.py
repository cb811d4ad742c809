"""The dashboard's own Bitmovin client pointed at the test simulator, to read what the API holds (not what
the mirror holds) in a test's checks."""

from __future__ import annotations

from encodings_app.bitmovin import BitmovinClient, DestinationPolicy
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
