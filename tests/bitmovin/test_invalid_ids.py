"""Ids from the API are checked where they are parsed: an item with an unusable id is left out of its page and
reported, the rest of the page goes on; a single object with one is refused with a typed error."""

from __future__ import annotations

import logging
import pickle

import pytest

from encodings_app.bitmovin import InvalidItemError, ProtocolError

from .conftest import page, success, url

LIST = "/encoding/encodings"
BAD_IDS = {
    "slash": "enc/1",
    "empty": "",
    "too long": "a" * 65,
    "dot dot": "..",
    "space": "enc 1",
    "non-ascii": "enc-é",
    "query": "enc?x=1",
}


def _encoding(encoding_id: object, name: str) -> dict:
    return {"id": encoding_id, "name": name, "status": "FINISHED"}


@pytest.mark.parametrize("bad_id", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_an_encoding_with_an_unusable_id_is_left_out_and_the_others_are_returned(client, api, bad_id):
    items = [_encoding("enc-1", "first"), _encoding(bad_id, "bad"), _encoding("enc-3", "third")]
    api.get(url(LIST), json=success(page(items), "req-list"))

    result = client.list_encodings()

    assert [item.id for item in result.items] == ["enc-1", "enc-3"]
    assert result.received == 3
    (skipped,) = result.skipped
    assert isinstance(skipped, InvalidItemError) and isinstance(skipped, ProtocolError)
    assert (skipped.kind, skipped.position, skipped.request_id) == ("encoding", 1, "req-list")
    assert skipped.body_excerpt is None
    assert str(skipped).startswith("req-list: item 1 of the list is an encoding with ")


def test_items_without_an_id_or_with_one_of_the_wrong_type_are_skipped_too(client, api):
    items = [{"name": "no id"}, _encoding(None, "null"), _encoding(["x"], "list"), _encoding(7, "number")]
    api.get(url(LIST), json=success(page(items), "req-odd"))

    result = client.list_encodings()

    # A number is a usable id once written as text, as it always was.
    assert [item.id for item in result.items] == ["7"]
    assert [error.position for error in result.skipped] == [0, 1, 2]


def test_a_skipped_item_is_logged_with_the_request_id_and_a_clipped_id(client, api, caplog):
    long_bad = "x/" + "y" * 5000
    api.get(url(LIST), json=success(page([_encoding(long_bad, "huge")]), "req-log"))

    with caplog.at_level(logging.WARNING, logger="encodings_app.bitmovin"):
        client.list_encodings()

    (record,) = [r for r in caplog.records if "left out" in r.getMessage()]
    text = record.getMessage()
    assert "req-log" in text and "item 0" in text
    assert len(text) < 400


def test_paging_counts_skipped_items_so_a_full_page_still_leads_to_the_next(client, api):
    first = [_encoding(f"enc-{n}", f"n{n}") for n in range(99)] + [_encoding("bad/id", "bad")]
    second = [_encoding("enc-100", "last")]
    api.get(url(LIST), json=success(page(first, limit=100)))
    api.get(url(LIST), json=success(page(second, offset=100, limit=100)))

    ids = [encoding.id for encoding in client.iter_encodings()]

    assert len(ids) == 100 and ids[-1] == "enc-100"
    assert "offset=100" in api.calls[1].request.url


def test_a_single_encoding_with_an_unusable_id_is_refused_with_a_typed_error(client, api):
    api.get(url("/encoding/encodings/enc-1"), json=success(_encoding("../admin", "x"), "req-one"))

    with pytest.raises(InvalidItemError) as caught:
        client.get_encoding("enc-1")

    assert caught.value.request_id == "req-one"
    assert caught.value.position is None and caught.value.kind == "encoding"
    assert "'../admin'" in str(caught.value)
    restored = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own object, as Celery sends it
    assert (type(restored), restored.kind, restored.request_id) == (InvalidItemError, "encoding", "req-one")


def test_messages_and_subtasks_with_unusable_ids_are_kept_without_their_id(client, api):
    task = {
        "id": "enc-1",
        "status": "ERROR",
        "messages": [
            {"id": "msg/1", "type": "ERROR", "text": "Input file not found"},
            {"id": "msg-2", "type": "INFO", "text": "fine"},
        ],
        "subtasks": [{"id": "sub 1", "name": "Download", "status": "ERROR", "messages": []}],
    }
    api.get(url("/encoding/encodings/enc-1/status"), json=success(task))

    result = client.get_encoding_status("enc-1")

    assert [(m.id, m.text) for m in result.messages] == [(None, "Input file not found"), ("msg-2", "fine")]
    assert result.subtasks[0].id is None and result.subtasks[0].name == "Download"


def test_organizations_and_webhooks_with_unusable_ids_are_left_out_of_their_lists(client, api):
    api.get(
        url("/account/organizations"),
        json=success(page([{"id": "org-1", "name": "Root"}, {"id": "org/2", "name": "Bad"}]), "req-orgs"),
    )
    api.get(
        url("/notifications/webhooks/encoding/encodings/finished"),
        json=success(
            page([{"id": "wh 1", "url": "https://a.example"}, {"id": "wh-2", "url": "https://b.example"}])
        ),
    )

    organizations = client.list_organizations()
    webhooks = client.list_webhooks("finished")

    assert [o.id for o in organizations] == ["org-1"]
    assert organizations.skipped[0].kind == "organization"
    assert [w.id for w in webhooks] == ["wh-2"]
    assert (webhooks.skipped[0].kind, webhooks.skipped[0].position) == ("webhook", 0)


def test_a_created_webhook_whose_id_is_unusable_is_refused(client, api):
    api.post(
        url("/notifications/webhooks/encoding/encodings/finished"),
        json=success({"id": "", "url": "https://hook.example"}, "req-made"),
    )

    with pytest.raises(InvalidItemError) as caught:
        client.create_webhook("finished", "https://hook.example", "signing-secret")

    assert caught.value.kind == "webhook" and caught.value.request_id == "req-made"
    assert "signing-secret" not in str(caught.value)


def test_a_webhook_watching_an_unusable_encoding_id_keeps_no_resource_id(client, api):
    hooks = [{"id": "wh-1", "url": "https://a.example", "resourceId": "enc/../x"}]
    api.get(url("/notifications/webhooks/encoding/encodings/finished"), json=success(page(hooks)))

    (webhook,) = client.list_webhooks("finished")

    assert webhook.resource_id is None
