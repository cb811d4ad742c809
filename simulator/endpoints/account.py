"""Account information, organizations, sub-organizations and API keys."""

from __future__ import annotations

from typing import Any

from simulator.endpoints.common import optional_str, required_str
from simulator.errors import ApiError, bad_parameter, missing_field, not_found
from simulator.pagination import page_of
from simulator.records import ApiKey, Organization
from simulator.routing import Reply, Request
from simulator.timefmt import iso


def render_org(request: Request, org: Organization) -> dict[str, Any]:
    account = request.world.accounts[org.account_id]
    item = {
        "id": org.id,
        "name": org.name,
        "description": org.description,
        "createdAt": iso(org.created_at),
        "modifiedAt": iso(org.created_at),
        "type": org.type,
        "parentId": org.parent_id,
        "labelColor": org.label_color,
        "limitsPerResource": [],
        "signupSource": "BITMOVIN",
        "mfaRequired": False,
        "ownerUserId": account.user_id,
    }
    return {k: v for k, v in item.items() if v is not None}


def render_key(key: ApiKey) -> dict[str, Any]:
    return {"id": key.id, "value": key.value, "createdAt": iso(key.created_at)}


def information(request: Request) -> Reply:
    world = request.world
    assert request.key is not None
    with world.lock:
        account = world.accounts[request.key.account_id]
        keys = [k for k in world.keys.values() if k.account_id == account.id]
        result = {
            "id": account.id,
            "createdAt": iso(account.created_at),
            "modifiedAt": iso(account.created_at),
            "email": account.email,
            "firstName": account.first_name,
            "lastName": account.last_name,
            "company": account.company,
            "phone": "+43 1 2345678",
            "verified": True,
            "mfaEnabled": False,
            "tosAccepted": True,
            "apiKeys": [render_key(k) for k in keys],
        }
    return Reply(result)


def _reachable(request: Request, organization_id: str) -> Organization:
    world = request.world
    assert request.key is not None
    org = world.orgs.get(organization_id)
    if org is None:
        raise not_found("Organization", organization_id)
    if organization_id not in world.reachable_org_ids(request.key):
        raise ApiError(
            403, 1003, "Unauthorized", f"The API key may not access organization '{organization_id}'"
        )
    return org


def organizations(request: Request) -> Reply:
    world = request.world
    assert request.key is not None
    with world.lock:
        orgs = [world.orgs[o] for o in world.reachable_org_ids(request.key)]
        items = [render_org(request, o) for o in sorted(orgs, key=lambda o: (o.created_at, o.id))]
    return Reply(
        page_of(items, request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )


def create_organization(request: Request) -> Reply:
    """A new sub-organization (Bitmovin creates no other kind), under `parentId` or else the key's root; it
    belongs to its parent's account, so that account's keys reach it at once."""
    world = request.world
    assert request.key is not None
    body = request.json()
    name = required_str(body, "name").strip()
    if not name:
        raise missing_field("name")
    if body.get("type", "SUB_ORGANIZATION") != "SUB_ORGANIZATION":
        raise bad_parameter("type", "only sub-organizations can be created")
    with world.lock:
        parent = _reachable(request, optional_str(body, "parentId") or world.default_org_id(request.key))
        org = Organization(
            id=world.new_id(),
            name=name,
            account_id=parent.account_id,
            type="SUB_ORGANIZATION",
            created_at=world.now(),
            parent_id=parent.id,
            description=optional_str(body, "description"),
            label_color=optional_str(body, "labelColor") or Organization.label_color,
        )
        world.add_org(org)
        world.next_arrival[org.id] = world.now()
        result = render_org(request, org)
    return Reply(result, status=201)


def organization(request: Request, organization_id: str) -> Reply:
    with request.world.lock:
        return Reply(render_org(request, _reachable(request, organization_id)))


def sub_organizations(request: Request, organization_id: str) -> Reply:
    world = request.world
    with world.lock:
        _reachable(request, organization_id)
        subs = sorted(
            (o for o in world.orgs.values() if o.parent_id == organization_id), key=lambda o: o.created_at
        )
        items = [render_org(request, o) for o in subs]
    return Reply(
        page_of(items, request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )


def api_keys(request: Request) -> Reply:
    world = request.world
    assert request.key is not None
    with world.lock:
        keys = [render_key(k) for k in world.keys.values() if k.account_id == request.key.account_id]
    return Reply(
        page_of(keys, request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )
