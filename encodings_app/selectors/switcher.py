"""The organization switcher's menu: the organizations a user sees, grouped by the Bitmovin account they are
read through.

Each account (connection) is a group named as the account is, in name order; in it the account's own
organizations and the parents first, each followed by its sub-organizations (by Bitmovin's parent id, when
the parent is watched too), by name within a level. A sub-organization whose parent is not watched stands
on its own after the trees, as the account's page lists them (services/account_discovery.py).
Organizations without a key come last, in a group of their own.

Built from what organizations_with_health already loaded (each organization with its connection): no query
of its own, however many organizations there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from encodings_app.selectors.organizations import OrganizationHealth

KEYLESS_GROUP_NAME = "Without a key"
# A longer menu gets a filter box: past this many organizations, reading the whole list is slower than
# typing a few letters.
FILTER_ABOVE = 10


@dataclass(frozen=True)
class SwitcherEntry:
    health: OrganizationHealth
    # 0 for an account's own organization, a parent, or one whose parent is not watched; 1 under its parent
    # (2 under that, though Bitmovin nests one level only).
    depth: int


@dataclass(frozen=True)
class SwitcherGroup:
    name: str
    # A stable handle for the group's heading id; "keyless" for the organizations without a key.
    key: str
    entries: list[SwitcherEntry]


@dataclass(frozen=True)
class SwitcherMenu:
    groups: list[SwitcherGroup]
    filterable: bool


def switcher_menu(healths: Sequence[OrganizationHealth]) -> SwitcherMenu:
    return SwitcherMenu(groups=switcher_groups(healths), filterable=len(healths) > FILTER_ABOVE)


def switcher_groups(healths: Iterable[OrganizationHealth]) -> list[SwitcherGroup]:
    by_connection: dict[int, list[OrganizationHealth]] = {}
    keyless: list[OrganizationHealth] = []
    for health in healths:
        connection_id = health.organization.connection_id
        if connection_id is None:
            keyless.append(health)
        else:
            by_connection.setdefault(connection_id, []).append(health)
    groups = []
    for members in by_connection.values():
        connection = members[0].organization.connection
        groups.append(
            SwitcherGroup(name=connection.name, key=str(connection.public_id), entries=_as_tree(members))
        )
    groups.sort(key=lambda group: (group.name.casefold(), group.key))
    if keyless:
        groups.append(
            SwitcherGroup(
                name=KEYLESS_GROUP_NAME,
                key="keyless",
                entries=[SwitcherEntry(health, 0) for health in sorted(keyless, key=_by_name)],
            )
        )
    return groups


def _by_name(health: OrganizationHealth) -> tuple[str, int]:
    return (health.organization.name.casefold(), health.organization.pk)


def _as_tree(members: list[OrganizationHealth]) -> list[SwitcherEntry]:
    watched = {health.organization.tenant_org_id for health in members if health.organization.tenant_org_id}
    children: dict[str, list[OrganizationHealth]] = {}
    roots: list[OrganizationHealth] = []
    orphans: list[OrganizationHealth] = []
    for health in members:
        parent_id = health.organization.bitmovin_parent_id
        if not parent_id:
            roots.append(health)
        elif parent_id in watched and parent_id != health.organization.tenant_org_id:
            children.setdefault(parent_id, []).append(health)
        else:
            orphans.append(health)
    entries: list[SwitcherEntry] = []
    placed: set[int] = set()

    def place(health: OrganizationHealth, depth: int) -> None:
        # A loop in what Bitmovin reported must still list each organization once.
        if health.organization.pk in placed:
            return
        placed.add(health.organization.pk)
        entries.append(SwitcherEntry(health, min(depth, 2)))
        tenant_org_id = health.organization.tenant_org_id
        for child in sorted(children.get(tenant_org_id, []) if tenant_org_id else [], key=_by_name):
            place(child, depth + 1)

    for health in [*sorted(roots, key=_by_name), *sorted(orphans, key=_by_name)]:
        place(health, 0)
    # Parents that point at each other only: no root among them, still listed.
    for health in sorted(members, key=_by_name):
        place(health, 0)
    return entries
