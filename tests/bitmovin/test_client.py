"""What the client sends and how it is set up: headers, timeouts, query parameters, paging, ids, bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from encodings_app.bitmovin import (
    BitmovinClient,
    InvalidArgumentError,
    Status,
    TransportError,
)

from .conftest import API_KEY, BASE_URL, page, success, url

ENCODING = "/encoding/encodings/enc-1"


def _query(call) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query))


def test_every_request_carries_the_key_tenant_and_client_headers(make_client, api):
    client = make_client(tenant_org_id="org-42")
    api.get(url(ENCODING), json=success({"id": "enc-1"}))

    client.get_encoding("enc-1")

    headers = api.calls[0].request.headers
    assert headers["X-Api-Key"] == API_KEY
    assert headers["X-Tenant-Org-Id"] == "org-42"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Api-Client"] == "encodings-dashboard"
    assert headers["X-Api-Client-Version"]
    assert headers["User-Agent"].startswith(f"encodings-dashboard/{headers['X-Api-Client-Version']}")
    assert API_KEY not in api.calls[0].request.url


def test_tenant_header_is_absent_when_no_tenant_is_set(client, api):
    api.get(url(ENCODING), json=success({"id": "enc-1"}))

    client.get_encoding("enc-1")

    assert "X-Tenant-Org-Id" not in api.calls[0].request.headers


def test_a_session_passed_in_is_used_and_left_open(make_client, api):
    import requests

    session = requests.Session()
    client = make_client(session=session)
    api.get(url(ENCODING), json=success({"id": "enc-1"}))

    client.get_encoding("enc-1")
    client.close()

    assert "X-Api-Key" not in session.headers
    session.close()


def test_timeouts_are_always_passed_to_the_http_stack(make_client):
    seen = {}

    class RecordingSession:
        def request(self, method, url, **kwargs):
            seen.update(kwargs)
            raise ConnectionError("stop here")

    client = make_client(session=RecordingSession(), max_retries=0, timeout=(2, 9))
    with pytest.raises(TransportError):
        client.get_encoding("enc-1")

    assert seen["timeout"] == (2, 9)
    assert seen["allow_redirects"] is False


def test_list_encodings_sends_every_documented_filter(client, api):
    api.get(url("/encoding/encodings"), json=success(page([])))
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))

    client.list_encodings(
        offset=50,
        limit=100,
        sort="createdAt:desc",
        status=Status.RUNNING,
        type="VOD",
        search="name:test* AND labels:Customer1",
        include_total_count=True,
        name="Trailer",
        cloud_region="AWS_EU_WEST_1",
        selected_cloud_region="AWS_EU_CENTRAL_1",
        encoder_version="STABLE",
        selected_encoder_version="2.190.0",
        selected_encoding_mode="TWO_PASS",
        created_at_newer_than=moment,
        created_at_older_than=datetime(2026, 3, 2, tzinfo=UTC),
        started_at_newer_than=datetime(2026, 3, 1, 0, 0, 0, 250000, tzinfo=UTC),
        started_at_older_than=datetime(2026, 3, 2),
        finished_at_newer_than=datetime(2026, 3, 1, tzinfo=UTC),
        finished_at_older_than=datetime(2026, 3, 3, tzinfo=UTC),
    )

    assert _query(api.calls[0]) == {
        "offset": "50",
        "limit": "100",
        "sort": "createdAt:desc",
        "status": "RUNNING",
        "type": "VOD",
        "search": "name:test* AND labels:Customer1",
        "includeTotalCount": "true",
        "name": "Trailer",
        "cloudRegion": "AWS_EU_WEST_1",
        "selectedCloudRegion": "AWS_EU_CENTRAL_1",
        "encoderVersion": "STABLE",
        "selectedEncoderVersion": "2.190.0",
        "selectedEncodingMode": "TWO_PASS",
        "createdAtNewerThan": "2026-03-01T10:30:00Z",
        "createdAtOlderThan": "2026-03-02T00:00:00Z",
        "startedAtNewerThan": "2026-03-01T00:00:00.250000Z",
        "startedAtOlderThan": "2026-03-02T00:00:00Z",
        "finishedAtNewerThan": "2026-03-01T00:00:00Z",
        "finishedAtOlderThan": "2026-03-03T00:00:00Z",
    }


def test_list_encodings_defaults_to_the_first_page_of_25_without_total_count(client, api):
    api.get(url("/encoding/encodings"), json=success(page([])))

    client.list_encodings()

    assert _query(api.calls[0]) == {"offset": "0", "limit": "25"}


@pytest.mark.parametrize(("offset", "limit"), [(-1, 25), (0, 0), (0, 101), (0, True), ("0", 25)])
def test_list_encodings_refuses_page_bounds_the_api_would_reject(client, api, offset, limit):
    with pytest.raises(InvalidArgumentError):
        client.list_encodings(offset=offset, limit=limit)
    assert len(api.calls) == 0


def _encodings(start: int, count: int) -> list[dict]:
    return [{"id": f"enc-{n}", "status": "FINISHED"} for n in range(start, start + count)]


def test_iter_encodings_walks_every_page_to_the_end(client, api):
    for offset, count in ((0, 100), (100, 100), (200, 50)):
        api.get(
            url("/encoding/encodings"),
            match=[
                responses.matchers.query_param_matcher(
                    {"offset": str(offset), "limit": "100", "status": "FINISHED"}
                )
            ],
            json=success(page(_encodings(offset, count), offset=offset, limit=100)),
        )

    ids = [encoding.id for encoding in client.iter_encodings(status="FINISHED")]

    assert ids == [f"enc-{n}" for n in range(250)]
    assert client.call_counts == {"GET /encoding/encodings": 3}


def test_iter_encodings_stops_at_the_total_count_without_an_empty_page(client, api):
    api.get(url("/encoding/encodings"), json=success(page(_encodings(0, 100), limit=100, total=100)))

    assert len(list(client.iter_encodings(include_total_count=True))) == 100
    assert len(api.calls) == 1


def test_iter_encodings_does_not_repeat_encodings_shifted_by_new_ones(client, api):
    first = _encodings(0, 100)
    # Two encodings were created between the calls: the second page starts with the last two of the first.
    second = _encodings(98, 30)
    api.get(url("/encoding/encodings"), json=success(page(first, limit=100)))
    api.get(url("/encoding/encodings"), json=success(page(second, offset=100, limit=100)))

    ids = [encoding.id for encoding in client.iter_encodings()]

    assert len(ids) == len(set(ids)) == 128


def test_ids_are_quoted_into_the_path(client, api):
    api.get(url("/encoding/encodings/a%2Fb%3Fc/status"), json=success({"id": "a/b?c", "status": "RUNNING"}))

    assert client.get_encoding_status("a/b?c").status == "RUNNING"


@pytest.mark.parametrize("bad_id", ["", "   ", None, 42, ".", ".."])
def test_unusable_ids_are_refused_before_any_request(client, api, bad_id):
    with pytest.raises(InvalidArgumentError):
        client.get_encoding(bad_id)
    with pytest.raises(InvalidArgumentError):
        client.stop_encoding(bad_id)
    assert len(api.calls) == 0


def test_start_encoding_sends_the_start_request_with_priority_and_mode(client, api):
    api.post(url(ENCODING + "/start"), json=success({"id": "enc-1"}))

    client.start_encoding(
        "enc-1",
        {"trimming": {"offset": 10.0}, "scheduling": {"prewarmedEncoderPoolIds": ["pool"]}, "tweaks": None},
        priority=80,
        encoding_mode="TWO_PASS",
    )

    assert json.loads(api.calls[0].request.body) == {
        "trimming": {"offset": 10.0},
        "scheduling": {"prewarmedEncoderPoolIds": ["pool"], "priority": 80},
        "encodingMode": "TWO_PASS",
    }


def test_stop_sends_no_body(client, api):
    api.post(url(ENCODING + "/stop"), json=success({"id": "enc-1"}))

    client.stop_encoding("enc-1")

    assert api.calls[0].request.body is None


def test_reprioritize_sends_its_documented_body(client, api):
    api.post(url(ENCODING + "/reprioritize"), json=success({"id": "enc-1"}))

    client.reprioritize_encoding("enc-1", 0)

    assert json.loads(api.calls[0].request.body) == {"priority": 0}


@pytest.mark.parametrize("priority", [-1, 101, 50.5, True, "50"])
def test_reprioritize_refuses_a_priority_outside_0_to_100(client, api, priority):
    with pytest.raises(InvalidArgumentError):
        client.reprioritize_encoding("enc-1", priority)
    assert len(api.calls) == 0


def test_a_body_that_is_not_json_is_refused(client, api):
    with pytest.raises(InvalidArgumentError):
        client.start_encoding("enc-1", {"trimming": object()})
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"api_key": ""}, {"api_key": " key-with-space"}, {"api_key": "key\nnewline"}, {"base_url": "ftp://x"}],
)
def test_unusable_configuration_is_refused_at_construction(kwargs):
    options = {"api_key": API_KEY, "base_url": BASE_URL} | kwargs
    with pytest.raises(InvalidArgumentError):
        BitmovinClient(options.pop("api_key"), **options)


def test_the_client_works_as_a_context_manager(api):
    api.get(url(ENCODING), json=success({"id": "enc-1"}))

    with BitmovinClient(API_KEY, base_url=BASE_URL + "/") as client:
        assert client.get_encoding("enc-1").id == "enc-1"


def test_client_version_falls_back_when_the_distribution_is_not_installed(monkeypatch):
    from importlib import metadata

    from encodings_app.bitmovin import transport

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(transport.metadata, "version", missing)

    assert transport.client_version() == "0.0.0"


def test_the_package_imports_nothing_from_django_or_the_rest_of_the_app():
    import ast
    import sys
    from pathlib import Path

    import encodings_app.bitmovin as package

    allowed = set(sys.stdlib_module_names) | {"requests", "urllib3"}
    for source in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{source.name} imports {roots - allowed}"
