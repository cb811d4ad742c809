"""Telling the channels about an organization's incidents: once, and only once, and not too often.

Runs after each evaluation (beat's task, the evaluation a sync or webhook nudges, send_alerts). It looks at
the incidents whose story is not settled and decides, in one transaction with the messages it queues
(services/alert_channels/delivery.message_enqueue), so that a decision is never lost nor taken twice:

- an incident is told when it opens, at once, unless its cause was told within its window (the rule's
  window, at least MIN_WINDOW): a cause that comes back that soon is told when the window has passed, if it
  is still open. A new cause is never held for another's window. A cause is an error code (or the encoder's
  category and code), the spike, a stuck group, or the sync: its reasons (a rejected key, failures, silence)
  are one cause, as the team sees one broken sync.
- failures whose details are still being read ("no details yet") wait NO_DETAILS_GRACE first: the read that
  brings the code usually resolves them, and they are never told;
- an open incident whose count grew is told again ("still open") once per window, never more often;
- a told incident's resolution is told at once: it closes what the team heard. One that was never told
  (muted, held, or too short) resolves silently. One followed at once by a new incident of the same cause is
  not told either: the new incident carries its story on, as the team saw one continuous problem;
- a muted rule or organization (silences) holds openings and reminders, not resolutions of what was told;
  an incident still open when its silence ends is told then;
- more than DIGEST_AFTER messages for one organization in one run become one digest.

An incident's messages have receiver-visible keys (incident-<id>-opened ...): asked for twice, they are one
delivery per channel; a worker killed mid-run leaves nothing decided, and the next run decides again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max

from encodings_app.models import AlertKind, Incident, Organization
from encodings_app.services.alert_channels.delivery import message_enqueue
from encodings_app.services.alert_channels.message import AlertMessage
from encodings_app.services.alerts import messages
from encodings_app.services.alerts.rules import Rule

logger = logging.getLogger(__name__)

MIN_WINDOW = timedelta(minutes=15)
NO_DETAILS_GRACE = timedelta(minutes=2)
DIGEST_AFTER = 3
NO_DETAILS_CAUSE = "failed:no-details"
# What the notifier writes on an incident, and nothing else (evaluations write the rest).
NOTICE_FIELDS = ("notified_at", "notified_count", "last_notified_at", "notice_settled_at")

# Whether a rule kind is muted now; always False until silences say otherwise.
Muted = Callable[[str], bool]


@dataclass
class Notified:
    # (what, incident): what is opened, update or resolved.
    told: list[tuple[str, Incident]] = field(default_factory=list)
    digest: bool = False
    # Openings waiting: for their cause's window, for details, or for a silence to end.
    held: int = 0
    muted: int = 0
    # Resolutions settled without a message (never told, or carried on by a new incident).
    settled_quietly: int = 0
    messages: int = 0
    # Messages times the channels each was queued for.
    deliveries: int = 0


def notice_group(kind: str, cause: str) -> str:
    """What the window counts per: a failure's code, the stuck group... and the sync as one, whatever is
    broken about it (a rejected key followed by a silent sync is one story for the team)."""
    return AlertKind.SYNC.value if kind == AlertKind.SYNC else cause


def notify_window(rules: dict[str, Rule], kind: str) -> timedelta:
    rule = rules.get(kind)
    return max(rule.window, MIN_WINDOW) if rule is not None else MIN_WINDOW


def incidents_notify(
    *,
    organization: Organization,
    rules: dict[str, Rule],
    now: datetime,
    muted: Muted = lambda kind: False,
) -> Notified:
    outcome = Notified()
    with transaction.atomic():
        # Locked, skipping what another run is deciding: each incident is decided by one run at a time.
        pending = list(
            Incident.objects.select_for_update(skip_locked=True)
            .filter(organization=organization, notice_settled_at__isnull=True)
            .order_by("opened_at", "pk")
        )
        if not pending:
            return outcome
        before = {incident.pk: _notice(incident) for incident in pending}
        last_told = _last_told_by_group(organization, now - max(notify_window(rules, k) for k in AlertKind))
        open_by_group = {_group(incident): incident for incident in pending if incident.is_open}
        # Resolutions first: one carried on by a new incident of its group hands that incident its story.
        for incident in sorted(pending, key=lambda incident: incident.is_open):
            what = _decide(incident, open_by_group, last_told, rules, now, muted, outcome)
            if what:
                outcome.told.append((what, incident))
        if outcome.told:
            _tell(organization, outcome, now)
        # The decisions were made on the objects; one statement records them.
        changed = [incident for incident in pending if _notice(incident) != before[incident.pk]]
        Incident.objects.bulk_update(changed, NOTICE_FIELDS)
    if outcome.told or outcome.settled_quietly:
        logger.info(
            "alerts of %s: %s told in %s message(s), %s waiting, %s muted, %s settled quietly",
            organization.slug,
            len(outcome.told),
            outcome.messages,
            outcome.held,
            outcome.muted,
            outcome.settled_quietly,
        )
    return outcome


def _group(incident: Incident) -> str:
    return notice_group(incident.kind, incident.cause)


def _last_told_by_group(organization: Organization, since: datetime) -> dict[str, datetime]:
    rows = (
        Incident.objects.filter(organization=organization, last_notified_at__gte=since)
        .values("kind", "cause")
        .annotate(last=Max("last_notified_at"))
        .order_by()
    )
    last: dict[str, datetime] = {}
    for row in rows:
        group = notice_group(row["kind"], row["cause"])
        last[group] = max(row["last"], last.get(group, row["last"]))
    return last


def _decide(
    incident: Incident,
    open_by_group: dict[str, Incident],
    last_told: dict[str, datetime],
    rules: dict[str, Rule],
    now: datetime,
    muted: Muted,
    outcome: Notified,
) -> str | None:
    """What to tell of `incident` now (opened, update, resolved), or None; settles quiet resolutions."""
    window = notify_window(rules, incident.kind)
    if not incident.is_open:
        successor = open_by_group.get(_group(incident))
        if incident.notified_at is not None and successor is not None and successor.notified_at is None:
            _hand_over(incident, successor)
        elif incident.notified_at is not None:
            return "resolved"
        _settle(incident, now)
        outcome.settled_quietly += 1
        return None
    if incident.notified_at is None:
        if muted(incident.kind):
            outcome.muted += 1
            return None
        told = last_told.get(_group(incident))
        too_soon = told is not None and now - told < window
        if too_soon or (incident.cause == NO_DETAILS_CAUSE and now - incident.opened_at < NO_DETAILS_GRACE):
            outcome.held += 1
            return None
        return "opened"
    grew = incident.count > incident.notified_count
    if grew and now - incident.last_notified_at >= window and not muted(incident.kind):
        return "update"
    return None


def _notice(incident: Incident) -> tuple:
    return tuple(getattr(incident, name) for name in NOTICE_FIELDS)


def _hand_over(resolved: Incident, successor: Incident) -> None:
    """The cause came back before anyone was told it went: the new incident is the one they know."""
    successor.notified_at = resolved.notified_at
    successor.notified_count = resolved.notified_count
    successor.last_notified_at = resolved.last_notified_at


def _settle(incident: Incident, now: datetime) -> None:
    incident.notice_settled_at = now


def _tell(organization: Organization, outcome: Notified, now: datetime) -> None:
    told = outcome.told
    if len(told) > DIGEST_AFTER:
        queued: list[AlertMessage] = [messages.digest(told, organization)]
        outcome.digest = True
    else:
        builders = {"opened": messages.opened, "update": messages.still_open, "resolved": messages.resolved}
        queued = [builders[what](incident, organization) for what, incident in told]
    for message in queued:
        outcome.deliveries += message_enqueue(message=message)
    outcome.messages = len(queued)
    for what, incident in told:
        incident.last_notified_at = now
        if what == "resolved":
            _settle(incident, now)
        else:
            incident.notified_count = incident.count
            if what == "opened":
                incident.notified_at = now
