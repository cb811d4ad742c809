"""Failed encodings: one condition per cause (an error code, or the encoder's category and code for an error
the catalogue does not know) within the rule's window, and the spike across causes. One grouped query,
whatever the number of failures.

A failure is an Encoding row in a failed status, whether a webhook or a sync recorded it, so counting
rows (not events) counts each failure once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Q

from encodings_app.bitmovin.error_codes import CATALOGUE
from encodings_app.models import FAILED_AT, AlertKind, Organization, explain_failure
from encodings_app.services.alerts.condition import Condition, duration_words, list_time, plural
from encodings_app.services.alerts.rules import Rule


@dataclass
class _Group:
    code: int | None
    category: str
    text: str
    hint: str
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None


def failure_cause(code: int | None, category: str) -> str:
    """The cause key of a failure: the catalogue's code; else the encoder's category and code (Task errors
    whose codes the catalogue does not list); else "no details yet"."""
    if code in CATALOGUE:
        return f"failed:code:{code}"
    if code is None and not category:
        return "failed:no-details"
    return f"failed:task:{category or 'unknown'}:{code if code is not None else 'none'}"


def failure_conditions(organization: Organization, rules: dict[str, Rule], now: datetime) -> list[Condition]:
    failed_rule, spike_rule = rules[AlertKind.FAILED], rules[AlertKind.SPIKE]
    enabled = [rule for rule in (failed_rule, spike_rule) if rule.enabled]
    if not enabled:
        return []
    failed_since, spike_since = now - failed_rule.window, now - spike_rule.window
    in_window, in_spike = Q(failed_at__gte=failed_since), Q(failed_at__gte=spike_since)
    rows = (
        organization.encodings.live()
        .failed_since(now - max(rule.window for rule in enabled))
        .order_by()
        .values("error_code", "error_category")
        .annotate(
            n=Count("pk", filter=in_window),
            first=Min(FAILED_AT, filter=in_window),
            last=Max(FAILED_AT, filter=in_window),
            spike_n=Count("pk", filter=in_spike),
            spike_first=Min(FAILED_AT, filter=in_spike),
            text=Max("error_text"),
            hint=Max("error_retry_hint"),
        )
    )
    groups: dict[str, _Group] = {}
    spike_total, spike_first, spike_causes = 0, None, set()
    for row in rows:
        cause = failure_cause(row["error_code"], row["error_category"])
        if row["spike_n"]:
            spike_total += row["spike_n"]
            spike_causes.add(cause)
            spike_first = min(filter(None, (spike_first, row["spike_first"])))
        if not row["n"]:
            continue
        group = groups.setdefault(
            cause, _Group(row["error_code"], row["error_category"], row["text"] or "", row["hint"] or "")
        )
        group.count += row["n"]
        group.first = min(filter(None, (group.first, row["first"])))
        group.last = max(filter(None, (group.last, row["last"])))
    conditions = []
    if failed_rule.enabled:
        conditions += [
            _failed(cause, group, failed_rule)
            for cause, group in sorted(groups.items())
            if group.count >= failed_rule.threshold
        ]
    # Failures of one cause are that cause's incident already (one message for 300 failures, not two); the
    # spike tells of many causes at once, or of one whose own rule is off.
    many_causes = len(spike_causes) > 1 or not failed_rule.enabled
    if spike_rule.enabled and spike_total >= spike_rule.threshold and many_causes and spike_first:
        conditions.append(_spike(spike_total, len(spike_causes), spike_first, spike_rule))
    return conditions


def _failed(cause: str, group: _Group, rule: Rule) -> Condition:
    explanation = explain_failure(group.code, group.category, group.text, group.hint)
    code = f" (error {group.code})" if group.code is not None else ""
    retry = {True: "Retrying helps.", False: "Retrying does not help."}.get(
        explanation.retry_helps, "Whether retrying helps is not known."
    )
    window = duration_words(rule.window.total_seconds())
    # One line each: a message shows them as lines; a page as one paragraph.
    summary = "\n".join(
        part
        for part in (
            f"{plural(group.count, 'encoding')} failed in the last {window} with {explanation.title}{code}.",
            explanation.meaning,
            f"What to do: {explanation.what_to_do}",
            retry,
            f"Documentation: {explanation.doc_url}" if explanation.doc_url else "",
        )
        if part
    )
    # The list filtered to exactly these encodings: this code, failed since the first of them. (The list
    # cannot filter by the encoder's category, nor by "no code": those groups' lists show a little more.)
    query = {"failed_from": list_time(group.first)}
    if group.code is not None:
        query["code"] = str(group.code)
    return Condition(
        kind=AlertKind.FAILED,
        cause=cause,
        title=f"{plural(group.count, 'encoding')} failed: {explanation.title}{code}",
        summary=summary,
        count=group.count,
        details={
            "error_code": group.code,
            "error_category": explanation.category,
            "meaning": explanation.meaning,
            "what_to_do": explanation.what_to_do,
            "retry_helps": explanation.retry_helps,
            "doc_url": explanation.doc_url,
            "window_seconds": int(rule.window.total_seconds()),
            "first_failed_at": group.first.isoformat(),
            "last_failed_at": group.last.isoformat(),
            "list_query": query,
        },
    )


def _spike(total: int, causes: int, first: datetime, rule: Rule) -> Condition:
    window = duration_words(rule.window.total_seconds())
    return Condition(
        kind=AlertKind.SPIKE,
        cause="spike",
        title=f"Failure spike: {plural(total, 'encoding')} failed in {window}",
        summary=f"{plural(total, 'encoding')} failed in the last {window} with {causes} different causes, at "
        f"least {rule.threshold} (this rule's threshold). Each cause has its own incident with what to do.",
        count=total,
        details={
            "threshold": rule.threshold,
            "window_seconds": int(rule.window.total_seconds()),
            "list_query": {"failed_from": list_time(first)},
        },
    )
