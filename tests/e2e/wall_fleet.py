"""Organizations for the wall's layout tests: each with a realistic mix of running, queued, stuck and failed
encodings whose names are long, as real ones are."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from encodings_app.models import Organization
from encodings_app.services.display_links import display_link_create
from tests.factories import failed_encoding, make_encoding, make_organization, running_encoding

NAMES = (
    "Highlights Eagles vs Falcons 2026-11-29 full match 4K HDR",
    "Morning show Monday 07:00 ladder with audio description",
    "Documentary Ocean Depths episode 3 director's cut",
    "Open Road season 2 episode 11 trailer in portrait",
    "Interview archive 1998 restored master",
    "Weather bulletin regional variants 06:45",
    "Children's hour The Lighthouse Keepers ep 7",
    "Concert recording Symphony No. 9 live from Vienna",
)


def fleet_organization(number: int) -> Organization:
    now = timezone.now()
    organization = make_organization(f"wall-org-{number}", name=f"Broadcaster {number:02d} Media Group")
    # Every list is longer than the longest a screen shows (selectors/wall.py ROWS_PER_LIST).
    for index in range(16):
        running_encoding(
            organization,
            name=f"{NAMES[index % len(NAMES)]} #{number}-{index}",
            progress=10 + 5 * index,
            running_at=now - timedelta(minutes=index + 1),
            progress_changed_at=now - timedelta(seconds=10),
        )
    for index in range(15):
        make_encoding(
            organization,
            name=f"{NAMES[(index + 3) % len(NAMES)]} queued #{number}-{index}",
            status="QUEUED",
            progress=0,
            queued_at=now - timedelta(minutes=1 + index),
        )
    # Stuck: queued for a day, and running without progress for an hour.
    make_encoding(
        organization,
        name=f"Archive import batch 17 waiting since yesterday #{number}",
        status="QUEUED",
        progress=0,
        queued_at=now - timedelta(days=1),
    )
    running_encoding(
        organization,
        name=f"Stalled ladder Evening news 2026-11-30 #{number}",
        progress=32,
        running_at=now - timedelta(hours=2),
        progress_changed_at=now - timedelta(hours=1),
    )
    # Failures: a number that differs between organizations, so the worst-first order is plain to see.
    for index in range(15 + number % 7):
        failed_encoding(
            organization,
            code=2100 if index % 2 else 2016,
            minutes_ago=5 + index,
            name=f"{NAMES[(index + 5) % len(NAMES)]} failed #{number}-{index}",
            status="TRANSFER_ERROR" if index % 3 == 2 else "ERROR",
        )
    return organization


def wall_fleet(count: int, **link_fields) -> str:
    """`count` organizations on one display link; returns the link's token."""
    organizations = [fleet_organization(number) for number in range(1, count + 1)]
    Organization.objects.update(last_sync_succeeded_at=timezone.now())
    _, token = display_link_create(label=f"{count} organizations", organizations=organizations, **link_fields)
    return token
