"""bench_load's load: wall screens and operators played by locust, headless, in a process of its own.

`python -m devtools.load_runner PLAN.json` (bench_load writes the plan and starts it). locust patches the
standard library for gevent when it is imported, so it runs here, never in a Django process.

- A wall screen opens its display link once (which leaves the link's cookie), loads the page it is sent
  to, reads its poll interval from the page, and then polls the board as the page's htmx does: every
  interval, with HX-Request and, from its second poll on, If-None-Match with the last ETag it was given
  (static/js/wall.js). The screens start at random moments of their first interval, as TVs switched on
  over a morning would.
- An operator signs in, then goes from page to page of their organizations: the overview, the encodings
  list (plain, filtered or searched), an encoding's detail page reached from the list. On each page it
  stays a while (the think time), and while it stays, the page's live part polls as htmx would, at the
  interval the page gives, with the ETag the part carries (static/js/app.js).

Once every screen has opened its link and every operator has signed in, the statistics start from zero
and the line MEASURING is printed; after the measured seconds, DONE; then one JSON line with the
statistics of the measured window.
"""

from __future__ import annotations

import html
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, events, task
from locust.env import Environment

# What the operators look for in the list, as the list's URL has it: filters, a label with a sort, and the
# search in the API's syntax (the README's examples).
LIST_QUERIES = (
    "",
    "status=ERROR",
    "status=RUNNING&status=QUEUED",
    "sort=name&label=vod",
    "stuck=on",
)
SEARCH_QUERIES = (
    "search=name%3AHighlights%2A",
    "search=labels%3Apremium",
    "search=Highlights",
)
# Where an operator goes next, by weight.
OPERATOR_PAGES = {"overview": 2, "list": 3, "search": 1, "detail": 4}
DETAIL_LINK = re.compile(r'href="(/o/[\w-]+/encodings/[\w-]{8,64}/)(?:\?[^"]*)?"')
POLL_EVERY = re.compile(r"every (\d+)s")
# The element htmx polls: the overview's, the list's results and the detail page's live part.
LIVE_PART = re.compile(r'<[a-z]+ id="[\w-]+" class="live"[^>]*\bdata-poll\b[^>]*>')
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Seconds before a screen's first load or a sign-in that failed is tried again.
RETRY_SECONDS = 5
# Status codes seen, per request name, in the current window: the share of wall polls answered 304.
statuses: dict[str, Counter] = defaultdict(Counter)
ready: set[int] = set()


@events.request.add_listener
def _count_status(name, response, exception, **kwargs) -> None:
    code = getattr(response, "status_code", None) if exception is None else "error"
    statuses[name][str(code)] += 1


def _expect(response, *codes: int) -> bool:
    """Mark an answer of another status as a failure; True when it was one of `codes`."""
    if response.status_code in codes:
        response.success()
        return True
    error = getattr(response, "error", None)
    # No status: no answer came (the load generator's 60 s timeout, a connection refused or reset).
    response.failure(
        f"no answer: {type(error).__name__}" if not response.status_code else f"status {response.status_code}"
    )
    return False


