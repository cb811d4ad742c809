"""The API's endpoints, one module per area."""

from __future__ import annotations

from simulator.endpoints import account, actions, definitions, encodings, live, notifications, statistics
from simulator.routing import Router


def register_api(router: Router) -> None:
    # Order matters where patterns overlap: the first route that matches path and method wins.
    for module in (encodings, actions, live, statistics, account, notifications, definitions):
        module.register(router)
