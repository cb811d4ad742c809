"""The simulator assembled: world, HTTP server, ticker, faults, rate limits and webhooks."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from simulator import generator, state
from simulator.clock import Clock
from simulator.errors import ApiError
from simulator.faults import Faults, parse_spec
from simulator.metrics import Metrics
from simulator.ratelimit import RateLimiter
from simulator.records import ApiKey
from simulator.server import SimServer
from simulator.ticker import Ticker, tick
from simulator.urls import API_ROUTES, CONTROL_ROUTES, router_for
from simulator.webhooks import Dispatcher, Registry
from simulator.world import World

log = logging.getLogger("simulator")


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8765
    seed: int = 1
    encodings: int = 200
    organizations: int = 2
    accounts: int = 2
    speed: float = 1.0
    api_keys: list[str] = field(default_factory=list)
    latency_ms: int = 0
    faults: str | None = None
    rate_limits: bool = True
    rate_limit_window_s: float = 60.0
    state: str | None = None
    arrival_rate: float = 60.0
    tick_s: float = 0.2
    autosave_s: float = 60.0
    verbose: bool = False


class Simulator:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.verbose = config.verbose
        self.faults = Faults(parse_spec(config.faults), config.seed, config.latency_ms)
        self.limiter = RateLimiter(enabled=config.rate_limits, window_s=config.rate_limit_window_s)
        self.metrics = Metrics()
        self.api = router_for(API_ROUTES)
        self.control = router_for(CONTROL_ROUTES)
        self.loaded_from_state = False
        if config.state and os.path.exists(config.state):
            self.world, self.registry = state.load(
                config.state, speed=config.speed, arrival_rate=config.arrival_rate
            )
            self.loaded_from_state = True
            self._add_cli_keys()
        else:
            self.world = World(
                seed=config.seed, speed=config.speed, clock=Clock(), arrival_rate=config.arrival_rate
            )
            self.registry = Registry()
            generator.build(
                self.world,
                encodings=config.encodings,
                organizations=config.organizations,
                accounts=config.accounts,
                api_keys=config.api_keys,
            )
        self.dispatcher = Dispatcher(self.registry)
        self.server: SimServer | None = None
        self._ticker: Ticker | None = None
        self._save_lock = threading.Lock()

    def _add_cli_keys(self) -> None:
        first = next(iter(self.world.accounts.values()))
        for value in self.config.api_keys:
            if value not in self.world.keys:
                key_id = self.world.new_id()
                self.world.add_key(ApiKey(key_id, value, first.id, self.world.now(), everywhere=True))

    def authenticate(self, value: str | None) -> ApiKey:
        key = self.world.keys.get(value) if value else None
        if key is None:
            raise ApiError(
                401,
                1002,
                "Invalid credentials",
                "The X-Api-Key header is missing" if not value else "The API key is not valid",
                field="X-Api-Key",
            )
        return key

    def tick(self) -> int:
        return tick(self)

    def start(self) -> int:
        """Bind, start serving and ticking in background threads; return the port."""
        self.server = SimServer((self.config.host, self.config.port), self)
        threading.Thread(target=self.server.serve_forever, name="simulator-http", daemon=True).start()
        autosave = self.config.autosave_s if self.config.state else None
        self._ticker = Ticker(self, self.config.tick_s, autosave)
        self._ticker.start()
        return int(self.server.server_address[1])

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self.save_state()
        self.dispatcher.close()

    def save_state(self) -> bool:
        if not self.config.state:
            return False
        with self._save_lock:
            with self.world.lock:
                data = state.snapshot(self.world, self.registry)
            state.write(self.config.state, data)
        return True
