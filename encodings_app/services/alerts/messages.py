"""The words of what the channels are told about incidents: an opening, a reminder that it is still open, a
resolution, and a digest of many at once. Times are in UTC (receivers sit in every time zone); links are
absolute, under DASHBOARD_PUBLIC_URL, or left out when it is not set."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse

from encodings_app.models import SEVERITY_RANK, Incident, Organization
from encodings_app.selectors.incidents import incident_list_path
from encodings_app.services.alert_channels.message import AlertMessage
from encodings_app.services.alerts.condition import duration_words, plural

# A digest lists this many incidents by name; the rest are counted.
DIGEST_LISTED = 20


def public_url(path: str) -> str:
    """`path` under the address people open the dashboard at; "" when that is not configured."""
    base = settings.DASHBOARD_PUBLIC_URL
    return f"{base}{path}" if base and path else ""


def public_link(url_name: str, *args) -> str:
    return public_url(reverse(url_name, args=args)) if settings.DASHBOARD_PUBLIC_URL else ""


def incident_link(incident: Incident, organization: Organization) -> str:
    return public_link("incident-detail", organization.slug, incident.pk)


def utc_words(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def opened(incident: Incident, organization: Organization) -> AlertMessage:
    return AlertMessage(
        organization_id=organization.pk,
        key=f"incident-{incident.pk}-opened",
        kind="opened",
        severity=incident.severity,
        subject=f"{organization.name}: {incident.title}",
        body=_body(incident, organization, f"Since {utc_words(incident.opened_at)}."),
        link=incident_link(incident, organization),
    )


def still_open(incident: Incident, organization: Organization) -> AlertMessage:
    return AlertMessage(
        organization_id=organization.pk,
        # One reminder per count told: a rerun of the same decision is the same message.
        key=f"incident-{incident.pk}-update-{incident.count}",
        kind="update",
        severity=incident.severity,
        subject=f"Still open: {organization.name}: {incident.title}",
        body=_body(
            incident,
            organization,
            f"Open since {utc_words(incident.opened_at)}; {incident.count} now, "
            f"{incident.notified_count} when last told.",
        ),
        link=incident_link(incident, organization),
    )


def resolved(incident: Incident, organization: Organization) -> AlertMessage:
    lasted = duration_words((incident.resolved_at - incident.opened_at).total_seconds())
    return AlertMessage(
        organization_id=organization.pk,
        key=f"incident-{incident.pk}-resolved",
        kind="resolved",
        severity="info",
        subject=f"Resolved: {organization.name}: {incident.title}",
        body=f"Resolved at {utc_words(incident.resolved_at)}, after {lasted}: the condition is no longer "
        f"found.",
        link=incident_link(incident, organization),
    )


def digest(notices: list[tuple[str, Incident]], organization: Organization) -> AlertMessage:
    """Many incidents told at once (a flood of causes) as one message; `notices` are (what, incident) with
    what in opened/update/resolved."""
    counts = {
        what: sum(1 for told, _ in notices if told == what) for what in ("opened", "update", "resolved")
    }
    words = {"opened": "opened", "update": "still open", "resolved": "resolved"}
    summary = ", ".join(f"{count} {words[what]}" for what, count in counts.items() if count)
    ordered = sorted(notices, key=lambda notice: (notice[0] == "resolved", notice[1].worst_first_key()))
    lines = []
    for what, incident in ordered[:DIGEST_LISTED]:
        label = "Resolved" if what == "resolved" else f"{words[what].capitalize()}, {incident.severity}"
        link = incident_link(incident, organization)
        lines.append(f"- {label}: {incident.title}" + (f" {link}" if link else ""))
    if len(ordered) > DIGEST_LISTED:
        lines.append(f"- and {len(ordered) - DIGEST_LISTED} more")
    worst = min(
        (incident.severity for what, incident in notices if what != "resolved"),
        key=SEVERITY_RANK.__getitem__,
        default="info",
    )
    return AlertMessage(
        organization_id=organization.pk,
        # The incidents it tells of are marked in the same transaction: a digest is never decided twice.
        key=f"digest-{uuid.uuid4()}",
        kind="digest",
        severity=worst,
        subject=f"{organization.name}: {plural(len(notices), 'alert')} ({summary})",
        body="\n".join(lines),
        link=public_link("incident-list", organization.slug),
    )


def _body(incident: Incident, organization: Organization, when: str) -> str:
    lines = [incident.summary or incident.title, when]
    encodings = public_url(incident_list_path(incident, organization.slug))
    if encodings:
        lines.append(f"These encodings: {encodings}")
    return "\n".join(lines)
