"""Encodings: the list page's filters, Bitmovin's paging, one encoding, its status and its messages."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests.api.helpers import ApiCaller, error_of, fields_named, result_of, token_for
from tests.factories import failed_encoding, labelled_encoding, make_encoding, make_message


def ids(result) -> list[str]:
    return [item["name"] for item in result["items"]]


@pytest.fixture
def catalogue(world):
    now = timezone.now()
    labelled_encoding(
        world.acme,
        ["news", "customer1"],
        name="Evening news",
        status="RUNNING",
        type="VOD",
        cloud_region="AWS_EU_WEST_1",
        encoder_version="2.190.0",
        created_at=now - timedelta(hours=1),
    )
    labelled_encoding(
        world.acme,
        ["sport"],
        name="Match of the day",
        status="QUEUED",
        type="LIVE",
        cloud_region="AUTO",
        selected_cloud_region="GOOGLE_EUROPE_WEST_1",
        encoder_version="STABLE",
        selected_encoder_version="2.191.0",
        created_at=now - timedelta(hours=2),
    )
    labelled_encoding(
        world.acme,
        ["news"],
        name="Morning news",
        status="FINISHED",
        type="VOD",
        cloud_region="AWS_EU_WEST_1",
        created_at=now - timedelta(days=3),
    )
    failed_encoding(world.acme, name="Broken trailer", created_at=now - timedelta(days=10))
    make_encoding(world.globex, name="Globex secret", status="RUNNING")
    make_encoding(world.acme, name="Gone", deleted_at=now)  # no longer listed by Bitmovin


def encodings(world, **params):
    return result_of(ApiCaller(token_for(world.viewer)).get("/organizations/acme/encodings", params))


def test_the_list_is_newest_first_and_only_this_organizations(world, catalogue):
    assert ids(encodings(world)) == ["Evening news", "Match of the day", "Morning news", "Broken trailer"]


def test_items_are_camel_case_like_bitmovins(world, catalogue):
    item = encodings(world, search='name:"Match of the day"')["items"][0]
    assert item["type"] == "LIVE" and item["status"] == "QUEUED"
    assert item["cloudRegion"] == "AUTO" and item["selectedCloudRegion"] == "GOOGLE_EUROPE_WEST_1"
    assert item["selectedEncoderVersion"] == "2.191.0"
    assert item["labels"] == ["sport"]
    assert item["createdAt"].endswith("Z")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": ["RUNNING", "QUEUED"]}, ["Evening news", "Match of the day"]),
        ({"status": "FINISHED,ERROR"}, ["Morning news", "Broken trailer"]),
        ({"type": "LIVE"}, ["Match of the day"]),
        ({"cloudRegion": "GOOGLE_EUROPE_WEST_1"}, ["Match of the day"]),
        ({"encoderVersion": "2.190.0"}, ["Evening news"]),
        ({"label": "news"}, ["Evening news", "Morning news"]),
        ({"search": "name:morning*"}, ["Morning news"]),
        ({"search": "labels:news AND name:Evening*"}, ["Evening news"]),
        ({"search": "labels:cust*"}, ["Evening news"]),
        ({"search": "news"}, ["Evening news", "Morning news"]),
        ({"sort": "name:asc"}, ["Broken trailer", "Evening news", "Match of the day", "Morning news"]),
        ({"sort": "createdAt"}, ["Broken trailer", "Morning news", "Match of the day", "Evening news"]),
    ],
)
def test_filters_and_sort(world, catalogue, params, expected):
    assert ids(encodings(world, **params)) == expected


def test_created_time_range(world, catalogue):
    now = timezone.now()
    result = encodings(
        world,
        createdAtNewerThan=(now - timedelta(days=5)).isoformat(),
        createdAtOlderThan=(now - timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert ids(result) == ["Match of the day", "Morning news"]


def test_paging_follows_bitmovins_offset_and_limit_with_absolute_links(world, api_for, catalogue):
    first = encodings(world, limit=2, status="RUNNING,QUEUED,FINISHED,ERROR")
    assert ids(first) == ["Evening news", "Match of the day"]
    assert first["previous"] is None and "totalCount" not in first
    link = urlsplit(first["next"])
    assert link.scheme == "http" and link.netloc == "testserver"
    assert link.path == "/api/v1/organizations/acme/encodings"
    assert parse_qs(link.query) == {
        "limit": ["2"],
        "status": ["RUNNING,QUEUED,FINISHED,ERROR"],
        "offset": ["2"],
    }

    second = result_of(api_for(world.viewer).get(first["next"].removeprefix("http://testserver/api/v1")))
    assert ids(second) == ["Morning news", "Broken trailer"]
    assert second["next"] is None
    assert parse_qs(urlsplit(second["previous"]).query)["offset"] == ["0"]


def test_total_count_only_on_request(world, catalogue):
    assert encodings(world, includeTotalCount="true", limit=1)["totalCount"] == 4
    assert "totalCount" not in encodings(world, includeTotalCount="false")


def test_limit_defaults_to_25_and_allows_100(world):
    for number in range(30):
        make_encoding(world.acme, name=f"e{number}")
    assert len(encodings(world)["items"]) == 25
    assert encodings(world, limit=100)["limit"] == 100


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "101"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "ten"}, "offset"),
        ({"includeTotalCount": "maybe"}, "includeTotalCount"),
        ({"status": "RUNNING,SLEEPING"}, "status"),
        ({"type": "VOD2"}, "type"),
        ({"sort": "createdAt:sideways"}, "sort"),
        ({"createdAtNewerThan": "last week"}, "createdAtNewerThan"),
        ({"failedAtNewerThan": "soon"}, "failedAtNewerThan"),
        ({"errorCode": "two"}, "errorCode"),
        ({"search": "name:a*b"}, "search"),
        ({"search": "name:x OR name:y"}, "search"),
        ({"label": "x" * 201}, "label"),
        ({"search": "bad\x00byte"}, "search"),
    ],
)
def test_a_bad_parameter_is_400_with_code_1001_naming_it(world, api_for, params, field):
    response = api_for(world.viewer).get("/organizations/acme/encodings", params)
    data = error_of(response, 400, 1001)
    assert fields_named(data) == [field]
    assert field in data["message"]


def test_every_bad_parameter_is_named_at_once(world, api_for):
    response = api_for(world.viewer).get("/organizations/acme/encodings", {"limit": "500", "type": "x"})
    assert sorted(fields_named(error_of(response, 400, 1001))) == ["limit", "type"]


def test_detail_has_the_full_metadata(world, api_for):
    encoding = make_encoding(
        world.acme, name="Trailer", description="4K ladder", custom_data={"team": "promo"},
        infrastructure={"infrastructureId": "k8s-1"}, labels=["promo"],
    )  # fmt: skip
    result = result_of(api_for(world.viewer).get(f"/organizations/acme/encodings/{encoding.bitmovin_id}"))
    assert result["id"] == encoding.bitmovin_id
    assert result["description"] == "4K ladder"
    assert result["customData"] == {"team": "promo"}
    assert result["isStuck"] is False
    assert result["mirror"]["deletedAt"] is None


def test_another_organizations_encoding_is_404(world, api_for):
    foreign = make_encoding(world.globex)
    error_of(api_for(world.viewer).get(f"/organizations/acme/encodings/{foreign.bitmovin_id}"), 404, 1005)


def test_status_of_a_failed_encoding_explains_the_error_in_plain_words(world, api_for):
    encoding = failed_encoding(
        world.acme,
        2100,
        subtasks=[{"name": "muxing", "status": "ERROR", "progress": 10}],
        status_request_id="rid-status-read",
    )
    result = result_of(
        api_for(world.viewer).get(f"/organizations/acme/encodings/{encoding.bitmovin_id}/status")
    )
    assert result["status"] == "ERROR" and result["progress"] == 42
    error = result["error"]
    assert error["code"] == 2100 and error["retryHint"] == "RETRY"
    assert error["explanation"]["title"] == "Input file not found"
    assert error["explanation"]["known"] is True
    assert error["explanation"]["retryAdvice"]
    assert error["links"] == [
        {"href": "https://developer.bitmovin.com/encoding/docs/outputs", "title": "Output permissions"}
    ]
    assert error["errorMessages"][0]["field"] == "outputs[0].outputId"
    assert [(row["requestId"], row["source"]) for row in error["requestIds"]] == [
        ("rid-status-read", "Status read")
    ]
    assert result["subtasks"] == [
        {"name": "muxing", "status": "ERROR", "progress": 10, "startedAt": None, "finishedAt": None,
         "messageCount": 0}
    ]  # fmt: skip
    assert [phase["key"] for phase in result["phases"]] == ["created", "queued", "running", "ended"]


def test_status_of_a_running_encoding_has_progress_eta_and_no_error(world, api_for):
    encoding = make_encoding(world.acme, status="RUNNING", progress=37, eta_seconds=252.0,
                             running_at=timezone.now() - timedelta(minutes=3))  # fmt: skip
    result = result_of(
        api_for(world.viewer).get(f"/organizations/acme/encodings/{encoding.bitmovin_id}/status")
    )
    assert (result["progress"], result["eta"], result["error"]) == (37, 252.0, None)
    assert next(p for p in result["phases"] if p["key"] == "running")["current"] is True


def test_messages_filter_by_type_and_page(world, api_for):
    encoding = make_encoding(world.acme)
    start = timezone.now() - timedelta(hours=1)
    for number in range(5):
        make_message(encoding, type="INFO", text=f"info {number}", date=start + timedelta(minutes=number))
    make_message(encoding, type="DEBUG", text="noise", date=start + timedelta(minutes=10))
    make_message(encoding, type="ERROR", text="boom", date=start + timedelta(minutes=11),
                 links=[{"href": "javascript:alert(1)"}, {"href": "https://example.com/help"}])  # fmt: skip
    path = f"/organizations/acme/encodings/{encoding.bitmovin_id}/messages"
    api = api_for(world.viewer)

    everything = result_of(api.get(path, {"includeTotalCount": "true"}))
    assert everything["totalCount"] == 7
    assert [m["text"] for m in everything["items"]][-2:] == ["noise", "boom"]

    errors = result_of(api.get(path, {"type": ["ERROR", "WARNING"]}))["items"]
    assert [(m["type"], m["text"]) for m in errors] == [("ERROR", "boom")]
    assert errors[0]["links"] == [{"href": "https://example.com/help"}]

    page = result_of(api.get(path, {"type": "INFO", "limit": 2, "offset": 2}))
    assert [m["text"] for m in page["items"]] == ["info 2", "info 3"]
    assert page["previous"] and page["next"]

    error_of(api.get(path, {"type": "LOUD"}), 400, 1001)


def test_a_stalled_encoding_has_no_eta_in_its_status_nor_in_the_list(world, api_for, settings):
    settings.STUCK_NO_PROGRESS_SECONDS = 600
    settings.SYNC_INTERVAL_SECONDS = 15
    now = timezone.now()
    encoding = make_encoding(world.acme, status="RUNNING", progress=32, eta_seconds=2.0,
                             running_at=now - timedelta(minutes=20),
                             progress_changed_at=now - timedelta(minutes=6))  # fmt: skip
    caller = api_for(world.viewer)
    status = result_of(caller.get(f"/organizations/acme/encodings/{encoding.bitmovin_id}/status"))
    assert (status["progress"], status["eta"], status["isStuck"]) == (32, None, False)
    listed = result_of(caller.get(f"/organizations/acme/encodings/{encoding.bitmovin_id}"))
    assert listed["eta"] is None


def test_a_live_encoding_has_no_eta_and_is_not_stuck_while_its_status_is_read(world, api_for, settings):
    settings.STUCK_LIVE_NO_UPDATE_SECONDS = 900
    now = timezone.now()
    an_hour_ago = now - timedelta(hours=1)
    encoding = make_encoding(world.acme, type="LIVE", status="RUNNING", progress=0, eta_seconds=0.0,
                             running_at=an_hour_ago, progress_changed_at=an_hour_ago,
                             status_synced_at=now - timedelta(seconds=30))  # fmt: skip
    result = result_of(
        api_for(world.viewer).get(f"/organizations/acme/encodings/{encoding.bitmovin_id}/status")
    )
    assert (result["eta"], result["isStuck"]) == (None, False)


def test_the_list_filters_by_error_code_and_failed_since(world, api_for):
    failed_encoding(world.acme, 2001, minutes_ago=5, name="Recent 2001")
    failed_encoding(world.acme, 2001, minutes_ago=90, name="Older 2001")
    failed_encoding(world.acme, 2016, minutes_ago=5, name="Recent 2016")
    since = (timezone.now() - timedelta(minutes=30)).isoformat()

    params = {"errorCode": "2001", "failedAtNewerThan": since}
    result = result_of(api_for(world.viewer).get("/organizations/acme/encodings", params))

    assert ids(result) == ["Recent 2001"]
