"""Which open incidents a silence mutes, for every place that shows them: the incident pages, the overview's
panel, the wall's banners and the API. A muted incident still shows, with the silence's note, so that nobody
wonders why no message came.

The rule itself (which silences are active, which of them covers a rule kind) is the silences' own
(services/alerts/silences.py); this module only applies it to incidents, once, for all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.db.models import CharField, F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat

from encodings_app.models import AlertSilence, Incident
from encodings_app.selectors.aggregates import JoinedText
from encodings_app.services.alerts.silences import active_silences_by_org, silence_active_at, silence_covering


def mark_muted(
    incidents: Iterable[Incident],
    now: datetime | None = None,
    *,
    silences_by_org: Mapping[int, Sequence[AlertSilence]] | None = None,
) -> list[Incident]:
    """The incidents, in their order, each given `muted_by`: the active silence holding back its
    notifications, or None. A resolved incident is never muted: nothing more is held back about it.

    Reads the active silences of the open incidents' organizations in one query, or none when no incident
    is open or the caller already holds them (`silences_by_org`, as active_silences_by_org returns them)."""
    incidents = list(incidents)
    open_ones = [incident for incident in incidents if incident.resolved_at is None]
    if silences_by_org is None:
        organization_ids = {incident.organization_id for incident in open_ones}
        silences_by_org = active_silences_by_org(organization_ids, now) if organization_ids else {}
    for incident in incidents:
        silences = silences_by_org.get(incident.organization_id, ())
        open_now = incident.resolved_at is None
        incident.muted_by = silence_covering(silences, incident.kind) if open_now and silences else None
    return incidents


def active_silences_fingerprint(now: datetime) -> Subquery:
    """Per organization (the outer query's row, OuterRef "pk"): its silences active at `now` as one text,
    "id:ends_at" each; None when none is. A silence that runs out writes nothing, so only a text computed at
    the time of the query changes when one does, as it does when one starts or is ended early. Reads the
    index alertsilence_org_ends."""
    shown = Concat(
        Cast("pk", CharField()), Value(":"), Cast("ends_at", CharField()), output_field=TextField()
    )
    joined = (
        AlertSilence.objects.filter(silence_active_at(now), organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(text=JoinedText(shown, ordering=F("pk")))
        .values("text")
    )
    return Subquery(joined, output_field=TextField())
