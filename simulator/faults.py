"""Injected failures: a compact spec, a seeded RNG, and counters of what was injected.

Spec: comma-separated ``kind=probability`` entries plus options, e.g.
``503=0.1,429=0.05,html=0.02,truncate=0.02,hang=0.01,path=/encoding/encodings*,hang_s=5,max=10``.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field

KINDS = ("500", "502", "503", "504", "429", "html", "truncate", "drop", "nonjson", "hang", "reset")
# Failures that replace the response before the request reaches the API.
BEFORE = frozenset(("500", "502", "503", "504", "429", "html", "hang", "reset"))
# Failures that damage a response the API produced.
AFTER = frozenset(("truncate", "drop", "nonjson"))
OPTIONS = ("path", "method", "latency", "hang_s", "max", "seed")
DEFAULT_HANG_S = 30.0
MAX_HANG_S = 120.0  # a hung request holds a thread; this bounds how long


@dataclass
class FaultSpec:
    rates: dict[str, float] = field(default_factory=dict)
    path: str | None = None
    method: str | None = None
    latency_ms: int = 0
    hang_s: float = DEFAULT_HANG_S
    max_faults: int | None = None
    seed: int | None = None

    def text(self) -> str:
        parts = [f"{k}={v:g}" for k, v in self.rates.items()]
        if self.path:
            parts.append(f"path={self.path}")
        if self.method:
            parts.append(f"method={self.method}")
        if self.latency_ms:
            parts.append(f"latency={self.latency_ms}")
        if self.hang_s != DEFAULT_HANG_S:
            parts.append(f"hang_s={self.hang_s:g}")
        if self.max_faults is not None:
            parts.append(f"max={self.max_faults}")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return ",".join(parts)


def parse_spec(text: str | None) -> FaultSpec:
    """Parse a spec; raises ValueError with a readable reason."""
    spec = FaultSpec()
    if not text or text.strip().lower() in ("", "none", "off"):
        return spec
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        name, sep, value = entry.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not sep or not value:
            raise ValueError(f"'{entry}' is not name=value")
        if name in KINDS:
            try:
                rate = float(value)
            except ValueError:
                raise ValueError(f"probability of {name} must be a number, not '{value}'") from None
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"probability of {name} must lie between 0 and 1")
            spec.rates[name] = rate
        elif name == "path":
            spec.path = value
        elif name == "method":
            spec.method = value.upper()
        elif name == "latency":
            spec.latency_ms = _number(name, value, int)
        elif name == "hang_s":
            spec.hang_s = min(MAX_HANG_S, _number(name, value, float))
        elif name == "max":
            spec.max_faults = _number(name, value, int)
        elif name == "seed":
            spec.seed = _number(name, value, int)
        else:
            raise ValueError(
                f"unknown fault '{name}'; kinds: {', '.join(KINDS)}; options: {', '.join(OPTIONS)}"
            )
    if sum(spec.rates.values()) > 1.0 + 1e-9:
        raise ValueError("the probabilities add up to more than 1")
    return spec


def _number(name: str, value: str, kind: type[int] | type[float]) -> int | float:
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not '{value}'") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return number


class Faults:
    def __init__(self, spec: FaultSpec, seed: int, latency_ms: int = 0) -> None:
        self._lock = threading.Lock()
        self._base_seed = seed
        self.base_latency_ms = latency_ms
        self.injected: dict[str, int] = {}
        self.set(spec)

    def set(self, spec: FaultSpec) -> None:
        with self._lock:
            self.spec = spec
            self._rng = random.Random(f"{spec.seed if spec.seed is not None else self._base_seed}:faults")
            self._count = 0

    def latency_s(self, method: str, path: str) -> float:
        """--latency-ms applies to every API request; the spec's latency only where the spec applies."""
        extra = self.spec.latency_ms if self.spec.latency_ms and self.applies(method, path) else 0
        return (self.base_latency_ms + extra) / 1000.0

    def applies(self, method: str, path: str) -> bool:
        spec = self.spec
        if spec.method and spec.method != method:
            return False
        return not spec.path or fnmatch.fnmatchcase(path, spec.path)

    def decide(self, method: str, path: str) -> str | None:
        """The fault for this request, if any; draws happen in request order from a seeded RNG."""
        spec = self.spec
        if not spec.rates or not self.applies(method, path):
            return None
        with self._lock:
            if spec.max_faults is not None and self._count >= spec.max_faults:
                return None
            draw = self._rng.random()
            edge = 0.0
            for kind, rate in spec.rates.items():
                edge += rate
                if draw < edge:
                    self._count += 1
                    self.injected[kind] = self.injected.get(kind, 0) + 1
                    return kind
        return None

    def snapshot(self) -> dict[str, object]:
        spec = self.spec
        return {
            "spec": spec.text(),
            "rates": dict(spec.rates),
            "path": spec.path,
            "method": spec.method,
            "latencyMs": spec.latency_ms,
            "baseLatencyMs": self.base_latency_ms,
            "hangSeconds": spec.hang_s,
            "max": spec.max_faults,
            "injected": dict(self.injected),
        }
