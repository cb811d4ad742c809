"""bench_pages at a small size: its dataset is what it says, every page it measures answers, and a kept
dataset can be measured again and dropped."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from devtools.bench_data import HEAVY_ID, LABELS
from encodings_app.models import Encoding, EncodingLabel, Message, Organization

# Committed rows: on PostgreSQL the command vacuums its tables, which cannot happen inside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)

SIZE = {"encodings": 120, "messages": 1500, "heavy_messages": 300, "other_organizations": 1, "repeat": 1}
# What each page answers: the polls that find nothing changed a 304, the header's search for an id the
# encoding's page (a 302 to it), the rest a 200.
REDIRECTED = {"search id (opens it)"}
NOT_MODIFIED = {
    "overview (poll, 304)",
    "list (poll, 304)",
    "detail heavy (poll, 304)",
    "wall (display link, poll, 304)",
}


def bench(**options) -> tuple[dict, str]:
    out = StringIO()
    call_command("bench_pages", stdout=out, **options)
    text = out.getvalue()
    return json.loads(text.strip().splitlines()[-1]), text


def test_a_small_run_measures_every_page_and_leaves_nothing_behind():
    figures, text = bench(**SIZE)

    assert figures["encodings"] == SIZE["encodings"]
    assert figures["messages"] == SIZE["messages"]
    assert figures["heavy_messages"] == SIZE["heavy_messages"]
    assert figures["organizations"] == 2
    pages = figures["pages"]
    assert len(pages) >= 40
    assert {name: row["status"] for name, row in pages.items() if row["status"] != 200} == {
        **{name: 304 for name in NOT_MODIFIED},
        **{name: 302 for name in REDIRECTED},
    }
    assert all(row["queries"] >= 1 and row["p95_ms"] >= row["median_ms"] > 0 for row in pages.values())
    assert "incident" in pages, "the alert rules found the dataset's stuck encodings"
    assert not Organization.objects.exists() and not Encoding.objects.exists()
    assert "kept" not in text


def test_a_kept_dataset_has_the_distributions_asked_for_and_is_measured_again_until_dropped():
    figures, text = bench(**SIZE, keep=True)
    slug = figures["dataset"]
    organization = Organization.objects.get(slug=slug)
    encodings = Encoding.objects.filter(organization=organization)

    heavy = encodings.get(bitmovin_id=HEAVY_ID)
    assert (heavy.status, heavy.type) == ("RUNNING", "LIVE")
    assert Message.objects.filter(encoding=heavy).count() == SIZE["heavy_messages"]
    assert (
        encodings.filter(status="RUNNING").count() == 40 and encodings.filter(status="QUEUED").count() == 20
    )
    assert encodings.filter(status__in=["ERROR", "TRANSFER_ERROR"], error_code__isnull=False).exists()
    assert set(
        EncodingLabel.objects.filter(organization=organization).values_list("label", flat=True)
    ) <= set(LABELS)
    assert f"kept {slug}" in text

    again, _ = bench(reuse=slug, repeat=1)
    assert (again["reused"], again["encodings"], again["messages"]) == (
        True,
        SIZE["encodings"],
        SIZE["messages"],
    )
    assert set(again["pages"]) == set(figures["pages"])

    call_command("bench_pages", drop=slug, stdout=StringIO())
    assert not Organization.objects.exists() and not Message.objects.exists()
    with pytest.raises(CommandError, match="no benchmark dataset"):
        call_command("bench_pages", reuse=slug, stdout=StringIO())
    with pytest.raises(CommandError, match="no benchmark dataset"):
        call_command("bench_pages", drop=slug, stdout=StringIO())
