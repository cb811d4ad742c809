"""The schemathesis run's numbers, printed at the end of the pytest output (see conftest.py)."""

from __future__ import annotations

from typing import Any

RESULTS: list[dict[str, Any]] = []


def record(*, operations: int, examples: int, failures: int, statuses: dict[int, int]) -> None:
    RESULTS.append(
        {"operations": operations, "examples": examples, "failures": failures, "statuses": statuses}
    )


def lines() -> list[str]:
    return [
        f"schemathesis: {r['operations']} operations, {r['examples']} examples, {r['failures']} failures "
        f"(HTTP statuses seen: {', '.join(f'{s}: {n}' for s, n in sorted(r['statuses'].items()))})"
        for r in RESULTS
    ]
