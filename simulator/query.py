"""The encodings list: parameter parsing, filters, the `search` syntax and sorting."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.errors import ApiError, bad_parameter
from simulator.lifecycle import modified_at, shown_times, status_at
from simulator.records import STATUSES, EncodingRecord
from simulator.timefmt import parse_datetime
from simulator.vocab import CLOUD_REGION_SET, ENCODING_MODES

DEFAULT_LIMIT, MAX_LIMIT = 25, 100
SORTABLE = (
    "id",
    "startedAt",
    "createdAt",
    "modifiedAt",
    "finishedAt",
    "type",
    "name",
    "status",
    "cloudRegion",
    "encoderVersion",
)
TYPES = ("VOD", "LIVE", "NONE")
DATE_FILTERS = (
    "createdAtNewerThan",
    "createdAtOlderThan",
    "startedAtNewerThan",
    "startedAtOlderThan",
    "finishedAtNewerThan",
    "finishedAtOlderThan",
)
Predicate = Callable[[EncodingRecord, float], bool]


@dataclass
class Paging:
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    include_total: bool = False


@dataclass
class ListQuery:
    paging: Paging
    predicates: list[Predicate] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    @property
    def default_order(self) -> bool:
        return not self.sort or self.sort == [("createdAt", True)]


def single(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    return values[-1]


def parse_bool(name: str, raw: str) -> bool:
    # The Python SDK sends str(True), so both spellings are accepted.
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad_parameter(name, f"'{raw}' is not a boolean (true or false)")


def parse_int(name: str, raw: str, low: int, high: int | None = None) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise bad_parameter(name, f"'{raw}' is not an integer") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_parameter(name, f"{value} must be {bounds}")
    return value


def parse_paging(query: dict[str, list[str]]) -> Paging:
    paging = Paging()
    raw = single(query, "offset")
    if raw is not None:
        paging.offset = parse_int("offset", raw, 0)
    raw = single(query, "limit")
    if raw is not None:
        paging.limit = parse_int("limit", raw, 0, MAX_LIMIT)
    raw = single(query, "includeTotalCount")
    if raw is not None:
        paging.include_total = parse_bool("includeTotalCount", raw)
    return paging


def _enum(query: dict[str, list[str]], name: str, allowed: tuple[str, ...] | frozenset[str]) -> str | None:
    raw = single(query, name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise bad_parameter(name, f"'{raw}' is not one of the allowed values")
    return raw


def parse_list_query(query: dict[str, list[str]]) -> ListQuery:
    q = ListQuery(parse_paging(query))
    add = q.predicates.append
    kind = _enum(query, "type", TYPES)
    if kind:
        add(lambda r, t, v=kind: r.type == v)
    status = _enum(query, "status", STATUSES)
    if status:
        add(lambda r, t, v=status: status_at(r, t) == v)
    region = _enum(query, "cloudRegion", CLOUD_REGION_SET)
    if region:
        add(lambda r, t, v=region: r.cloud_region == v)
    selected_region = _enum(query, "selectedCloudRegion", CLOUD_REGION_SET)
    if selected_region:
        add(lambda r, t, v=selected_region: _started(r, t) and r.selected_region == v)
    mode = _enum(query, "selectedEncodingMode", ENCODING_MODES)
    if mode:
        add(lambda r, t, v=mode: _started(r, t) and r.selected_mode == v)
    version = single(query, "encoderVersion")
    if version:
        add(lambda r, t, v=version: r.encoder_version == v)
    selected_version = single(query, "selectedEncoderVersion")
    if selected_version:
        add(lambda r, t, v=selected_version: _started(r, t) and r.selected_version == v)
    name = single(query, "name")
    if name:
        add(lambda r, t, v=name: r.name == v)
    search = single(query, "search")
    if search:
        add(parse_search(search))
    for param in DATE_FILTERS:
        raw = single(query, param)
        if raw:
            add(_date_filter(param, raw))
    raw_sort = single(query, "sort")
    if raw_sort:
        q.sort = parse_sort(raw_sort)
    return q


def _started(rec: EncodingRecord, t: float) -> bool:
    """The selected* values exist only once an encoding has started."""
    return rec.started_at is not None and rec.started_at <= t


def _date_filter(param: str, raw: str) -> Predicate:
    try:
        bound = parse_datetime(raw)
    except ValueError:
        raise bad_parameter(
            param, f"'{raw}' is not an ISO-8601 date-time such as 2024-01-02T03:04:05Z"
        ) from None
    newer = param.endswith("NewerThan")
    which = param.split("At", 1)[0]

    def value(r: EncodingRecord, t: float) -> float | None:
        if which == "created":
            return r.created_at
        started, _, end = shown_times(r)
        if which == "started":
            return started if started is not None and started <= t else None
        return end if end is not None and r.end_at is not None and r.end_at <= t else None

    if newer:
        return lambda r, t: (v := value(r, t)) is not None and v > bound
    return lambda r, t: (v := value(r, t)) is not None and v < bound


def parse_sort(raw: str) -> list[tuple[str, bool]]:
    result = []
    for part in raw.split(","):
        name, _, direction = part.strip().partition(":")
        if name not in SORTABLE:
            raise bad_parameter("sort", f"'{name}' is not sortable; use one of {', '.join(SORTABLE)}")
        direction = direction.lower() or "asc"
        if direction not in ("asc", "desc"):
            raise bad_parameter("sort", f"direction '{direction}' must be asc or desc")
        result.append((name, direction == "desc"))
    return result


# search: name:value and labels:value terms joined by AND; values exact or prefix*, quoted or not.
_TERM = re.compile(r'\s*(\w+):(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))(\*?)\s*')


def parse_search(raw: str) -> Predicate:
    terms: list[tuple[str, str, bool]] = []
    text = raw.strip()
    pos = 0
    while True:
        match = _TERM.match(text, pos)
        if not match:
            raise _search_error(raw, f"expected field:value at position {pos}")
        fieldname = match.group(1).lower()
        if fieldname not in ("name", "labels"):
            raise _search_error(raw, f"field '{match.group(1)}' is not searchable; use name or labels")
        quoted, bare, star = match.group(2), match.group(3), match.group(4)
        if quoted is not None:
            value, prefix = quoted.replace('\\"', '"'), bool(star)
        else:
            prefix = bare.endswith("*")
            value = bare[:-1] if prefix else bare
            if "*" in value or "?" in value:
                raise _search_error(raw, "wildcards are only allowed at the end of a value")
        if not value and not prefix:
            raise _search_error(raw, f"empty value for '{fieldname}'")
        terms.append((fieldname, value.casefold(), prefix))
        pos = match.end()
        if pos >= len(text):
            break
        joiner = re.compile(r"AND\s+", re.IGNORECASE).match(text, pos)
        if not joiner:
            raise _search_error(raw, "terms must be joined with AND")
        pos = joiner.end()
    return lambda r, t: all(_term_matches(r, term) for term in terms)


def _term_matches(rec: EncodingRecord, term: tuple[str, str, bool]) -> bool:
    fieldname, value, prefix = term
    candidates = (rec.name or "",) if fieldname == "name" else rec.labels
    for candidate in candidates:
        folded = candidate.casefold()
        if folded.startswith(value) if prefix else folded == value:
            return True
    return False


def _search_error(raw: str, problem: str) -> ApiError:
    return bad_parameter("search", f"{problem} in '{raw}'")


def sort_key(name: str, t: float) -> Callable[[EncodingRecord], tuple[bool, object]]:
    """Missing values (never started, not finished) sort before all others."""

    def key(r: EncodingRecord) -> tuple[bool, object]:
        value: object
        if name == "id":
            value = r.id
        elif name == "createdAt":
            value = r.created_at
        elif name == "modifiedAt":
            value = modified_at(r, t)
        elif name == "startedAt":
            started = shown_times(r)[0]
            value = started if started is not None and started <= t else None
        elif name == "finishedAt":
            end = shown_times(r)[2]
            value = end if end is not None and r.end_at is not None and r.end_at <= t else None
        elif name == "name":
            value = (r.name or "").casefold()
        elif name == "status":
            value = status_at(r, t)
        elif name == "cloudRegion":
            value = r.cloud_region
        elif name == "encoderVersion":
            value = r.encoder_version
        else:
            value = r.type
        return (value is not None, value if value is not None else 0)

    return key


def run(
    records: list[EncodingRecord], q: ListQuery, t: float
) -> tuple[list[EncodingRecord], int | None, bool]:
    """Items of the page, the total when asked for, and whether more items follow."""
    preds = q.predicates
    offset, limit = q.paging.offset, q.paging.limit
    if q.default_order:
        # Newest first straight off the createdAt-sorted list: stop as soon as the page is full.
        page: list[EncodingRecord] = []
        seen = 0
        more = False
        for rec in reversed(records):
            if rec.created_at > t or not all(p(rec, t) for p in preds):
                continue
            if seen >= offset:
                if len(page) < limit:
                    page.append(rec)
                else:
                    more = True
                    if not q.paging.include_total:
                        break
            seen += 1
        return page, (seen if q.paging.include_total else None), more
    matches = [r for r in records if r.created_at <= t and all(p(r, t) for p in preds)]
    matches.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    for name, descending in reversed(q.sort):
        matches.sort(key=sort_key(name, t), reverse=descending)
    page = matches[offset : offset + limit]
    return page, (len(matches) if q.paging.include_total else None), offset + limit < len(matches)
