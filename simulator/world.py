"""The world: accounts, organizations, keys and encodings, behind one lock."""

from __future__ import annotations

import bisect
import random
import threading
from collections.abc import Iterable

from simulator.clock import Clock
from simulator.errors import ApiError, not_found
from simulator.ids import seeded_uuid
from simulator.lifecycle import is_terminal, status_at
from simulator.records import CREATED, Account, ApiKey, EncodingRecord, Organization


class World:
    """Everything the API serves. Hold `lock` while reading or changing it."""

    def __init__(self, *, seed: int, speed: float, clock: Clock, arrival_rate: float) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.speed = speed
        self.clock = clock
        self.arrival_rate = arrival_rate  # new encodings per organization per (unscaled) hour
        self.accounts: dict[str, Account] = {}
        self.orgs: dict[str, Organization] = {}
        self.keys: dict[str, ApiKey] = {}
        self.encodings: dict[str, EncodingRecord] = {}
        # Per organization, sorted by createdAt: newest-first listing walks it backwards.
        self.by_org: dict[str, list[EncodingRecord]] = {}
        # Encodings that may still change status on their own; the ticker watches only these.
        self.active: set[str] = set()
        self.next_arrival: dict[str, float] = {}
        # Separate streams so that API-created ids do not depend on when arrivals happened.
        self.rng = random.Random(f"{seed}:api")
        self.arrival_rng = random.Random(f"{seed}:arrivals")

    def now(self) -> float:
        return self.clock.now()

    # Accounts and organizations

    def add_account(self, account: Account) -> None:
        self.accounts[account.id] = account

    def add_org(self, org: Organization) -> None:
        self.orgs[org.id] = org
        self.by_org.setdefault(org.id, [])
        account = self.accounts[org.account_id]
        if org.id not in account.org_ids:
            account.org_ids.append(org.id)
        if org.type == "ROOT_ORGANIZATION":
            account.root_org_id = org.id

    def remove_org(self, org_id: str) -> None:
        """The organization leaves the world, as if deleted in Bitmovin: no key reaches it any more, and its
        encodings go with it. A root stays: a key's requests without a tenant act in it."""
        org = self.orgs.get(org_id)
        if org is None:
            raise not_found("Organization", org_id)
        if org.type == "ROOT_ORGANIZATION":
            raise ApiError(400, 1001, "Parameter not valid", "A root organization cannot be removed")
        del self.orgs[org_id]
        self.accounts[org.account_id].org_ids.remove(org_id)
        self.next_arrival.pop(org_id, None)
        for rec in self.by_org.pop(org_id, []):
            self.encodings.pop(rec.id, None)
            self.active.discard(rec.id)

    def add_key(self, key: ApiKey) -> None:
        self.keys[key.value] = key
        account = self.accounts[key.account_id]
        if key.id not in account.key_ids:
            account.key_ids.append(key.id)

    def reachable_org_ids(self, key: ApiKey) -> list[str]:
        if key.everywhere:
            return list(self.orgs)
        return list(self.accounts[key.account_id].org_ids)

    def default_org_id(self, key: ApiKey) -> str:
        return self.accounts[key.account_id].root_org_id

    def resolve_org(self, key: ApiKey, tenant: str | None) -> Organization:
        """The organization a request acts in: the tenant header if given, else the key's root."""
        if not tenant:
            return self.orgs[self.default_org_id(key)]
        if tenant not in self.reachable_org_ids(key):
            raise ApiError(
                403,
                1003,
                "Unauthorized",
                f"The API key is not authorized to access organization '{tenant}'",
                field="X-Tenant-Org-Id",
            )
        return self.orgs[tenant]

    # Encodings

    def new_id(self) -> str:
        return seeded_uuid(self.rng)

    def add_encoding(self, rec: EncodingRecord) -> None:
        self.encodings[rec.id] = rec
        items = self.by_org.setdefault(rec.org_id, [])
        if not items or items[-1].created_at <= rec.created_at:
            items.append(rec)
        else:
            bisect.insort(items, rec, key=lambda r: r.created_at)
        self.watch(rec)

    def add_many(self, org_id: str, records: Iterable[EncodingRecord]) -> None:
        items = self.by_org.setdefault(org_id, [])
        items.extend(records)
        items.sort(key=lambda r: r.created_at)
        for rec in items:
            self.encodings[rec.id] = rec
            self.watch(rec)

    def remove_encoding(self, rec: EncodingRecord) -> None:
        self.encodings.pop(rec.id, None)
        self.active.discard(rec.id)
        items = self.by_org.get(rec.org_id, [])
        index = bisect.bisect_left(items, rec.created_at, key=lambda r: r.created_at)
        while index < len(items):
            if items[index] is rec:
                del items[index]
                return
            index += 1

    def find(self, org_id: str, encoding_id: str) -> EncodingRecord:
        rec = self.encodings.get(encoding_id)
        if rec is None or rec.org_id != org_id:
            raise not_found("Encoding", encoding_id)
        return rec

    def watch(self, rec: EncodingRecord) -> None:
        """Track a record while its plan can still move it to another status."""
        if rec.started_at is None:
            self.active.discard(rec.id)
            return
        now = self.now()
        if rec.end_at is not None and rec.end_at <= now and is_terminal(rec.announced):
            self.active.discard(rec.id)
        else:
            self.active.add(rec.id)

    def settle(self, rec: EncodingRecord) -> None:
        """Take the current status as already announced (no webhook for the initial state)."""
        rec.announced = status_at(rec, self.now()) if rec.started_at is not None else CREATED
        self.watch(rec)

    def count(self) -> int:
        return len(self.encodings)
