"""Command line: python -m simulator --port 8765 [--seed N] [--encodings N] ..."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

from simulator.app import Config, Simulator
from simulator.faults import parse_spec


def _on_off(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "true", "yes", "1"):
        return True
    if lowered in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError("use on or off")


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("use a number of seconds") from None
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError("use a number of seconds greater than 0")
    return seconds


def _faults(value: str) -> str:
    try:
        parse_spec(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return number


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m simulator", description="Bitmovin-compatible encoding API simulator"
    )
    p.add_argument(
        "--port", type=int, default=8765, help="port on 127.0.0.1; 0 picks a free one (default 8765)"
    )
    p.add_argument("--seed", type=int, default=1, help="seed of every random choice (default 1)")
    p.add_argument("--encodings", type=int, default=200, help="encodings created at start-up (default 200)")
    p.add_argument(
        "--organizations",
        type=int,
        default=2,
        help="organizations per account: a root plus N-1 sub-organizations (default 2)",
    )
    p.add_argument("--accounts", type=int, default=2, help="accounts, each with its own API key (default 2)")
    p.add_argument(
        "--speed", type=_positive, default=1.0, help="compress durations and arrivals by X (default 1)"
    )
    p.add_argument(
        "--api-key",
        dest="api_keys",
        action="extend",
        nargs="+",
        default=[],
        metavar="KEY",
        help="extra API keys that reach every organization (repeatable)",
    )
    p.add_argument("--latency-ms", type=int, default=0, help="delay added to every API request (default 0)")
    p.add_argument(
        "--faults",
        type=_faults,
        default=None,
        metavar="SPEC",
        help='injected failures, e.g. "503=0.1,429=0.05,html=0.02,path=/encoding/*" (README)',
    )
    p.add_argument(
        "--rate-limits", type=_on_off, default=True, metavar="on|off", help="enforce rate limits (default on)"
    )
    p.add_argument(
        "--rate-limit-window",
        type=_positive_seconds,
        default=60.0,
        metavar="SECONDS",
        help="length of the rate-limit window (default 60; tests shorten it to speed time up)",
    )
    p.add_argument("--state", default=None, metavar="FILE", help="load the world from FILE and save it there")
    p.add_argument(
        "--arrival-rate",
        type=float,
        default=60.0,
        help="new encodings per organization per hour, before --speed (default 60; 0 turns them off)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    config = Config(
        port=args.port,
        seed=args.seed,
        encodings=max(0, args.encodings),
        organizations=max(1, args.organizations),
        accounts=max(1, args.accounts),
        speed=args.speed,
        api_keys=list(args.api_keys),
        latency_ms=max(0, args.latency_ms),
        faults=args.faults,
        rate_limits=args.rate_limits,
        rate_limit_window_s=args.rate_limit_window,
        state=args.state,
        arrival_rate=max(0.0, args.arrival_rate),
        verbose=args.verbose,
    )
    began = time.monotonic()
    try:
        app = Simulator(config)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"simulator: cannot load state: {exc}", file=sys.stderr)
        return 2
    try:
        port = app.start()
    except OSError as exc:
        print(f"simulator: cannot listen on port {config.port}: {exc}", file=sys.stderr)
        return 2
    world = app.world
    origin = "loaded from " + str(config.state) if app.loaded_from_state else f"seed {world.seed}"
    print(
        f"simulator: {world.count()} encodings in {len(world.orgs)} organizations ({origin}), "
        f"speed {world.speed:g}, started in {time.monotonic() - began:.2f} s"
    )
    for account in world.accounts.values():
        for key in (k for k in world.keys.values() if k.account_id == account.id and not k.everywhere):
            orgs = ",".join(account.org_ids)
            print(f"simulator: api key {key.value} account {account.company} organizations {orgs}")
    print(f"simulator listening on http://127.0.0.1:{port}/v1", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop.wait()
    app.stop()
    print("simulator: stopped", flush=True)
    return 0
