"""The official bitmovin-api-sdk, unchanged, against the simulator over real HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from bitmovin_api_sdk import (
    BitmovinError,
    CloudRegion,
    DailyStatisticsPerLabelListByDateRangeQueryParams,
    DailyStatisticsPerLabelListQueryParams,
    Encoding,
    EncodingListQueryParams,
    EncodingType,
    ReprioritizeEncodingRequest,
    RescheduleEncodingRequest,
    Scheduling,
    SignatureType,
    StartEncodingRequest,
    StatisticsPerLabelListQueryParams,
    Status,
    Webhook,
    WebhookHttpMethod,
    WebhookNotificationWithStreamConditionsRequest,
    WebhookSignature,
)

from tests.support.simulator import RunningSimulator


def first_with(sdk: Any, **filters: Any) -> Any:
    page = sdk.encoding.encodings.list(query_params=EncodingListQueryParams(limit=1, **filters))
    assert page.items, f"no encoding with {filters}"
    return page.items[0]


def created(sdk: Any, name: str = "sdk contract", **fields: Any) -> Any:
    return sdk.encoding.encodings.create(
        Encoding(name=name, cloud_region=CloudRegion.AUTO, encoder_version="STABLE", **fields)
    )


def expect_error(call: Any, http_status: int, code: int) -> BitmovinError:
    with pytest.raises(BitmovinError) as raised:
        call()
    assert (raised.value.http_status_code, raised.value.error_code) == (http_status, code)
    assert raised.value.short_message
    assert raised.value.developer_message
    return raised.value


def test_sdk_lists_a_page_with_total_count_and_next_link(sdk: Any) -> None:
    page = sdk.encoding.encodings.list(
        query_params=EncodingListQueryParams(limit=10, include_total_count=True)
    )

    assert len(page.items) == 10
    assert page.total_count >= 10
    assert page.offset == 0 and page.limit == 10
    assert "offset=10" in page.next and page.next.startswith("http://127.0.0.1:")
    assert page.previous is None
    created_at = [e.created_at for e in page.items]
    assert created_at == sorted(created_at, reverse=True)


def test_sdk_pages_do_not_overlap(sdk: Any) -> None:
    first = sdk.encoding.encodings.list(query_params=EncodingListQueryParams(limit=5))
    second = sdk.encoding.encodings.list(query_params=EncodingListQueryParams(offset=5, limit=5))

    assert not {e.id for e in first.items} & {e.id for e in second.items}
    assert second.previous is not None and "offset=0" in second.previous


def test_sdk_filters_by_status_type_and_creation_time(sdk: Any) -> None:
    finished = sdk.encoding.encodings.list(query_params=EncodingListQueryParams(status="FINISHED", limit=50))
    assert finished.items and all(e.status == Status.FINISHED for e in finished.items)

    live = sdk.encoding.encodings.list(query_params=EncodingListQueryParams(type_="LIVE", limit=50))
    assert live.items and all(e.type == EncodingType.LIVE for e in live.items)

    since = datetime.now(UTC) - timedelta(days=2)
    recent = sdk.encoding.encodings.list(
        query_params=EncodingListQueryParams(created_at_newer_than=since, limit=100)
    )
    assert recent.items and all(e.created_at > since for e in recent.items)


def test_sdk_search_by_label_prefix(sdk: Any) -> None:
    page = sdk.encoding.encodings.list(
        query_params=EncodingListQueryParams(search="labels:customer-*", limit=20)
    )

    assert page.items
    assert all(any(label.startswith("customer-") for label in e.labels) for e in page.items)


def test_sdk_gets_an_encoding_and_its_status_task(sdk: Any, sim: RunningSimulator) -> None:
    running = created(sdk)
    sim.force_state(running.id, "RUNNING", progress=30)

    encoding = sdk.encoding.encodings.get(running.id)
    task = sdk.encoding.encodings.status(running.id)

    assert encoding.id == running.id and encoding.name == running.name
    assert encoding.selected_cloud_region is not None and encoding.running_at is not None
    assert task.status == Status.RUNNING
    assert 0 <= task.progress < 100 and task.eta is not None
    assert task.subtasks and task.subtasks[0].name == "Download"
    assert all(0 <= s.progress <= 100 for s in task.subtasks)
    assert task.messages and all(m.id and m.text and m.type for m in task.messages)


def test_sdk_creates_starts_and_stops_an_encoding(sdk: Any) -> None:
    encoding = created(sdk, labels=["contract"], custom_data={"ticket": "OPS-1"}, description="from the SDK")
    assert encoding.status == Status.CREATED and encoding.labels == ["contract"]
    assert encoding.custom_data == {"ticket": "OPS-1"}

    started = sdk.encoding.encodings.start(
        encoding.id, StartEncodingRequest(scheduling=Scheduling(priority=70))
    )
    assert started.id == encoding.id
    assert sdk.encoding.encodings.status(encoding.id).status in (Status.QUEUED, Status.RUNNING)
    assert sdk.encoding.encodings.get_start_request(encoding.id).scheduling.priority == 70

    stopped = sdk.encoding.encodings.stop(encoding.id)
    assert stopped.id == encoding.id
    final = sdk.encoding.encodings.get(encoding.id)
    assert final.status == Status.CANCELED and final.finished_at is not None


def test_sdk_deletes_an_encoding_that_is_not_running(sdk: Any) -> None:
    encoding = created(sdk)

    assert sdk.encoding.encodings.delete(encoding.id).id == encoding.id
    expect_error(lambda: sdk.encoding.encodings.get(encoding.id), 404, 1001)


def test_sdk_reprioritizes_and_reschedules_a_queued_encoding(sdk: Any, sim: RunningSimulator) -> None:
    encoding = created(sdk)
    sim.force_state(encoding.id, "QUEUED", stuck=True)

    reply = sdk.encoding.encodings.reprioritize(encoding.id, ReprioritizeEncodingRequest(priority=90))
    assert reply.id == encoding.id
    reply = sdk.encoding.encodings.reschedule(
        encoding.id, RescheduleEncodingRequest(infrastructure_id="infra-2")
    )
    assert reply.id == encoding.id
    assert sdk.encoding.encodings.get(encoding.id).infrastructure.infrastructure_id == "infra-2"


def test_sdk_raises_bitmovin_error_for_api_errors(sim: RunningSimulator, sdk: Any) -> None:
    expect_error(lambda: sdk.encoding.encodings.get("does-not-exist"), 404, 1001)
    expect_error(lambda: sim.sdk(api_key="wrong-key").encoding.encodings.list(), 401, 1002)
    expect_error(lambda: sim.sdk(tenant_org_id="not-an-org").encoding.encodings.list(), 403, 1003)

    encoding = created(sdk)
    expect_error(lambda: sdk.encoding.encodings.get_start_request(encoding.id), 409, 2047)
    sdk.encoding.encodings.start(encoding.id)
    expect_error(lambda: sdk.encoding.encodings.start(encoding.id), 409, 2000)
    expect_error(lambda: sdk.encoding.encodings.delete(encoding.id), 409, 2021)
    expect_error(lambda: sdk.encoding.encodings.live.restart(encoding.id), 400, 2029)


def test_sdk_error_carries_details_and_links(sdk: Any) -> None:
    error = expect_error(lambda: sdk.encoding.encodings.get("missing-id"), 404, 1001)

    assert error.details and error.details[0].text
    assert error.links and error.links[0].href.startswith("https://")


def test_sdk_manages_finished_error_and_transfer_error_webhooks(sdk: Any) -> None:
    hooks = sdk.notifications.webhooks.encoding.encodings
    for family in (hooks.finished, hooks.error, hooks.transfer_error):
        webhook = family.create(
            Webhook(
                url="http://127.0.0.1:9/hook",
                method=WebhookHttpMethod.POST,
                signature=WebhookSignature(type_=SignatureType.HMAC, key="secret"),
            )
        )
        assert webhook.id and webhook.url == "http://127.0.0.1:9/hook"
        assert webhook.signature.type == SignatureType.HMAC
        assert webhook.id in {w.id for w in family.list().items}
        assert family.get_by_webhook_id(webhook.id).url == webhook.url
        assert family.delete_by_webhook_id(webhook.id).id == webhook.id
        expect_error(lambda f=family, w=webhook: f.get_by_webhook_id(w.id), 404, 1001)


def test_sdk_manages_webhooks_of_one_encoding(sdk: Any) -> None:
    encoding = created(sdk)
    finished = sdk.notifications.webhooks.encoding.encodings.finished

    webhook = finished.create_by_encoding_id(encoding.id, Webhook(url="http://127.0.0.1:9/one"))

    assert [w.id for w in finished.list_by_encoding_id(encoding.id).items] == [webhook.id]
    assert finished.get_by_encoding_id_and_webhook_id(encoding.id, webhook.id).url == "http://127.0.0.1:9/one"
    assert finished.delete_by_encoding_id_and_webhook_id(encoding.id, webhook.id).id == webhook.id


def test_sdk_manages_status_changed_webhooks(sdk: Any) -> None:
    api = sdk.notifications.webhooks.encoding.encodings.encoding_status_changed

    webhook = api.create(WebhookNotificationWithStreamConditionsRequest(url="http://127.0.0.1:9/changed"))
    assert webhook.id and webhook.event_type == "ENCODING_STATUS_CHANGED" and webhook.url.endswith("/changed")

    updated = api.update(
        webhook.id, WebhookNotificationWithStreamConditionsRequest(url="http://127.0.0.1:9/new")
    )
    assert updated.url.endswith("/new")
    assert api.delete_by_webhook_id(webhook.id).id == webhook.id


def test_sdk_reads_statistics(sdk: Any) -> None:
    overall = sdk.encoding.statistics.get()
    assert overall.bytes_encoded_total > 0 and overall.time_encoded_total > 0

    today = date.today()
    days = sdk.encoding.statistics.daily.list_by_date_range(from_=today - timedelta(days=13), to=today)
    assert [d.date for d in days.items] == [today - timedelta(days=13 - i) for i in range(14)]
    assert sum(d.bytes_encoded for d in days.items) > 0

    recent = sdk.encoding.statistics.daily.list()
    assert len(recent.items) == 25 and recent.next

    done = first_with(sdk, status="FINISHED", type_="VOD")
    stats = sdk.encoding.statistics.encodings.get(done.id)
    assert stats.encoding_id == done.id and stats.bytes_encoded > 0 and stats.streams and stats.muxings


def test_sdk_reads_account_and_organizations(sdk: Any, sim: RunningSimulator) -> None:
    account = sdk.account.information.get()
    assert account.email and account.api_keys

    organizations = sdk.account.organizations.list().items
    roots = [o for o in organizations if o.type.value == "ROOT_ORGANIZATION"]
    assert len(roots) == 2 and len(organizations) == 4
    subs = sdk.account.organizations.sub_organizations.list(roots[0].id).items
    assert subs and all(s.parent_id == roots[0].id for s in subs)
    assert sdk.account.organizations.get(subs[0].id).name == subs[0].name

    in_sub = sim.sdk(tenant_org_id=subs[0].id).encoding.encodings.list().items
    in_root = sim.sdk(tenant_org_id=roots[0].id).encoding.encodings.list().items
    assert in_sub and in_root and not {e.id for e in in_sub} & {e.id for e in in_root}


def test_sdk_reads_error_definitions(sdk: Any) -> None:
    general = sdk.general.error_definitions.list().items
    encoding = sdk.encoding.error_definitions.list().items

    assert {1001, 1002, 1003} <= {d.code for d in general}
    assert any(d.code == 2100 and d.retry_hint for d in encoding)


def test_sdk_reads_live_details_and_heartbeat(sdk: Any, sim: RunningSimulator) -> None:
    live = created(sdk, type_=EncodingType.LIVE)
    sim.force_state(live.id, "RUNNING")

    details = sdk.encoding.encodings.live.get(live.id)
    heartbeat = sdk.encoding.encodings.live.heartbeat.get(live.id)

    assert details.stream_key and details.encoder_ip and details.application == "live"
    assert heartbeat.ingest.status.value == "CONNECTED" and heartbeat.timestamp is not None


def test_sdk_reads_daily_statistics_per_encoding_type(sdk: Any) -> None:
    today = date.today()
    first = today - timedelta(days=29)
    vod = sdk.encoding.statistics.encodings.vod.daily.list_by_date_range(from_=first, to=today)
    live = sdk.encoding.statistics.encodings.live.daily.list_by_date_range(from_=first, to=today)

    for days in (vod, live):
        assert [d.date for d in days.items] == [first + timedelta(days=i) for i in range(30)]
    assert sum(d.bytes_encoded for d in vod.items) > 0
    worked = next(d for d in vod.items if d.bytes_encoded)
    assert worked.time_encoded > 0 and worked.bytes_egress == worked.bytes_encoded
    assert worked.billable_encoding_minutes and worked.billable_encoding_minutes[0].billable_minutes.hd > 0


def test_sdk_reads_statistics_per_label(sdk: Any) -> None:
    everything = sdk.encoding.statistics.labels.list(
        query_params=StatisticsPerLabelListQueryParams(limit=100)
    )
    labels = [s.label for s in everything.items]
    assert labels == sorted(labels) and len(labels) > 3
    assert all(s.bytes_encoded_total > 0 and s.billable_minutes > 0 for s in everything.items)

    today = date.today()
    two = sdk.encoding.statistics.labels.list_by_date_range(
        from_=today - timedelta(days=89),
        to=today,
        query_params=StatisticsPerLabelListQueryParams(labels=",".join(labels[:2])),
    )
    assert {s.label for s in two.items} <= set(labels[:2]) and two.items


def test_sdk_reads_daily_statistics_per_label(sdk: Any) -> None:
    recent = sdk.encoding.statistics.labels.daily.list(
        query_params=DailyStatisticsPerLabelListQueryParams(limit=10)
    )
    # Newest first from the simulator's today (other tests may have moved its clock on).
    newest = recent.items[0].date
    assert newest >= date.today() and recent.next
    assert [d.date for d in recent.items] == [newest - timedelta(days=i) for i in range(10)]
    today = date.today()

    first = today - timedelta(days=29)
    days = sdk.encoding.statistics.labels.daily.list_by_date_range(
        from_=first, to=today, query_params=DailyStatisticsPerLabelListByDateRangeQueryParams(limit=100)
    )
    assert [d.date for d in days.items] == [first + timedelta(days=i) for i in range(30)]
    per_label = [entry for d in days.items for entry in d.labels]
    assert per_label and all(e.label and e.bytes_encoded > 0 and e.billable_minutes > 0 for e in per_label)
    one = per_label[0].label
    only = sdk.encoding.statistics.labels.daily.list_by_date_range(
        from_=first, to=today, query_params=DailyStatisticsPerLabelListByDateRangeQueryParams(labels=one)
    )
    assert {e.label for d in only.items for e in d.labels} == {one}
