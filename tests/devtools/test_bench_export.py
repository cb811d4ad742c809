"""bench_export at a small size: it streams each dataset's whole list through the export view, prints its
figures and a JSON line, and leaves nothing behind unless asked to."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from encodings_app.models import Encoding, Organization

# Committed rows: on PostgreSQL the dataset's tables are vacuumed, which cannot happen inside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def bench(**options) -> tuple[dict, str]:
    out = StringIO()
    call_command("bench_export", stdout=out, **options)
    text = out.getvalue()
    return json.loads(text.strip().splitlines()[-1]), text


def test_a_small_run_exports_every_row_of_both_sizes_and_drops_its_datasets():
    figures, text = bench(encodings=300, small=30)

    exports = figures["exports"]
    assert [(each["encodings"], each["rows"]) for each in exports] == [(30, 30), (300, 300)]
    assert all(each["bytes"] > 0 and each["python_peak_mib"] > 0 for each in exports)
    assert "Python peak MiB" in text
    assert not Organization.objects.exists() and not Encoding.objects.exists()


def test_kept_datasets_are_measured_again_until_dropped():
    figures, _text = bench(encodings=40, small=20, keep=True)
    slugs = figures["datasets"]

    again, _ = bench(reuse=slugs)
    call_command("bench_export", drop=slugs, stdout=StringIO())

    assert [each["rows"] for each in again["exports"]] == [20, 40]
    assert not Organization.objects.filter(slug__in=slugs).exists()
