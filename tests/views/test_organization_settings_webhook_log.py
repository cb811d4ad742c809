"""The settings page's webhook log: whatever a stored row holds, the page renders, and only valid ids link."""

import hashlib

import pytest
from django.utils import timezone

from encodings_app.models import WebhookDelivery
from tests.factories import make_delivery

pytestmark = pytest.mark.django_db

# Ids older rows may hold, stored before ids were checked at the door.
ODD_IDS = ["enc/42", "../../admin", "has space", "<b>bold</b>", "é-id", "x" * 60 + "/abc"]


def webhook_log(html: str) -> str:
    return html.split('id="log-title"')[1].split("</section>")[0]


def test_stored_invalid_ids_render_as_text_and_the_page_answers_200(world, login):
    for odd in ODD_IDS:
        make_delivery(world.acme, verdict=WebhookDelivery.Verdict.VALID, encoding_bitmovin_id=odd)
    make_delivery(world.acme, verdict=WebhookDelivery.Verdict.VALID, encoding_bitmovin_id="enc-ok-1")
    response = login(world.admin).get("/o/acme/settings/")
    assert response.status_code == 200
    log = webhook_log(response.content.decode())
    assert '<a href="/o/acme/encodings/enc-ok-1/">enc-ok-1</a>' in log
    assert "<code>enc/42</code>" in log and "<code>../../admin</code>" in log
    assert "<code>&lt;b&gt;bold&lt;/b&gt;</code>" in log
    assert log.count("<a href=") == 1, "no link is built from an invalid id"


def test_unverified_delivery_shows_its_size_and_hash_not_its_body(world, login):
    body = b'{"resourceId": "enc-1", "note": "sent by a stranger"}'
    make_delivery(
        world.acme,
        verdict=WebhookDelivery.Verdict.MISSING,
        body_size=len(body),
        body_sha256=hashlib.sha256(body).hexdigest(),
        remote_addr="203.0.113.9",
    )
    log = webhook_log(login(world.admin).get("/o/acme/settings/").content.decode())
    assert "No signature" in log and "203.0.113.9" in log
    assert f"{len(body)}\xa0bytes" in log
    assert hashlib.sha256(body).hexdigest()[:12] in log
    assert "sent by a stranger" not in log


def test_delivery_to_an_unknown_organization_shows_on_no_organizations_log(world, login):
    make_delivery(None, verdict=WebhookDelivery.Verdict.UNKNOWN_ORGANIZATION, remote_addr="203.0.113.10")
    for slug, user in (("acme", world.admin), ("globex", world.outsider)):
        log = webhook_log(login(user).get(f"/o/{slug}/settings/").content.decode())
        assert "203.0.113.10" not in log


def test_log_page_links_carry_only_their_own_page_number(world, login):
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(organization=world.acme, verdict=WebhookDelivery.Verdict.MISSING) for _ in range(30)
    )
    plain = login(world.admin).get("/o/acme/settings/")
    padded = login(world.admin).get("/o/acme/settings/", {"zzz": "x" * 60_000, "webhooks_page": "1"})
    assert padded.status_code == 200
    page = padded.content.decode()
    assert 'href="?webhooks_page=2#webhook-log"' in page
    assert "zzz" not in page
    assert len(padded.content) < 1.1 * len(plain.content)


def test_each_genuine_delivery_says_whether_its_refresh_has_run_or_still_waits(world, login):
    from encodings_app.services.refresh_outbox import refresh_request

    waiting = refresh_request(organization_id=world.acme.pk, bitmovin_id="enc-wait")
    make_delivery(world.acme, encoding_bitmovin_id="enc-wait", pending_refresh_id=waiting.pending_id)
    make_delivery(world.acme, encoding_bitmovin_id="enc-read", refreshed_at=timezone.now())
    log = webhook_log(login(world.admin).get("/o/acme/settings/").content.decode())
    rows = {row.split("/encodings/")[1].split("/")[0]: row for row in log.split("<tr>")[2:]}
    assert (
        "waiting to be read" in rows["enc-wait"] and "read " not in rows["enc-wait"].split("waiting")[0][-50:]
    )
    assert '<span class="small">read ' in rows["enc-read"] and "waiting" not in rows["enc-read"]
