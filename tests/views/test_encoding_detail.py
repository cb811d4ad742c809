"""The encoding detail page: status, phases, subtasks, metadata, message timeline and plain-words errors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.services.action_outcomes import ErrorEvidence
from tests.factories import failed_encoding, make_encoding, make_message, running_encoding

pytestmark = pytest.mark.django_db


def url(encoding, query: str = "") -> str:
    return f"/o/{encoding.organization.slug}/encodings/{encoding.bitmovin_id}/" + (
        f"?{query}" if query else ""
    )


def message_texts(html: str) -> list[str]:
    return re.findall(r'<p class="msg-text">([^<]*)</p>', html)


def test_status_header_shows_icon_text_progress_and_eta(world, login):
    encoding = running_encoding(world.acme)
    html = login(world.viewer).get(url(encoding)).content.decode()
    header = html.split('class="card status-header')[1].split("</section>")[0]
    assert 'class="status status-running status-large"' in header
    assert "<svg" in header and ">Running<" in header
    assert '<progress class="progress-running" max="100" value="37"' in header
    assert "about 4 min 12 s left" in header


def test_phase_timeline_shows_the_time_spent_in_each_phase(world, login):
    now = timezone.now()
    encoding = make_encoding(
        world.acme,
        status="FINISHED",
        created_at=now - timedelta(minutes=30),
        queued_at=now - timedelta(minutes=25),
        started_at=now - timedelta(minutes=25),
        running_at=now - timedelta(minutes=21, seconds=48),
        finished_at=now - timedelta(minutes=1),
    )
    html = login(world.viewer).get(url(encoding)).content.decode()
    phases = html.split('<ol class="phases">')[1].split("</ol>")[0]
    names = re.findall(r'<span class="phase-name">([^<]+)', phases)
    assert [n.strip() for n in names] == ["Created", "Queued", "Running", "Finished"]
    durations = re.findall(r'<span class="phase-duration">([^<]+)</span>', phases)
    assert durations == ["5 min", "3 min 12 s", "20 min 48 s"]


def test_subtasks_are_listed_with_their_progress(world, login):
    encoding = running_encoding(world.acme)
    html = login(world.viewer).get(url(encoding)).content.decode()
    subtasks = html.split('<ul class="subtasks">')[1].split("</ul>")[0]
    assert "ANALYSIS" in subtasks and "ENCODING" in subtasks
    assert 'value="100"' in subtasks and 'value="37"' in subtasks


def test_metadata_lists_regions_versions_and_labels(world, login):
    encoding = running_encoding(world.acme, labels=["premium"], custom_data={"ticket": "OPS-12"})
    html = login(world.viewer).get(url(encoding)).content.decode()
    assert "AWS_EU_WEST_1" in html and "2.190.0" in html
    assert "/o/acme/encodings/?label=premium" in html
    assert "OPS-12" in html


def test_message_chips_count_each_type_and_debug_and_trace_are_hidden_by_default(world, login):
    encoding = running_encoding(world.acme)
    for kind, count in (("INFO", 3), ("WARNING", 2), ("ERROR", 1), ("DEBUG", 4), ("TRACE", 5)):
        for index in range(count):
            make_message(encoding, type=kind, text=f"{kind.lower()} {index}")
    client = login(world.viewer)
    html = client.get(url(encoding)).content.decode()
    chips = dict(re.findall(r'<span>([A-Z]+)</span> <span class="chip-count">(\d+)</span>', html))
    assert chips == {"ERROR": "1", "WARNING": "2", "INFO": "3", "DEBUG": "4", "TRACE": "5"}
    texts = message_texts(html)
    assert len(texts) == 6
    assert not any(t.startswith(("debug", "trace")) for t in texts)
    debug_link = (
        re.search(r'<a class="type-chip msg-debug" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    )
    assert "types=ERROR%2CWARNING%2CINFO%2CDEBUG" in debug_link
    with_debug = message_texts(client.get(url(encoding) + debug_link.split("#")[0]).content.decode())
    assert len(with_debug) == 10


def test_only_the_asked_types_are_shown_and_unknown_types_are_named(world, login):
    encoding = running_encoding(world.acme)
    make_message(encoding, type="TRACE", text="deep trace")
    make_message(encoding, type="INFO", text="plain info")
    html = login(world.viewer).get(url(encoding, "types=TRACE,BOGUS")).content.decode()
    assert message_texts(html) == ["deep trace"]
    assert "BOGUS is not a message type" in html
    empty = login(world.viewer).get(url(encoding, "types=")).content.decode()
    assert "No message type is selected" in empty


def test_messages_are_in_time_order_across_subtasks_by_default_with_undated_ones_first(world, login):
    encoding = running_encoding(world.acme)
    start = timezone.now() - timedelta(minutes=10)
    make_message(encoding, text="analysis at 17:06", subtask="Analysis", date=start + timedelta(minutes=4))
    make_message(encoding, text="download at 17:02", subtask="Download", date=start)
    make_message(encoding, text="encoding level at 17:04", subtask="", date=start + timedelta(minutes=2))
    make_message(encoding, text="undated", subtask="Download", date=None)

    html = login(world.viewer).get(url(encoding)).content.decode()

    assert message_texts(html) == [
        "undated",
        "download at 17:02",
        "encoding level at 17:04",
        "analysis at 17:06",
    ]
    assert '<h3 class="msg-group">' not in html
    # Each message still says which subtask it belongs to.
    assert "Subtask Analysis" in html and "Subtask Download" in html
    assert "In time order" in html


def test_grouping_by_subtask_is_an_option_kept_by_the_timeline_links_and_the_poll(world, login):
    encoding = running_encoding(world.acme)
    start = timezone.now() - timedelta(minutes=10)
    make_message(encoding, text="analysis", subtask="Analysis", date=start + timedelta(minutes=4))
    make_message(encoding, text="download", subtask="Download", date=start)
    client = login(world.viewer)

    default = client.get(url(encoding)).content.decode()
    switch = re.search(r'<a href="\?([^"]*)#messages">group by subtask</a>', default)
    assert switch and "group=subtask" in switch.group(1)

    html = client.get(url(encoding, switch.group(1).replace("&amp;", "&"))).content.decode()
    assert re.findall(r'<h3 class="msg-group">([^<]+)</h3>', html) == [
        "Subtask: Analysis",
        "Subtask: Download",
    ]
    assert message_texts(html) == ["analysis", "download"]
    chips = re.findall(r'class="type-chip[^"]*" href="([^"]+)"', html)
    assert chips and all("group=subtask" in href for href in chips)
    poll = re.search(r'hx-get="([^"]+)"', html).group(1)
    assert "group=subtask" in poll
    back = re.search(r'<a href="\?([^"]*)#messages">show in time order</a>', html)
    assert back and "group=" not in back.group(1)


def test_an_unknown_message_order_is_noted_and_time_order_is_kept(world, login):
    encoding = running_encoding(world.acme)
    make_message(encoding, text="one", subtask="Analysis")
    html = login(world.viewer).get(url(encoding, "group=%3Cscript%3E")).content.decode()
    assert "Message order:" in html and "<script>" not in html.split("<main", 1)[-1].split("</main>")[0]
    assert '<h3 class="msg-group">' not in html and message_texts(html) == ["one"]


def test_messages_are_grouped_by_subtask_and_only_web_links_become_links(world, login):
    encoding = running_encoding(world.acme)
    make_message(encoding, text="encoding level", subtask="")
    make_message(
        encoding,
        text="muxing note",
        subtask="MUXING",
        links=[
            {"href": "https://bitmovin.com/docs/muxing", "title": "Muxing docs"},
            {"href": "javascript:alert(document.cookie)", "title": "Evil"},
            {"href": "ftp://files.example/x", "title": "FTP"},
        ],
    )
    html = login(world.viewer).get(url(encoding, "group=subtask")).content.decode()
    groups = re.findall(r'<h3 class="msg-group">([^<]+)</h3>', html)
    assert groups == ["Encoding", "Subtask: MUXING"]
    assert '<a href="https://bitmovin.com/docs/muxing"' in html
    assert 'href="javascript:' not in html and 'href="ftp:' not in html
    # A link that is not followed is shown as its URL, never behind its friendly title.
    assert '<span class="link-text">javascript:alert(document.cookie)</span>' in html
    assert "Evil" not in html


def test_messages_are_paginated_by_one_hundred(world, login):
    encoding = running_encoding(world.acme)
    now = timezone.now()
    for index in range(230):
        make_message(encoding, text=f"m{index:03d}", date=now + timedelta(seconds=index))
    client = login(world.viewer)
    first = client.get(url(encoding)).content.decode()
    assert len(message_texts(first)) == 100
    assert "Page 1 of 3 (230 messages)" in first
    last = client.get(url(encoding, "mpage=3")).content.decode()
    assert message_texts(last)[-1] == "m229"
    beyond = client.get(url(encoding, "mpage=9")).content.decode()
    assert "There is no messages page 9" in beyond
    assert message_texts(beyond) == message_texts(last)
    assert client.get(url(encoding, "mpage=x")).status_code == 200


def test_active_encoding_page_polls_and_its_fragment_keeps_polling(world, login):
    encoding = running_encoding(world.acme)
    client = login(world.viewer)
    page = client.get(url(encoding, "types=INFO"))
    assert 'hx-trigger="every 5s, poll-now"' in page.content.decode()
    assert f'hx-get="{url(encoding, "types=INFO")}"' in page.content.decode()
    fragment = client.get(url(encoding, "types=INFO"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<div id="detail-live"')
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]


def test_terminal_encoding_stops_the_polling(world, login):
    encoding = failed_encoding(world.acme)
    client = login(world.viewer)
    page = client.get(url(encoding)).content.decode()
    live = page.split('<div id="detail-live"')[1].split(">")[0]
    assert "hx-trigger" not in live
    fragment = client.get(url(encoding), headers={"HX-Request": "true"})
    assert fragment.status_code == 286
    assert "Encoding step failed" in fragment.content.decode()


def test_every_timeline_has_a_utc_local_switch_and_machine_readable_times(world, login):
    encoding = running_encoding(world.acme)
    make_message(encoding, text="hello")
    html = login(world.viewer).get(url(encoding)).content.decode()
    assert html.count("data-tz-toggle") == 2
    assert re.search(r'<time class="ts" datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[^<]+ UTC</time>', html)


def test_viewer_can_ask_for_a_fresh_read(world, login, enqueued):
    encoding = running_encoding(world.acme)
    client = login(world.viewer)
    response = client.post(url(encoding) + "refresh/", {"back": "status=RUNNING"})
    assert response.status_code == 302
    assert response["Location"] == url(encoding, "back=status%3DRUNNING")
    assert enqueued == [(world.acme.pk, encoding.bitmovin_id)]
    assert "fresh read" in client.get(response["Location"]).content.decode()


def test_action_buttons_follow_the_state_of_the_encoding(world, login):
    client = login(world.operator)
    cases = {
        "CREATED": {"start", "delete"},
        "QUEUED": {"stop", "reprioritize"},
        "RUNNING": {"stop"},
        "FINISHED": {"delete"},
        "ERROR": {"delete"},
    }
    for status, expected in cases.items():
        encoding = make_encoding(world.acme, status=status)
        html = client.get(url(encoding)).content.decode()
        offered = set(re.findall(r"/actions/([a-z-]+)/", html))
        assert offered == expected, status
    live = make_encoding(world.acme, status="RUNNING", type="LIVE")
    assert set(re.findall(r"/actions/([a-z-]+)/", client.get(url(live)).content.decode())) == {
        "stop",
        "restart-live",
    }


def test_api_error_of_an_action_is_shown_once_with_its_request_id(world, login):
    encoding = running_encoding(world.acme)
    client = login(world.operator)
    session = client.session
    evidence = ErrorEvidence(
        title="Cannot delete a running encoding",
        meaning="m",
        what_to_do="w",
        doc_url="https://developer.bitmovin.com/x",
        http_status=400,
        code=2021,
        message="Delete not allowed",
        developer_message="stop it first",
        request_id="req-42",
        details=[{"type": "ERROR", "text": "status is RUNNING", "field": "status"}],
        links=[
            {"href": "javascript:alert(1)", "title": "Bad"},
            {"href": "https://bitmovin.com/x", "title": "Ok"},
        ],
    )
    session["action-evidence"] = {
        "encoding": encoding.bitmovin_id,
        "evidence": {"action": "Delete", **evidence.as_dict()},
    }
    session.save()
    html = client.get(url(encoding)).content.decode()
    block = html.split('<div class="api-error" role="alert">')[1].split("</details>")[0]
    for part in (
        "Delete: Cannot delete a running encoding",
        "400",
        "2021",
        "Delete not allowed",
        "stop it first",
        "req-42",
        'data-copy="req-42"',
        "status is RUNNING",
    ):
        assert part in block
    assert '<a href="https://bitmovin.com/x"' in block and 'href="javascript:' not in block
    assert '<span class="link-text">javascript:alert(1)</span>' in block and "Bad" not in block
    assert "api-error" not in client.get(url(encoding)).content.decode()


def test_deleted_encoding_is_still_readable_with_a_note(world, login):
    encoding = failed_encoding(world.acme, deleted_at=timezone.now())
    html = login(world.viewer).get(url(encoding)).content.decode()
    assert "no longer in Bitmovin" in html
