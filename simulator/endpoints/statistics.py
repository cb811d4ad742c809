"""Statistics: overall, daily, per encoding, per finished encoding, per type and day, per label."""

from __future__ import annotations

from datetime import date, timedelta

from simulator import usage, usage_breakdown
from simulator.errors import bad_parameter
from simulator.pagination import page_of
from simulator.query import single
from simulator.records import LIVE, VOD
from simulator.routing import Reply, Request
from simulator.timefmt import day, day_start, parse_day

MAX_RANGE_DAYS = 366
DAILY_DAYS = 90


def _range(first_raw: str, last_raw: str) -> tuple[date, date]:
    try:
        first = parse_day(first_raw)
    except ValueError:
        raise bad_parameter("from", f"'{first_raw}' is not a date in the form yyyy-MM-dd") from None
    try:
        last = parse_day(last_raw)
    except ValueError:
        raise bad_parameter("to", f"'{last_raw}' is not a date in the form yyyy-MM-dd") from None
    if last < first:
        raise bad_parameter("to", "must not be before 'from'")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise bad_parameter("to", f"a range covers at most {MAX_RANGE_DAYS} days")
    return first, last


def overall(request: Request) -> Reply:
    world = request.world
    with world.lock:
        return Reply(usage.totals(world.by_org.get(request.org_id, []), world.now()))


def overall_range(request: Request, **params: str) -> Reply:
    first, last = _range(params["from"], params["to"])
    world = request.world
    with world.lock:
        records = world.by_org.get(request.org_id, [])
        item = usage.totals(records, world.now(), day_start(first), day_start(last + timedelta(days=1)))
    return Reply(
        page_of([item], request.paging(), base_url=request.base_url, path=request.path, query=request.query)
    )


def daily_recent(request: Request) -> Reply:
    """The last 90 days, newest first (README)."""
    paging = request.paging()
    world = request.world
    with world.lock:
        now = world.now()
        today = parse_day(day(now))
        rows = usage.daily(
            world.by_org.get(request.org_id, []), now, today - timedelta(days=DAILY_DAYS - 1), today
        )
    rows.reverse()
    return Reply(page_of(rows, paging, base_url=request.base_url, path=request.path, query=request.query))


def daily_range(request: Request, **params: str) -> Reply:
    """Every day of the range, oldest first, in one page: the SDK sends no paging here (README)."""
    first, last = _range(params["from"], params["to"])
    world = request.world
    with world.lock:
        rows = usage.daily(world.by_org.get(request.org_id, []), world.now(), first, last)
    return Reply({"offset": 0, "limit": len(rows), "totalCount": len(rows), "items": rows})


def per_encoding(request: Request, encoding_id: str) -> Reply:
    world = request.world
    with world.lock:
        rec = world.find(request.org_id, encoding_id)
        return Reply(usage.encoding_stats(rec, world.now()))


def per_encoding_list(request: Request, kind: str, **params: str) -> Reply:
    paging = request.paging()
    world = request.world
    low, high = 0.0, float("inf")
    if "from" in params:
        first, last = _range(params["from"], params["to"])
        low, high = day_start(first), day_start(last + timedelta(days=1))
    wanted = LIVE if kind == "live" else VOD
    with world.lock:
        now = world.now()
        done = [
            r
            for r in usage.finished(world.by_org.get(request.org_id, []), now, low, high)
            if r.type == wanted
        ]
        done.sort(key=lambda r: r.end_at or 0.0, reverse=True)
        window = done[paging.offset : paging.offset + paging.limit]
        items = [usage.encoding_statistics(r, now) for r in window]
    body = page_of(done, paging, base_url=request.base_url, path=request.path, query=request.query)
    body["items"] = items
    return Reply(body)


def per_type_daily(request: Request, kind: str, **params: str) -> Reply:
    """One EncodingStatistics per day of the range, oldest first, in one page: the SDK sends no paging."""
    first, last = _range(params["from"], params["to"])
    world = request.world
    with world.lock:
        rows = usage_breakdown.daily_by_type(
            world.by_org.get(request.org_id, []), world.now(), first, last, LIVE if kind == "live" else VOD
        )
    return Reply({"offset": 0, "limit": len(rows), "totalCount": len(rows), "items": rows})


def _wanted_labels(request: Request) -> frozenset[str] | None:
    """The `labels` query parameter: comma-separated label names; absent or empty means every label."""
    raw = single(request.query, "labels")
    if not raw:
        return None
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    return names or None


def per_label(request: Request, **params: str) -> Reply:
    """Totals per label, over the range or over all time, labels in alphabetical order."""
    paging = request.paging()
    wanted = _wanted_labels(request)
    low, high = 0.0, float("inf")
    if "from" in params:
        first, last = _range(params["from"], params["to"])
        low, high = day_start(first), day_start(last + timedelta(days=1))
    world = request.world
    with world.lock:
        rows = usage_breakdown.per_label(world.by_org.get(request.org_id, []), world.now(), low, high, wanted)
    return Reply(page_of(rows, paging, base_url=request.base_url, path=request.path, query=request.query))


def per_label_daily(request: Request, **params: str) -> Reply:
    """Per day, the figures of each label: the range oldest first, or the last 90 days newest first."""
    paging = request.paging()
    wanted = _wanted_labels(request)
    world = request.world
    with world.lock:
        now = world.now()
        if "from" in params:
            first, last = _range(params["from"], params["to"])
        else:
            last = parse_day(day(now))
            first = last - timedelta(days=DAILY_DAYS - 1)
        rows = usage_breakdown.daily_per_label(world.by_org.get(request.org_id, []), now, first, last, wanted)
    if "from" not in params:
        rows.reverse()
    return Reply(page_of(rows, paging, base_url=request.base_url, path=request.path, query=request.query))
