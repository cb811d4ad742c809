"""Deliveries that did not verify keep no body: rows stored before that rule lose theirs here.

Their size and SHA-256 are taken from the stored text (cut at 64 KiB when it was stored), so the webhook log
still tells such deliveries apart.
"""

import hashlib

from django.db import migrations

VERIFIED = ("valid", "duplicate", "malformed")
BATCH = 500


def forget_unverified_bodies(apps, schema_editor):
    WebhookDelivery = apps.get_model("encodings_app", "WebhookDelivery")
    rows = WebhookDelivery.objects.exclude(verdict__in=VERIFIED).exclude(payload="").only(
        "pk", "payload", "body_size", "body_sha256"
    )
    changed = []
    for delivery in rows.iterator(chunk_size=BATCH):
        body = delivery.payload.encode("utf-8", errors="replace")
        delivery.body_size = delivery.body_size or len(body)
        delivery.body_sha256 = delivery.body_sha256 or hashlib.sha256(body).hexdigest()
        delivery.payload = ""
        changed.append(delivery)
        if len(changed) >= BATCH:
            WebhookDelivery.objects.bulk_update(changed, ["payload", "body_size", "body_sha256"])
            changed = []
    if changed:
        WebhookDelivery.objects.bulk_update(changed, ["payload", "body_size", "body_sha256"])


class Migration(migrations.Migration):
    dependencies = [
        ("encodings_app", "0009_webhooks_secret_stale"),
    ]

    operations = [
        migrations.RunPython(forget_unverified_bodies, migrations.RunPython.noop),
    ]
