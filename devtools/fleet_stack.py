"""The stack bench_fleet measures: bench_faults' production-shaped stack (devtools/fault_stack.py) with many
organizations behind a few API keys, time sped up, and the simulator's rate limits on.

The simulator has one account per key, each with its root organization and sub-organizations; every
account's generated key reaches its own organizations only, so the dashboard's organizations of one account
share that key's budget (seed_demo is run once per key). Time runs `speed` times faster on both sides:
the simulator's rate-limit window and the dashboard's (BITMOVIN_RATE_WINDOW_SECONDS) are a minute divided by
`speed`, and so are the sync interval, the safety net, the walk of every encoding's interval and the sweep's
period; the simulator's lifecycles and arrivals run `speed` times faster. A sync itself is not sped up.

The parts reach PostgreSQL directly: the cuttable proxy bench_faults needs would cost CPU here.
"""

from __future__ import annotations

from typing import Any

from devtools.fault_stack import FaultStack, StackError

# Speeds at which every sped-up setting stays a whole number of seconds (a minute, 30 s, 5 s, 300 s).
SPEEDS = (1, 2, 3, 5, 6, 10, 15, 30)
# The product's defaults in real seconds, divided by the speed for the stack.
REAL_SECONDS = {
    "BITMOVIN_RATE_WINDOW_SECONDS": 60,
    "SYNC_INTERVAL_SECONDS": 30,
    "SYNC_SAFETY_NET_SECONDS": 300,
    "SYNC_SWEEP_SECONDS": 5,
    "FULL_SYNC_INTERVAL_SECONDS": 6 * 3600,
}
# Webhook deliveries one address may post per (wall) minute: the product's 300, times the speed, since the
# simulator's deliveries come that much faster.
WEBHOOK_LIMIT_PER_REAL_MINUTE = 300
SEED = 11
# Status Tasks a run may read while the bench takes the history's as read (see bench_fleet).
HISTORY_STATUS_CALLS = 50


class FleetStack(FaultStack):
    FOLDER_PREFIX = "bench-fleet-"
    DATABASE_PROXY = False
    LATE_PARTS = ("sync worker", "refresh worker", "beat")

    def __init__(
        self, *, keys: int, organizations: int, speed: int, history_tasks_read: bool = False, **options: Any
    ) -> None:
        if speed not in SPEEDS:
            raise StackError(f"the speed must be one of {', '.join(map(str, SPEEDS))}")
        if keys < 1 or organizations % keys or organizations // keys < 2:
            raise StackError("the organizations must be shared out evenly, at least two per key")
        super().__init__(organizations=organizations, speed=speed, interval=30 // speed, **options)
        self.keys = keys
        self.history_tasks_read = history_tasks_read

    @property
    def window_seconds(self) -> int:
        """The length of the API's minute in the stack."""
        return 60 // self.speed

    def env(self) -> dict[str, str]:
        sped_up = {name: str(max(1, seconds // self.speed)) for name, seconds in REAL_SECONDS.items()}
        env = {
            **super().env(),
            **sped_up,
            "WEBHOOK_RATE_LIMIT_PER_MINUTE": str(WEBHOOK_LIMIT_PER_REAL_MINUTE * self.speed),
        }
        if self.history_tasks_read:
            # The bench takes the history's status Tasks as read once the first walks have stored them; a
            # first run would otherwise read 500 of them before it could (the steady state needs a few).
            env["SYNC_MAX_STATUS_CALLS"] = str(HISTORY_STATUS_CALLS)
        return env

    def simulator_arguments(self) -> list[str]:
        return [
            *("--port", str(self.free_port() if self._ports else 0), "--seed", str(SEED)),
            *("--encodings", str(self.encodings), "--accounts", str(self.keys)),
            *("--organizations", str(self.organizations // self.keys), "--speed", str(self.speed)),
            *("--rate-limit-window", str(self.window_seconds), "--arrival-rate", str(self.arrivals_per_hour)),
        ]

    def seed(self) -> None:
        """One run of seed_demo per key: each reads and registers the tenants its key reaches."""
        keys = self.simulator.generated_keys
        if len(keys) != self.keys:
            raise StackError(f"the simulator made {len(keys)} keys, not {self.keys}")
        for key in keys:
            self._manage("seed_demo", *self.seed_arguments(key))
        ((count,),) = self.query("SELECT count(*) FROM encodings_app_organization")
        self.log(f"{count} organizations seeded behind {len(keys)} keys")

    def key_of_tenants(self) -> dict[str, int]:
        """Which key (1, 2, ...: never the key itself) reaches each tenant."""
        accounts = self.simulator.control("GET", "accounts")["accounts"]
        numbers = self.key_numbers()
        return {
            tenant["id"]: numbers[account["apiKeys"][0]]
            for account in accounts
            for tenant in account["organizations"]
        }

    def key_numbers(self) -> dict[str, int]:
        """The simulator's keys by their number."""
        return {key: number for number, key in enumerate(self.simulator.generated_keys, start=1)}
