"""The all-organizations page narrowed to one Bitmovin account (``?account=<connection public id>``).

Only accounts the user sees an organization of can be chosen: an id of any other account reads exactly as
an id that names none, so the page never tells whether an account the user has no part in exists.
Built from what organizations_with_health already loaded: no query of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from encodings_app.selectors.organizations import OrganizationHealth

ACCOUNT_PARAMETER = "account"


@dataclass(frozen=True)
class AccountChoice:
    public_id: str
    name: str
    organizations: int


@dataclass(frozen=True)
class AccountNarrowing:
    # Every account the user sees an organization of, by name.
    accounts: list[AccountChoice]
    # The organizations shown: those of the chosen account, else all.
    healths: list[OrganizationHealth]
    chosen: AccountChoice | None = None
    # Why the address's account was not used, in plain words; the page then shows every organization.
    notes: list[str] = field(default_factory=list)

    @property
    def offered(self) -> bool:
        """Narrowing is offered as links once there is more than one account to choose from."""
        return len(self.accounts) > 1

    @property
    def query(self) -> str:
        """The page's own query string as shown (what its poll asks for again)."""
        return f"{ACCOUNT_PARAMETER}={self.chosen.public_id}" if self.chosen else ""


def accounts_of(healths: Sequence[OrganizationHealth]) -> list[AccountChoice]:
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for health in healths:
        connection = health.organization.connection
        if connection is None:
            continue
        key = str(connection.public_id)
        counts[key] = counts.get(key, 0) + 1
        names[key] = connection.name
    choices = [AccountChoice(public_id=key, name=names[key], organizations=counts[key]) for key in counts]
    return sorted(choices, key=lambda choice: (choice.name.casefold(), choice.public_id))


def narrowed_by_account(healths: list[OrganizationHealth], raw: str | None) -> AccountNarrowing:
    accounts = accounts_of(healths)
    raw = (raw or "").strip()
    if not raw:
        return AccountNarrowing(accounts=accounts, healths=healths)
    try:
        public_id = str(uuid.UUID(raw))
    except ValueError:
        note = f"“{raw[:40]}” is not the id of a Bitmovin account; showing every organization."
        return AccountNarrowing(accounts=accounts, healths=healths, notes=[note])
    chosen = next((account for account in accounts if account.public_id == public_id), None)
    if chosen is None:
        note = "You see no organization of the Bitmovin account in the address; showing every organization."
        return AccountNarrowing(accounts=accounts, healths=healths, notes=[note])
    shown = [
        health
        for health in healths
        if health.organization.connection is not None
        and str(health.organization.connection.public_id) == public_id
    ]
    return AccountNarrowing(accounts=accounts, healths=shown, chosen=chosen)
