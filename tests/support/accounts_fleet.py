"""Twelve organizations read through three Bitmovin accounts, each a root with sub-organizations, for the
pages that group organizations by account (the switcher, the all-organizations page narrowed to one)."""

from __future__ import annotations

from encodings_app.models import AccountConnection, Organization
from tests.factories import make_connection, make_organization

# account name: [(organization name, its Bitmovin id, its parent's id or "" for the account's own)]
FLEET: dict[str, list[tuple[str, str, str]]] = {
    "Zephyr Broadcast": [
        ("Zephyr Sports", "z-sports", "z-root"),
        ("Zephyr", "z-root", ""),
        ("zephyr kids", "z-kids", "z-root"),
        ("Zephyr News", "z-news", "z-root"),
    ],
    "Acme account": [
        ("Acme Studios", "a-studios", "a-root"),
        ("Acme HQ", "a-root", ""),
        ("Acme Archive", "a-archive", "a-root"),
        ("Acme Live", "a-live", "a-root"),
    ],
    "Mondo account": [
        ("Mondo West", "m-west", "m-root"),
        ("Mondo", "m-root", ""),
        ("Mondo East", "m-east", "m-root"),
        # Its parent is not watched: it stands on its own after the tree.
        ("Mondo Lab", "m-lab", "m-elsewhere"),
    ],
}

# The switcher's order: accounts by name, in each the root then its sub-organizations by name (indented),
# then one whose parent is not watched.
GROUPED = [
    ("Acme account", [("Acme HQ", 0), ("Acme Archive", 1), ("Acme Live", 1), ("Acme Studios", 1)]),
    ("Mondo account", [("Mondo", 0), ("Mondo East", 1), ("Mondo West", 1), ("Mondo Lab", 0)]),
    ("Zephyr Broadcast", [("Zephyr", 0), ("zephyr kids", 1), ("Zephyr News", 1), ("Zephyr Sports", 1)]),
]


def make_accounts_fleet() -> dict[str, AccountConnection | Organization]:
    """The fleet, by account name and by organization name."""
    made: dict[str, AccountConnection | Organization] = {}
    for account, organizations in FLEET.items():
        connection = made[account] = make_connection(name=account, api_key=f"key-of-{account}")
        for name, tenant_org_id, parent_id in organizations:
            made[name] = make_organization(
                f"fleet-{tenant_org_id}",
                name=name,
                connection=connection,
                tenant_org_id=tenant_org_id,
                bitmovin_parent_id=parent_id,
            )
    return made
