"""A failed encoding's panel: the error in plain words, developer details with every request id, and what to
do to run it again."""

from __future__ import annotations

import html as html_module
import json
import re

import pytest

from encodings_app.services.audit import Action, Outcome, audit_record
from tests.factories import failed_encoding, make_message
from tests.views.test_encoding_detail import url

pytestmark = pytest.mark.django_db


def test_failed_encoding_explains_its_error_in_plain_words(world, login):
    encoding = failed_encoding(world.acme, code=2016)
    html = login(world.viewer).get(url(encoding)).content.decode()
    panel = html.split('class="card card-danger error-panel"')[1].split("</section>")[0]
    assert "Encoding step failed" in panel
    assert "What to do" in panel and "Start it again" in panel
    assert "Probably yes." in panel and "starting the encoding again can succeed" in panel
    assert 'href="https://developer.bitmovin.com/encoding/docs/outputs"' in panel
    assert "Documentation" in panel
    assert 'href="javascript:' not in panel
    details = panel.split('<details class="dev-details">')[1]
    for evidence in (
        "2016",
        "Encoding",
        "RETRY",
        "could not write segment 17",
        "outputs[0].outputId",
        "access denied",
    ):
        assert evidence in details


def developer_details(html: str) -> str:
    return html.split('<details class="dev-details">')[1].split("</details>")[0]


def test_developer_details_show_the_failure_as_indented_json_with_a_copy_button(world, login):
    encoding = failed_encoding(world.acme, code=2600, status="TRANSFER_ERROR")
    make_message(
        encoding,
        type="ERROR",
        text="Upload failed",
        more={"category": "TRANSFER", "retryHint": "RETRY", "attempts": [1, 2]},
    )

    details = developer_details(login(world.viewer).get(url(encoding)).content.decode())

    assert "{&#x27;category&#x27;" not in details and "{'category'" not in details
    shown = html_module.unescape(re.search(r'<pre class="json">(.*?)</pre>', details, re.S).group(1))
    document = json.loads(shown)
    assert shown == json.dumps(document, indent=2, ensure_ascii=False)
    assert document["encodingId"] == encoding.bitmovin_id
    assert document["error"] == {
        "code": 2600,
        "category": "Encoding",
        "retryHint": "RETRY",
        "text": "The encoder could not write segment 17 of stream video-1080p",
    }
    more = [m["more"] for m in document["errorMessages"] if m["text"] == "Upload failed"]
    assert more == [{"category": "TRANSFER", "retryHint": "RETRY", "attempts": [1, 2]}]
    copied = re.search(r'data-copy="([^"]*)">Copy JSON</button>', details).group(1)
    assert html_module.unescape(copied) == shown
    assert "<script" not in details


def test_developer_details_list_every_request_id_the_dashboard_has_for_the_encoding(world, login):
    encoding = failed_encoding(world.acme, status_request_id="rid-status-read")
    other = failed_encoding(world.acme)
    audit_record(
        action=Action.ENCODING_START,
        user=world.operator,
        organization=world.acme,
        target=encoding.bitmovin_id,
        request_id="rid-start",
    )
    audit_record(
        action=Action.ENCODING_RESTART_LIVE,
        user=world.operator,
        organization=world.acme,
        outcome=Outcome.FAILED,
        target=encoding.bitmovin_id,
        request_id="rid-refused-restart",
    )
    audit_record(
        action=Action.ENCODING_STOP, organization=world.acme, target=other.bitmovin_id, request_id="x-1"
    )
    audit_record(
        action=Action.ENCODING_STOP, organization=world.globex, target=encoding.bitmovin_id, request_id="x-2"
    )
    audit_record(action=Action.ENCODING_STOP, organization=world.acme, target=encoding.bitmovin_id)

    details = developer_details(login(world.viewer).get(url(encoding)).content.decode())

    ids = re.findall(r'<li><code>([^<]+)</code> <button[^>]*data-copy="([^"]+)"', details)
    assert ids == [
        ("rid-status-read", "rid-status-read"),
        ("rid-refused-restart", "rid-refused-restart"),
        ("rid-start", "rid-start"),
    ]
    assert "Status read" in details and "Restart live encoding by" in details
    document = json.loads(
        html_module.unescape(re.search(r'<pre class="json">(.*?)</pre>', details, re.S).group(1))
    )
    assert [row["requestId"] for row in document["requestIds"]] == [
        "rid-status-read",
        "rid-refused-restart",
        "rid-start",
    ]


def test_developer_details_say_when_no_request_id_is_known(world, login):
    encoding = failed_encoding(world.acme)
    details = developer_details(login(world.viewer).get(url(encoding)).content.decode())
    assert "None recorded" in details


def test_a_failed_vod_encoding_explains_how_to_run_it_again_and_offers_no_button_that_cannot_work(
    world, login
):
    encoding = failed_encoding(world.acme, code=2016)

    html = login(world.operator).get(url(encoding)).content.decode()
    panel = html.split('class="card card-danger error-panel"')[1].split("</section>")[0]

    offer = re.search(r'<p class="retry-offer">(.*?)</p>', panel, re.S).group(1)
    assert "cannot start a finished or failed VOD encoding again" in offer
    assert "create a new encoding with the same configuration" in offer
    assert "/actions/" not in panel


def test_no_retry_offer_where_starting_again_unchanged_cannot_help(world, login):
    encoding = failed_encoding(world.acme, code=2100, error_retry_hint="NO_RETRY")
    html = login(world.operator).get(url(encoding)).content.decode()
    assert "No, not unchanged." in html and 'class="retry-offer"' not in html


def test_unknown_error_codes_fall_back_to_the_encoders_own_words(world, login):
    encoding = failed_encoding(
        world.acme,
        code=987654,
        error_category="Storage quota",
        error_text="Bucket quota exceeded",
        error_retry_hint="NO_RETRY",
    )
    html = login(world.viewer).get(url(encoding)).content.decode()
    panel = html.split('class="card card-danger error-panel"')[1].split("</section>")[0]
    assert "Storage quota" in panel and "Bucket quota exceeded" in panel
    assert "No, not unchanged." in panel


def test_failed_encoding_without_details_yet_asks_for_a_refresh(world, login):
    encoding = failed_encoding(
        world.acme, error_code=None, error_category="", error_text="", error_retry_hint=""
    )
    html = login(world.viewer).get(url(encoding)).content.decode()
    assert "no error details read yet" in html
    assert "Refresh now" in html
