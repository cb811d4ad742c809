"""An organization's open alert incidents, and the encodings list an incident points to."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.http import QueryDict
from django.urls import reverse

from encodings_app.models import Incident, Organization


def open_incidents(organization: Organization) -> QuerySet[Incident]:
    """Newest first (the index incident_org_opened), the id breaking ties so pages never overlap."""
    return organization.incidents.filter(resolved_at__isnull=True).order_by(F("opened_at").desc(), "-pk")


def incident_list_path(incident: Incident, slug: str) -> str:
    """The encodings list filtered to the incident's encodings ('' when the cause has none: the sync's)."""
    values = incident.details.get("list_query")
    if not values:
        return ""
    query = QueryDict(mutable=True)
    for name, value in values.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return f"{reverse('encoding-list', args=[slug])}?{query.urlencode()}"
