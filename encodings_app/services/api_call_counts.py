"""Calls each organization made to the Bitmovin API, by endpoint and answer, counted across every process.

A Prometheus counter kept in one process is invisible to a scrape answered by another (gunicorn's workers,
the Celery workers, perhaps on other machines), so these counts live in the shared cache (Redis in
production): one counter per (organization, endpoint key, outcome), added to atomically, read by /metrics
when it is scraped. The labels stay few: endpoint keys are the client's templates
("GET /encoding/encodings/{id}/status"), never paths with ids, and an outcome is an HTTP status, NO_ANSWER,
or REFUSED (our own request budget kept the call from being sent; no call was made).

So that a scrape reads every counter with one get_many, the (endpoint, outcome) pairs ever seen are listed in
one cache entry, which each count checks (one small read, next to the counter's own few round trips and far
below the API call's): a pair lost to two processes adding at once, to eviction or to expiry is back with
its next call. A counter expires COUNTER_SECONDS after it was created (every cache entry has an expiry; see
"Redis" in README.md): Prometheus reads that, like a restart, as a counter reset, which rate() and
increase() allow for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache as default_cache

from encodings_app.bitmovin import RateLimitedError
from encodings_app.bitmovin.transport import BeforeRequest
from encodings_app.services.ratelimit import counter_incr, window_key

logger = logging.getLogger(__name__)

NO_ANSWER = "none"
REFUSED = "refused"
PAIRS_KEY = "api-calls:pairs"
COUNTER_SECONDS = 30 * 24 * 3600

Pair = tuple[str, str]  # (endpoint key, outcome)


class ApiCallCounter:
    """The counts of one organization's client: `attempted` is its after_attempt hook, and `spending(budget)`
    wraps its before_request hook to count the calls our own budget refused."""

    def __init__(self, organization_id: int, *, cache=None) -> None:
        self.organization_id = organization_id
        self.cache = cache or default_cache

    def attempted(self, method: str, endpoint: str, status: int | None) -> None:
        self._count(endpoint, NO_ANSWER if status is None else str(status))

    def spending(self, budget: BeforeRequest) -> BeforeRequest:
        def before_request(method: str, endpoint: str) -> None:
            try:
                budget(method, endpoint)
            except RateLimitedError:
                self._count(endpoint, REFUSED)
                raise

        return before_request

    def _count(self, endpoint: str, outcome: str) -> None:
        try:
            _list_pair(self.cache, (endpoint, outcome))
            counter_incr(
                self.cache, counter_key(self.organization_id, endpoint, outcome), timeout=COUNTER_SECONDS
            )
        except Exception as exc:
            # A count is bookkeeping: the cache's failure must not fail the call being counted.
            logger.warning("API call to %s not counted: %s", endpoint, type(exc).__name__)


def counter_key(organization_id: int, endpoint: str, outcome: str) -> str:
    return window_key(f"api-calls:{organization_id}:{endpoint}", outcome)


def _list_pair(cache, pair: Pair) -> None:
    # Read back after writing: another process writing its own pair at the same moment may have won.
    for _attempt in range(3):
        listed = {tuple(item) for item in cache.get(PAIRS_KEY) or ()}
        if pair in listed:
            return
        cache.set(PAIRS_KEY, sorted(listed | {pair}), timeout=COUNTER_SECONDS)


def counts_by_organization(organization_ids: Iterable[int], *, cache=None) -> dict[int, dict[Pair, int]]:
    """{organization id: {(endpoint, outcome): count}} for every counter in the cache: two cache reads."""
    cache = cache or default_cache
    pairs = [tuple(pair) for pair in cache.get(PAIRS_KEY) or ()]
    keys = {
        counter_key(organization_id, endpoint, outcome): (organization_id, (endpoint, outcome))
        for organization_id in organization_ids
        for endpoint, outcome in pairs
    }
    counts: dict[int, dict[Pair, int]] = {}
    for key, value in cache.get_many(list(keys)).items():
        organization_id, pair = keys[key]
        counts.setdefault(organization_id, {})[pair] = int(value)
    return counts