class WallScreen(FastHttpUser):
    plan: dict = {}
    _links = itertools.count()

    def wait_time(self) -> float:
        return 0.0  # each poll waits for its own moment (poll)

    def on_start(self) -> None:
        links = self.plan["links"]
        self.link = urlsplit(links[next(self._links) % len(links)]).path
        # A screen whose first load fails is loaded again, as a kiosk browser does, until it shows.
        while not self._open():
            gevent.sleep(RETRY_SECONDS)
        self.etag = None
        self.next_poll = time.monotonic() + random.uniform(0, self.poll_seconds)  # noqa: S311
        ready.add(id(self))

    def _open(self) -> bool:
        # The link's code for the cookie, and a redirect to the screen's own address.
        with self.client.get(
            self.link, name="wall open", allow_redirects=False, catch_response=True
        ) as opened:
            if not _expect(opened, 303):
                return False
            self.board = urlsplit(opened.headers["Location"]).path
        with self.client.get(self.board, name="wall page", catch_response=True) as page:
            if not _expect(page, 200):
                return False
            self.poll_seconds = int(re.search(r'data-poll-seconds="(\d+)"', page.text).group(1))
        return True

    @task
    def poll(self) -> None:
        # htmx's "every Ns" re-arms when it fires, not when the answer comes: the moments are set in advance.
        gevent.sleep(max(0.0, self.next_poll - time.monotonic()))
        self.next_poll += self.poll_seconds
        headers = {"HX-Request": "true"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.get(self.board, name="wall poll", headers=headers, catch_response=True) as answer:
            if _expect(answer, 200, 304):
                self.etag = answer.headers.get("ETag") or self.etag


class Operator(FastHttpUser):
    plan: dict = {}
    _logins = itertools.count()

    def wait_time(self) -> float:
        return 0.0  # the think time is spent on the page, where its live part polls

    def on_start(self) -> None:
        logins = self.plan["logins"]
        self.login = logins[next(self._logins) % len(logins)]
        self.details: dict[str, list[str]] = {}
        # A sign-in that fails (no answer in time) is tried again, as a person would.
        while not self._sign_in():
            gevent.sleep(RETRY_SECONDS)
        ready.add(id(self))

    def _sign_in(self) -> bool:
        with self.client.get("/login/", name="login page", catch_response=True) as page:
            if not _expect(page, 200):
                return False
            token = CSRF_INPUT.search(page.text).group(1)
        form = {
            "username": self.login["username"],
            "password": self.plan["password"],
            "csrfmiddlewaretoken": token,
        }
        with self.client.post(
            "/login/", data=form, name="login", allow_redirects=False, catch_response=True
        ) as signed_in:
            return _expect(signed_in, 302)

    @task
    def visit(self) -> None:
        slug = random.choice(self.login["organizations"])  # noqa: S311
        page = random.choices(list(OPERATOR_PAGES), weights=list(OPERATOR_PAGES.values()))[0]  # noqa: S311
        if page == "detail" and not self.details.get(slug):
            page = "list"  # the detail pages are reached from the list
        if page == "overview":
            self._stay(f"/o/{slug}/", "overview", "overview live")
        elif page in ("list", "search"):
            query = random.choice(LIST_QUERIES if page == "list" else SEARCH_QUERIES)  # noqa: S311
            name = "list" if page == "list" else "list search"
            self._stay(f"/o/{slug}/encodings/?{query}", name, f"{name} live", slug=slug)
        else:
            self._stay(random.choice(self.details[slug]), "detail", "detail live")  # noqa: S311

    def _think(self) -> float:
        low, high = self.plan["think_seconds"]
        return random.uniform(low, high)  # noqa: S311

    def _stay(self, url: str, name: str, live_name: str, slug: str = "") -> None:
        """Open a page, then poll its live part as htmx would until the think time is up: at the interval
        the page gives, with the ETag the part carries, until an answer stops it."""
        leave = time.monotonic() + self._think()
        with self.client.get(url, name=name, catch_response=True) as page:
            text = page.text if _expect(page, 200) else ""
        if slug:
            found = list(dict.fromkeys(DETAIL_LINK.findall(text)))
            if found:
                self.details[slug] = found
        live = _live_part(text)
        while live and "hx-get" in live:
            interval = int(POLL_EVERY.search(live["hx-trigger"]).group(1))
            if time.monotonic() + interval >= leave:
                break
            gevent.sleep(interval)
            headers = {"HX-Request": "true"}
            if live.get("data-etag"):
                headers["If-None-Match"] = live["data-etag"]
            with self.client.get(
                live["hx-get"], name=live_name, headers=headers, catch_response=True
            ) as answer:
                # 304: nothing changed, what is on screen stays; 286: the encoding ended, polling stops.
                if not _expect(answer, 200, 286, 304):
                    continue
                if answer.status_code == 286:
                    break
                if answer.status_code == 200:
                    live = _live_part(answer.text)
        gevent.sleep(max(0.0, leave - time.monotonic()))


def _live_part(text: str) -> dict[str, str] | None:
    """The attributes of the page's polled part (data-poll), its hx-get and data-etag unescaped as the
    browser reads them (a tag is quoted: &quot;...&quot; in the page); None if it has none."""
    found = LIVE_PART.search(text)
    if found is None:
        return None
    attributes = dict(ATTRIBUTE.findall(found.group(0)))
    for name in ("hx-get", "data-etag"):
        if name in attributes:
            attributes[name] = html.unescape(attributes[name])
    return attributes


def _page_row(entry) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "p50_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "max_ms": round(entry.max_response_time or 0),
        "mean_ms": round(entry.avg_response_time, 1),
    }


def _say(line: str) -> None:
    print(line, flush=True)


def main(plan_path: str) -> None:
    with open(plan_path, encoding="utf-8") as file:
        plan = json.load(file)
    for user_class, count in ((WallScreen, plan["walls"]), (Operator, plan["operators"])):
        user_class.plan = plan
        user_class.fixed_count = count
        user_class.host = plan["host"]
    classes = [c for c in (WallScreen, Operator) if c.fixed_count]
    environment = Environment(user_classes=classes, events=events)
    runner = environment.create_local_runner()
    users = plan["walls"] + plan["operators"]
    began = time.monotonic()
    runner.start(users, spawn_rate=plan["spawn_rate"])
    # A user whose start raised (a page unlike what it expects) never gets ready: no use waiting for it.
    while len(ready) < users and not runner.exceptions and time.monotonic() - began < plan["warmup_timeout"]:
        gevent.sleep(0.2)
    warmup = {
        "seconds": round(time.monotonic() - began, 1),
        "users_ready": len(ready),
        "failures": runner.stats.total.num_failures,
    }
    login = runner.stats.entries.get(("login", "POST"))
    if login is not None:
        warmup["login_p50_ms"] = login.get_response_time_percentile(0.5)
    if len(ready) < users:
        warmup["errors"] = {f"{e.name}: {e.error}": e.occurrences for e in runner.stats.errors.values()}
        warmup["exceptions"] = [e["msg"] for e in runner.exceptions.values()]
        runner.quit()
        _say(json.dumps({"error": f"only {len(ready)} of {users} users started", "warmup": warmup}))
        sys.exit(1)
    runner.stats.reset_all()
    statuses.clear()
    cpu_began = time.process_time()
    _say("MEASURING")
    measured_from = time.monotonic()
    gevent.sleep(plan["measure_seconds"])
    seconds = time.monotonic() - measured_from
    _say("DONE")
    stats = runner.stats
    pages = {
        name: _page_row(entry)
        for (name, _method), entry in sorted(stats.entries.items())
        if entry.num_requests
    }
    result = {
        "seconds": round(seconds, 1),
        "requests": stats.total.num_requests,
        "failures": stats.total.num_failures,
        "total": _page_row(stats.total),
        "pages": pages,
        "statuses": {name: dict(counts) for name, counts in sorted(statuses.items())},
        "errors": {f"{e.name}: {e.error}": e.occurrences for e in stats.errors.values()},
        "warmup": warmup,
        "load_generator_cpu_share": round((time.process_time() - cpu_began) / seconds, 2),
    }
    runner.quit()
    _say(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
