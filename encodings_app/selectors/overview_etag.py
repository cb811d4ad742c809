"""The ETag of the overview's live part: its polled fragment, organizations/_overview_live.html.

What the fragment shows comes from:

- the organization's encodings (counts by status, the running, queued and stuck ones with their pending
  marks, the failures of the last seven days, finished and failed per day): every write of the mirror bumps
  the organization's data_version (services/mirror.py), and so does an accepted action's pending mark
  (services/actions.py);
- the organization's row: the sync state the freshness line and "Sync health" show (last success, last
  start, last full reconciliation, failures and incomplete syncs in a row, the rate limit's pause, the last
  API error) and what the sync warning says of the key and the sync;
- its latest sync run: written when it starts and when it ends (services/sync.py), with its outcome and
  finish then;
- its open incidents, with their details (the panel's link to their encodings), and the silences active now
  that mute them: the wall's fingerprints (an alert evaluation writes no data_version);
- whether beat or a worker the syncs need stopped (services/liveness.py): the sync warning says so;
- the viewer's role: the sync warning sends an admin to the settings, anyone else to an admin;
- the time: whether the rate limit's pause is over and, through etag_of, the minute (running and queued
  "for 4 min", stuck, the last seven days, an ETA given up, a pending mark that ran out).

The organization's bookkeeping is left out (ORGANIZATION_BOOKKEEPING): the sync's lease, cursors and
watermarks move during a sync, and its secrets have no place in a tag; whether a key is set stands in for
it. The time of the last successful sync is written as a ticking "N ago" that the browser keeps current,
and the page's clock is stamped by a 304 (static/js/app.js).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import CharField, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat

from encodings_app.models import Organization, SyncRun
from encodings_app.selectors.etags import etag_of
from encodings_app.selectors.incidents import open_incidents_fingerprint
from encodings_app.selectors.muted import active_silences_fingerprint
from encodings_app.services.liveness import sync_stopped_now

# Columns of the organization (models/organizations.py) the live part does not show: the sync's own
# bookkeeping, written while it runs, and the secret. connection_id stays in: moving to another connection
# can change what the live part says of the key (has_api_key, hashed apart because it reads the connection).
ORGANIZATION_BOOKKEEPING = frozenset(
    {
        "sync_lease_token",
        "sync_lease_expires_at",
        "created_watermark",
        "finished_watermark",
        "full_sync_started_at",
        "full_sync_cursor",
        "webhook_secret_encrypted",
    }
)
_SHOWN_COLUMNS = tuple(
    field.attname
    for field in Organization._meta.concrete_fields
    if field.attname not in ORGANIZATION_BOOKKEEPING
)


def latest_sync_run_fingerprint() -> Subquery:
    """Per organization (OuterRef "pk"): its latest sync run, the one the overview shows, as
    "id:outcome:finished_at"; None before the first. Reads the index syncrun_org_started."""
    text = Concat(
        Cast("pk", CharField()),
        Value(":"),
        "outcome",
        Value(":"),
        Cast("finished_at", CharField()),
        output_field=TextField(),
    )
    latest = (
        SyncRun.objects.filter(organization=OuterRef("pk"))
        .order_by("-started_at", "-pk")
        .annotate(text=text)
        .values("text")[:1]
    )
    return Subquery(latest, output_field=TextField())


def _alerts_and_latest_run(organization: Organization, now: datetime) -> tuple:
    """One query: the organization's open incidents, its silences active at `now` and its latest sync run,
    as fingerprints."""
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            open_incidents=open_incidents_fingerprint(with_details=True),
            active_silences=active_silences_fingerprint(now),
            latest_sync_run=latest_sync_run_fingerprint(),
        )
        .values_list("open_incidents", "active_silences", "latest_sync_run")
        .first()
    )
    return tuple(row or ())


def overview_live_etag(organization: Organization, *, role: str, now: datetime) -> str:
    """The tag of the overview's live part as ``role`` sees it at ``now``; ``organization`` as read for this
    request (access.organization_for). One query and one read of the cache."""
    row = tuple(getattr(organization, name) for name in _SHOWN_COLUMNS)
    return etag_of(
        (
            row,
            organization.has_api_key,
            _alerts_and_latest_run(organization, now),
            sync_stopped_now(),
            role,
            organization.sync_is_paused,
        ),
        now=now,
    )
