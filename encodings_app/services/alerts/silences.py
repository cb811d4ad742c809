"""Silences: an admin mutes one rule kind, or every rule of an organization, for a while and says why.

A silence holds back notifications only. Incidents keep opening and resolving under it and the pages keep
showing them, with the silence's note (templates/includes/_silence_note.html), so a muted problem is never
mistaken for none. Whatever sends notifications asks active_silences (or active_silences_by_org for many
organizations at once) and silence_covering for each incident's kind.

Active at `now`: started (starts_at <= now), not run out (now < ends_at) and not ended early by then
(ended_at is empty or later). Ending early keeps the planned end, so the history tells both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from encodings_app.models import AlertKind, AlertSilence, Organization
from encodings_app.services.audit import COMMAND_LINE, Action, audit_record

# The choices the settings page offers, besides "until a date and time".
DURATIONS = {
    "1h": ("1 hour", timedelta(hours=1)),
    "4h": ("4 hours", timedelta(hours=4)),
    "1d": ("1 day", timedelta(days=1)),
    "1w": ("1 week", timedelta(weeks=1)),
}
# Longer than a month is not a pause but a decision: turn the rule off, where the rules say so for all to see.
MAX_SILENCE = timedelta(days=30)
REASON_MAX_LENGTH = 300
# How many of the silences that are over the settings page lists.
RECENT_ENDED = 5


class SilenceRefused(Exception):
    """The silence cannot be added; str() says why in plain words and `field` names what is wrong ("kind",
    "ends_at" or "reason")."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def _active_at(now: datetime) -> Q:
    return Q(starts_at__lte=now, ends_at__gt=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=now))


def _now(now: datetime | None) -> datetime:
    return timezone.now() if now is None else now


def _active(now: datetime | None) -> QuerySet[AlertSilence]:
    """Silences active at `now`, newest first, with who added them (for the note's "by ana")."""
    return (
        AlertSilence.objects.filter(_active_at(_now(now)))
        .select_related("created_by")
        .order_by("-starts_at", "-pk")
    )


def active_silences_query(organization: Organization, now: datetime | None = None) -> QuerySet[AlertSilence]:
    """The organization's silences active at `now`, newest first (the API's page; reads the index
    alertsilence_org_ends)."""
    return _active(now).filter(organization=organization)


def active_silences(organization: Organization, now: datetime | None = None) -> list[AlertSilence]:
    """The organization's silences active at `now`, newest first (one query)."""
    return list(active_silences_query(organization, now))


def active_silences_by_org(
    organization_ids: Iterable[int], now: datetime | None = None
) -> dict[int, list[AlertSilence]]:
    """The silences active at `now` of each of these organizations, newest first, for pages and senders that
    deal with many organizations at once (one query). An organization without any is absent."""
    by_org: dict[int, list[AlertSilence]] = defaultdict(list)
    for silence in _active(now).filter(organization_id__in=list(organization_ids)):
        by_org[silence.organization_id].append(silence)
    return dict(by_org)


def silence_covering(silences: Iterable[AlertSilence], kind: str) -> AlertSilence | None:
    """Of these (active) silences, the one that mutes rule `kind`: one of the whole organization or one of
    that kind. When several do, the one that lasts longest, as that is when notifications resume."""
    covering = [silence for silence in silences if not silence.kind or silence.kind == kind]
    return max(covering, key=lambda silence: (silence.until, silence.pk), default=None)


def silences_ended(
    organization: Organization, now: datetime | None = None, *, limit: int = RECENT_ENDED
) -> list[AlertSilence]:
    """The organization's last few silences that are over (run out or ended early), the latest first."""
    now = _now(now)
    over = Q(ends_at__lte=now) | Q(ended_at__lte=now)
    # An organization has few silences: ordering them by when they stopped needs no index of its own.
    return list(
        AlertSilence.objects.filter(over, organization=organization)
        .select_related("created_by")
        .annotate(stopped_at=Coalesce("ended_at", "ends_at"))
        .order_by("-stopped_at", "-pk")[:limit]
    )


def silence_add(
    *,
    organization: Organization,
    kind: str,
    reason: str,
    ends_at: datetime,
    user=None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> AlertSilence:
    """Mute rule `kind` ("" for every rule) of the organization from now until `ends_at`. Raises
    SilenceRefused, adding nothing, for an unknown kind, an end not in the future or past MAX_SILENCE, or an
    empty reason."""
    now = _now(now)
    reason = " ".join(reason.split())
    if kind and kind not in AlertKind.values:
        raise SilenceRefused("Choose a rule, or every rule.", field="kind")
    if ends_at <= now:
        raise SilenceRefused("The end must be in the future.", field="ends_at")
    if ends_at - now > MAX_SILENCE:
        raise SilenceRefused(
            f"A silence lasts at most {MAX_SILENCE.days} days; to stop a rule for longer, turn it off.",
            field="ends_at",
        )
    if not reason:
        raise SilenceRefused("Say why, for whoever sees the alert muted.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise SilenceRefused(f"At most {REASON_MAX_LENGTH} characters.", field="reason")
    silence = AlertSilence.objects.create(
        organization=organization,
        kind=kind,
        reason=reason,
        starts_at=now,
        ends_at=ends_at,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        created_at=now,
    )
    _audit(Action.SILENCE_ADD, silence, user, request, f"Until {utc_minutes(ends_at)}: {reason}")
    return silence


def silence_end(
    *, silence: AlertSilence, user=None, request: HttpRequest | None = None, now: datetime | None = None
) -> bool:
    """End an active silence now; False when it was already over (ran out, or someone ended it first)."""
    now = _now(now)
    ended = AlertSilence.objects.filter(_active_at(now), pk=silence.pk).update(ended_at=now)
    if not ended:
        return False
    silence.ended_at = now
    _audit(Action.SILENCE_END, silence, user, request, f"Planned until {utc_minutes(silence.ends_at)}.")
    return True


def utc_minutes(moment: datetime) -> str:
    """ "2026-12-07 14:00 UTC": a silence's end in plain text (audit entries, messages)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _audit(action: str, silence: AlertSilence, user, request: HttpRequest | None, detail: str) -> None:
    audit_record(
        action=action,
        user=user,
        username="" if user is not None else COMMAND_LINE,
        organization=silence.organization,
        target=silence.what,
        detail=detail,
        request=request,
    )
