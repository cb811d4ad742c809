"""A value made once and shared, through the cache, by every process that asks for it at about the same time.

The wall's boards need this (encodings_app/views/wall_board.py): after a change, hundreds of screens showing
the same organizations poll within seconds of each other, and each would otherwise render the same board.
The first to ask takes a short lock (``cache.add``, which only one caller wins) and makes the value; the
others wait for it a little and, if it is late (its maker is slow, or died holding the lock), make it
themselves. A request never fails because of another, and never waits for it longer than `wait_seconds`.

The cache is a help, not a dependency: when it fails (Redis down or hanging), the value is made here and
returned, and the cache is left alone for a few seconds, so that a cache that hangs costs one request its
timeout, not every request (as services/liveness.py does for the pages' banner).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The lock outlives any making of a value worth waiting for, and expires by itself should its holder die.
LOCK_SECONDS = 10
# How long the others wait for the lock's holder before making the value themselves: a board renders in tens
# of milliseconds, a few hundred on a busy machine.
WAIT_SECONDS = 2.0
WAIT_STEP_SECONDS = 0.02
UNUSABLE_BACKOFF_SECONDS = 5.0
_unusable_until = 0.0


def _cache_usable() -> bool:
    return time.monotonic() >= _unusable_until


def _cache_failed(what: str, exc: Exception) -> None:
    """Log a failed cache operation and leave the cache alone for UNUSABLE_BACKOFF_SECONDS."""
    global _unusable_until
    _unusable_until = time.monotonic() + UNUSABLE_BACKOFF_SECONDS
    # The exception's type only: a Redis error's text may quote the cache's URL, with its password.
    logger.warning("%s: the cache failed (%s); made here without it", what, type(exc).__name__)


def made_once(
    key: str,
    make: Callable[[], T],
    *,
    timeout: int,
    wait_seconds: float = WAIT_SECONDS,
) -> T:
    """The value cached under `key`, made by `make` (and cached for `timeout` seconds) when there is none.

    `make` must not return None (the cache's "missing"), and every caller of one key must mean the same value.
    """
    if not _cache_usable():
        return make()
    try:
        found = cache.get(key)
        if found is not None:
            return found
        mine = cache.add(_lock(key), 1, timeout=LOCK_SECONDS)
    except Exception as exc:
        _cache_failed(key, exc)
        return make()
    if not mine:
        found = _wait_for(key, wait_seconds)
        if found is not None:
            return found
    try:
        value = make()
        try:
            cache.set(key, value, timeout=timeout)
        except Exception as exc:
            _cache_failed(key, exc)
    finally:
        if mine:
            # Those who wait see the value before the lock goes; a failed make frees the others at once.
            try:
                cache.delete(_lock(key))
            except Exception as exc:
                _cache_failed(key, exc)
    return value


def cached(key: str):
    """The value under `key`, or None when there is none or the cache fails (which it then is left alone)."""
    if not _cache_usable():
        return None
    try:
        return cache.get(key)
    except Exception as exc:
        _cache_failed(key, exc)
        return None


def remember(key: str, value: object, *, timeout: int) -> None:
    """Cache `value` under `key` if the cache can; a failure is logged and the cache left alone."""
    if not _cache_usable():
        return
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as exc:
        _cache_failed(key, exc)


def _lock(key: str) -> str:
    return f"{key}:making"


def _wait_for(key: str, wait_seconds: float):
    """The value once another has made it; None when it is late, or its maker gave up (the lock is gone and
    no value came: the make failed), and this caller makes it itself."""
    lock = _lock(key)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP_SECONDS)
        try:
            found = cache.get_many([key, lock])
        except Exception as exc:
            _cache_failed(key, exc)
            return None
        if key in found:
            return found[key]
        if lock not in found:
            return None
    logger.info("%s: not made by another within %.1f s; made here", key, wait_seconds)
    return None
