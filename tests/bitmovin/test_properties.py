"""Whatever comes back (any JSON, truncated bodies, random bytes, any status) the client answers with a typed
result or a BitmovinError, and never lets the API key through."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from encodings_app.bitmovin import (
    AccountInformation,
    BitmovinClient,
    BitmovinError,
    Encoding,
    EncodingStats,
    Page,
    ResourceId,
    Task,
)
from encodings_app.bitmovin.envelope import Envelope, decode

from .conftest import API_KEY, BASE_URL, FakeClock

TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from([API_KEY, f"key={API_KEY}", "2026-03-01T10:00:00Z", "2026-03-01", "RUNNING", "PAUSED"]),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
# Keys of the official models, so that generated objects reach every field parser.
MODEL_KEYS = [
    "id", "name", "description", "createdAt", "modifiedAt", "customData", "type", "startedAt", "queuedAt",
    "runningAt", "finishedAt", "errorAt", "progress", "cloudRegion", "fallbackCloudRegions",
    "encoderVersion", "infrastructure", "staticIpId", "selectedEncoderVersion", "selectedEncodingMode",
    "selectedCloudRegion", "status", "labels", "selectedFallbackCloudRegions", "liveOptionsType", "eta",
    "subtasks", "messages", "error", "metadata", "email", "apiKeys", "ingest", "events", "timestamp",
    "encodingId", "streams", "date", "value", "signature", "url",
]  # fmt: skip
MESSAGE_LIKE = st.dictionaries(
    st.sampled_from(["id", "type", "text", "field", "links", "date", "more"]), JSON
)
PLAUSIBLE = st.one_of(JSON, st.lists(MESSAGE_LIKE, max_size=2), MESSAGE_LIKE)
OBJECTS = st.dictionaries(st.sampled_from(MODEL_KEYS), PLAUSIBLE, max_size=6)
WITH_ID = st.builds(lambda obj, id_: {**obj, "id": id_}, OBJECTS, TEXT)
PAGES = st.builds(
    lambda items, extra: {"items": items, **extra},
    st.lists(WITH_ID, max_size=3),
    st.dictionaries(st.sampled_from(["offset", "limit", "totalCount", "next", "previous"]), JSON, max_size=3),
)
ANY_RESULT = st.one_of(JSON, OBJECTS, PAGES)
ENVELOPES = st.one_of(
    JSON,
    st.dictionaries(
        st.sampled_from(["requestId", "status", "data", "more"]),
        st.one_of(
            JSON,
            st.sampled_from(["SUCCESS", "ERROR", "success"]),
            st.dictionaries(
                st.sampled_from(
                    ["result", "messages", "code", "message", "developerMessage", "links", "details"]
                ),
                st.one_of(ANY_RESULT, st.sampled_from([1000, 1002, 2021, 8004])),
            ),
        ),
    ),
)
STATUSES = st.one_of(
    st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504]),
    st.integers(100, 599),
)
HEADERS = st.dictionaries(
    st.sampled_from(["Retry-After", "x-ratelimit-reset", "Content-Type"]),
    st.one_of(st.integers(-10, 10**10).map(str), st.text(max_size=8)),
    max_size=3,
)


@dataclass(frozen=True)
class Call:
    name: str
    invoke: object
    result_type: type
    shape: str  # what a well-formed answer holds in data.result: "object", "page" or "action"


CALLS = [
    Call("get_encoding", lambda c: c.get_encoding("enc-1"), Encoding, "object"),
    Call("get_encoding_status", lambda c: c.get_encoding_status("enc-1"), Task, "object"),
    Call("list_encodings", lambda c: c.list_encodings(), Page, "page"),
    Call("list_organizations", lambda c: c.list_organizations(), Page, "page"),
    Call(
        "list_daily_statistics", lambda c: c.list_daily_statistics("2026-03-01", "2026-03-02"), Page, "page"
    ),
    Call("start_encoding", lambda c: c.start_encoding("enc-1"), ResourceId, "action"),
    Call("stop_encoding", lambda c: c.stop_encoding("enc-1"), ResourceId, "action"),
    Call("delete_encoding", lambda c: c.delete_encoding("enc-1"), ResourceId, "action"),
    Call("get_account_information", lambda c: c.get_account_information(), AccountInformation, "object"),
    Call("get_encoding_statistics", lambda c: c.get_encoding_statistics("enc-1"), EncodingStats, "object"),
]
SHAPES = {"object": WITH_ID, "page": PAGES, "action": st.builds(lambda id_: {"id": id_}, TEXT)}


@st.composite
def exchanges(draw) -> tuple[Call, int, dict[str, str], bytes]:
    call = draw(st.sampled_from(CALLS))
    headers = draw(HEADERS)
    kind = draw(st.sampled_from(["well_formed", "well_formed", "any_json", "truncated", "bytes", "html"]))
    if kind == "well_formed":
        # A valid envelope with arbitrary contents: this is what reaches the result parsers.
        data = {"result": draw(SHAPES[call.shape])}
        if draw(st.booleans()):
            data["messages"] = draw(st.one_of(st.lists(MESSAGE_LIKE, max_size=2), JSON))
        envelope = {"requestId": draw(TEXT), "status": "SUCCESS", "data": data}
        return call, draw(st.sampled_from([200, 201])), headers, json.dumps(envelope).encode()
    body = json.dumps(draw(ENVELOPES)).encode()
    if kind == "truncated":
        body = body[: draw(st.integers(0, max(len(body) - 1, 0)))]
    elif kind == "bytes":
        body = draw(st.binary(max_size=48))
    elif kind == "html":
        body = f"<html><h1>Bad Gateway</h1>{API_KEY}</html>".encode()
    return call, draw(STATUSES), headers, body


@dataclass
class Canned:
    status_code: int
    headers: dict[str, str]
    content: bytes


@dataclass
class CannedSession:
    """Answers every request with the same canned response, so retries and status checks see it too."""

    response: Canned
    calls: list[str] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs) -> Canned:
        self.calls.append(f"{method} {url}")
        return self.response


@pytest.mark.slow
@settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exchange=exchanges())
def test_any_answer_gives_a_typed_result_or_a_bitmovin_error(exchange):
    call, status, headers, body = exchange
    clock = FakeClock()
    session = CannedSession(Canned(status, headers, body))
    client = BitmovinClient(
        API_KEY, base_url=BASE_URL, session=session, max_retries=2, clock=clock, sleep=clock.sleep
    )

    try:
        result = call.invoke(client)
    except BitmovinError as error:
        event(type(error).__name__)
        assert API_KEY not in str(error)
        assert API_KEY not in repr(error)
        assert API_KEY not in repr(vars(error))
    else:
        event("typed result")
        assert isinstance(result, call.result_type), call.name
        assert API_KEY not in repr(result)
        assert API_KEY not in json.dumps(getattr(result, "raw", {}), default=repr)
    # Three attempts at most, plus the status read after an unanswered start or stop.
    assert len(session.calls) <= 6


@pytest.mark.slow
@settings(
    max_examples=500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exchange=exchanges())
def test_decoding_any_answer_gives_an_envelope_or_a_bitmovin_error(exchange):
    _, status, headers, body = exchange
    try:
        envelope = decode(status, headers, body)
    except BitmovinError as error:
        assert str(error)
        if error.retry_after is not None:
            assert 0 <= error.retry_after <= 3600
    else:
        assert isinstance(envelope, Envelope)
        assert 200 <= status <= 299
