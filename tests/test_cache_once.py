"""A value made once and shared through the cache (encodings_app/cache_once.py): those who ask while it is
being made wait for it; a maker that is late or gone, and a cache that fails, cost a request its own make,
never an error."""

import threading

import pytest
from django.core.cache import cache

from encodings_app import cache_once
from encodings_app.cache_once import made_once


class Maker:
    """A make() that counts its calls and, when `held`, blocks until the test releases it."""

    def __init__(self, value: str, *, held: bool = False) -> None:
        self.value = value
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        if not held:
            self.release.set()

    def __call__(self) -> str:
        self.calls += 1
        self.started.set()
        assert self.release.wait(timeout=30), "the test never released the make"
        return self.value


def test_a_value_is_made_once_and_then_read_from_the_cache():
    maker = Maker("board")
    assert made_once("test:once", maker, timeout=60) == "board"
    assert made_once("test:once", maker, timeout=60) == "board"
    assert maker.calls == 1
    assert cache.get("test:once:making") is None, "the lock goes once the value is there"


def test_callers_that_come_while_the_value_is_being_made_wait_for_it_instead_of_making_it(monkeypatch):
    waiters = 20
    first = Maker("rendered once", held=True)
    others = Maker("rendered again")
    waiting = threading.Semaphore(0)
    wait_for = cache_once._wait_for

    def counted_wait(key, wait_seconds):
        waiting.release()
        return wait_for(key, wait_seconds)

    monkeypatch.setattr(cache_once, "_wait_for", counted_wait)
    results: list[str] = []

    def ask(make) -> None:
        results.append(made_once("test:busy", make, timeout=60, wait_seconds=30))

    maker_thread = threading.Thread(target=ask, args=(first,))
    maker_thread.start()
    assert first.started.wait(timeout=30)
    threads = [threading.Thread(target=ask, args=(others,)) for _ in range(waiters)]
    for thread in threads:
        thread.start()
    for _ in range(waiters):
        assert waiting.acquire(timeout=30), "every later caller waits for the one making the value"
    first.release.set()
    for thread in [maker_thread, *threads]:
        thread.join(timeout=30)

    assert results == ["rendered once"] * (waiters + 1)
    assert (first.calls, others.calls) == (1, 0)


def test_a_caller_makes_the_value_itself_when_its_maker_is_late_or_gone():
    cache.add("test:orphan:making", 1, timeout=60)  # taken by a process that died while making the value
    maker = Maker("made here")
    assert made_once("test:orphan", maker, timeout=60, wait_seconds=0.1) == "made here"
    assert maker.calls == 1
    assert cache.get("test:orphan") == "made here", "and shared from now on"


def test_a_make_that_fails_frees_the_lock_for_the_next_caller():
    def broken() -> str:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        made_once("test:broken", broken, timeout=60)
    assert cache.get("test:broken:making") is None
    assert made_once("test:broken", Maker("made"), timeout=60) == "made"


def test_a_cache_that_fails_is_left_alone_a_while_and_every_caller_makes_its_own(monkeypatch, caplog):
    monkeypatch.setattr(cache_once, "_unusable_until", 0.0)
    asked = []

    def unreachable(*args, **kwargs):
        asked.append(args)
        raise ConnectionError("redis://:secret@cache:6379 unreachable")

    monkeypatch.setattr(cache_once.cache, "get", unreachable)
    maker = Maker("board")
    assert made_once("test:down", maker, timeout=60) == "board"
    assert made_once("test:down", maker, timeout=60) == "board"
    assert maker.calls == 2
    assert len(asked) == 1, "the second caller does not wait for the failed cache again"
    assert "test:down: the cache failed (ConnectionError)" in caplog.text
    assert "secret" not in caplog.text
