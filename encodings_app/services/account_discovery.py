"""What a Bitmovin API key reaches: its organizations and their sub-organizations, in the order an account
admin reads them (each root, then its sub-organizations, by name).

Bitmovin lists the organizations of the key (`/account/organizations`) and, per organization, its
sub-organizations (`/account/organizations/{id}/sub-organizations`). Both are read, every page of each, and
what they name is merged by id: an answer that leaves the sub-organizations out of the first list still
yields the whole tree. A sub-organization whose parent the key does not reach is listed after the trees.
"""

from __future__ import annotations

from dataclasses import dataclass

from encodings_app.bitmovin import BitmovinClient, OrganizationType
from encodings_app.bitmovin import Organization as ApiOrganization


@dataclass(frozen=True)
class ReachableOrganization:
    id: str
    name: str
    parent_id: str | None
    is_root: bool
    label_color: str | None
    # How deep in the tree it is shown: 0 for a root (or an orphan), 1 for a sub-organization under it.
    depth: int


def reachable_organizations(client: BitmovinClient) -> list[ReachableOrganization]:
    """Every organization the client's key reaches, parents before their sub-organizations. The client
    must speak for no tenant (X-Tenant-Org-Id would narrow what the key reaches)."""
    found: dict[str, ApiOrganization] = {item.id: item for item in client.iter_organizations()}
    for root in [item for item in found.values() if _is_root(item)]:
        for sub in client.iter_sub_organizations(root.id):
            found.setdefault(sub.id, sub)
    return _as_tree(found)


def _is_root(item: ApiOrganization) -> bool:
    return item.type == OrganizationType.ROOT_ORGANIZATION or not item.parent_id


def _as_tree(found: dict[str, ApiOrganization]) -> list[ReachableOrganization]:
    def by_name(item: ApiOrganization) -> tuple[str, str]:
        return ((item.name or "").casefold(), item.id)

    children: dict[str, list[ApiOrganization]] = {}
    for item in found.values():
        if not _is_root(item):
            children.setdefault(item.parent_id or "", []).append(item)
    tree: list[ReachableOrganization] = []
    for root in sorted((item for item in found.values() if _is_root(item)), key=by_name):
        tree.append(_reachable(root, depth=0))
        tree.extend(_reachable(sub, depth=1) for sub in sorted(children.pop(root.id, []), key=by_name))
    orphans = [item for subs in children.values() for item in subs]
    tree.extend(_reachable(item, depth=0) for item in sorted(orphans, key=by_name))
    return tree


def _reachable(item: ApiOrganization, *, depth: int) -> ReachableOrganization:
    return ReachableOrganization(
        id=item.id,
        name=item.name or item.id,
        parent_id=item.parent_id,
        is_root=_is_root(item),
        label_color=item.label_color,
        depth=depth,
    )
