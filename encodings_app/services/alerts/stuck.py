"""Stuck encodings, as the pages define stuck (EncodingQuerySet.stuck): VOD encodings and live streams each
under their own rule, from one aggregate query."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from encodings_app.models import AlertKind, Organization
from encodings_app.models.encoding_queries import stuck_thresholds
from encodings_app.services.alerts.condition import Condition, duration_words, plural
from encodings_app.services.alerts.rules import Rule

LIVE = Q(type="LIVE")


def stuck_conditions(organization: Organization, rules: dict[str, Rule], now: datetime) -> list[Condition]:
    vod_rule, live_rule = rules[AlertKind.STUCK], rules[AlertKind.STUCK_LIVE]
    if not (vod_rule.enabled or live_rule.enabled):
        return []
    counts = (
        organization.encodings.live()
        .stuck(now)
        .aggregate(vod=Count("pk", filter=~LIVE), live=Count("pk", filter=LIVE))
    )
    limits = stuck_thresholds()
    conditions = []
    if vod_rule.enabled and counts["vod"] >= vod_rule.threshold:
        conditions.append(
            Condition(
                kind=AlertKind.STUCK,
                cause="stuck",
                title=f"{plural(counts['vod'], 'encoding')} stuck",
                summary=f"{plural(counts['vod'], 'encoding')} queued for more than "
                f"{duration_words(limits.queued.total_seconds())} or running without progress for "
                f"{duration_words(limits.no_progress.total_seconds())}. Look at their messages; stop and "
                "start again those that do not move.",
                count=counts["vod"],
                details={"list_query": {"stuck": "1", "type": "VOD"}},
            )
        )
    if live_rule.enabled and counts["live"] >= live_rule.threshold:
        conditions.append(
            Condition(
                kind=AlertKind.STUCK_LIVE,
                cause="stuck:live",
                title=f"{plural(counts['live'], 'live encoding')} stuck",
                summary=f"{plural(counts['live'], 'live encoding')} running without a status read confirming "
                f"it for {duration_words(limits.live_no_update.total_seconds())}: the stream may have "
                "stopped. Check the live stream and its ingest; restart it if it does not answer.",
                count=counts["live"],
                details={"list_query": {"stuck": "1", "type": "LIVE"}},
            )
        )
    return conditions
