"""Performing an action on an encoding (see action_registry for the actions), answered in plain words.

Each action calls the API once with the organization's key and then asks for a fresh read of the encoding,
so the mirror catches up without waiting for the next sync. The API decides whether the action is allowed:
its precondition errors (2021, 2028, 2029, 2030, 2047) are explained to the operator as they are, so the
page's idea of the encoding's state is never the last word.

Every action, a refresh included, first spends one unit of its user's action limit (ACTION_RATE_LIMIT per
ACTION_RATE_WINDOW_SECONDS, pages and API together), and leaves an entry in the audit log with its outcome
and Bitmovin's requestId. At most one fresh read of an encoding waits in the queue at a time.

An accepted action that changes the encoding's state also leaves a pending mark on its mirror row, in the
same transaction as its audit entry: the state it leads to, shown at once and marked as pending, so that
nobody is invited to start an encoding twice while the mirror has not read it yet (Encoding.pending_mark).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from encodings_app.bitmovin import (
    ActionOutcomeUnknownError,
    BitmovinError,
    InvalidArgumentError,
    RateLimitedError,
)
from encodings_app.bitmovin.ids import is_valid_id
from encodings_app.models import Encoding
from encodings_app.services.action_outcomes import (
    ActionOutcome,
    ActionResult,
    ErrorEvidence,
    outcome_of_error,
)
from encodings_app.services.action_registry import ACTIONS, REFRESH_ALREADY_QUEUED, ActionSpec
from encodings_app.services.audit import audit_record
from encodings_app.services.clients import KeyUnavailable, client_for
from encodings_app.services.mirror import bump_data_version
from encodings_app.services.ratelimit import window_spend
from encodings_app.services.refresh_outbox import refresh_request

logger = logging.getLogger(__name__)


def encoding_action_perform(
    *,
    action: str,
    encoding: Encoding,
    user: Any,
    request: HttpRequest | None = None,
    arguments: Mapping[str, Any] | None = None,
) -> ActionResult:
    """Perform the registry's ``action`` on the encoding for the user, within the user's action limit, and
    record it in the audit log. The caller has checked the user's role (``ActionSpec.needs``)."""
    spec = ACTIONS[action]
    arguments = dict(arguments or {})
    throttled = _throttle(spec, encoding, user, request)
    if throttled is not None:
        return throttled
    # The refresh calls nothing in Bitmovin: it only queues a fresh read.
    result = _send(spec, encoding, user, arguments) if spec.call else _refresh_request(spec, encoding)
    with transaction.atomic():
        encoding_action_record(
            action=action, encoding=encoding, user=user, result=result, arguments=arguments, request=request
        )
    return result


class ActionDeferred(Exception):
    """Nothing reached Bitmovin: the key's request budget, or Bitmovin's own limit (HTTP 429), refused the
    call before it was processed. Sending it again after ``retry_after`` seconds is safe."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; try again in {retry_after:.1f} s")
        self.retry_after = retry_after


def encoding_action_send(
    *, action: str, encoding: Encoding, user: Any, arguments: Mapping[str, Any] | None = None
) -> ActionResult:
    """The registry's ``action`` sent for work nobody waits for on a page (bulk jobs): a worker's client,
    spending from the key's background budget, never sleeping through a 429. Not counted against the user's
    own action limit (the key's budget paces the work) and not recorded: the caller records the result with
    encoding_action_record. Raises ActionDeferred when a rate limit refused the call before it went out."""
    spec = ACTIONS[action]
    return _send(spec, encoding, user, dict(arguments or {}), interactive=False)


def encoding_action_record(
    *,
    action: str,
    encoding: Encoding,
    user: Any,
    result: ActionResult,
    arguments: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    note: str = "",
) -> None:
    """What an answered action leaves behind, in the caller's transaction: the pending mark of an accepted
    one, and its one audit entry (``note`` leads the entry's detail)."""
    spec = ACTIONS[action]
    if result.outcome == ActionOutcome.ACCEPTED and spec.expects is not None:
        _pending_record(spec, encoding, expected=spec.expects(encoding))
    detail = _audit_detail(spec, result, arguments or {})
    _audit(spec, encoding, user, request, result, f"{note} {detail}".strip())


def _pending_record(spec: ActionSpec, encoding: Encoding, *, expected: str) -> None:
    """Mark the row with the state the accepted action leads to. Only the mark's columns are written: a
    fresh read that landed meanwhile keeps what it wrote, and the mark then counts as settled by it."""
    mark = {
        "pending_action": spec.key,
        "pending_status": expected,
        "pending_from": encoding.status,
        "pending_since": timezone.now(),
    }
    Encoding.objects.filter(pk=encoding.pk).update(**mark)
    for name, value in mark.items():
        setattr(encoding, name, value)
    # Pages that answer "nothing changed" by the data version (the wall) must show the mark too.
    bump_data_version(encoding.organization_id)


def _name(encoding: Encoding) -> str:
    return f"“{encoding.name or encoding.bitmovin_id}”"


def _send(
    spec: ActionSpec, encoding: Encoding, user: Any, arguments: dict[str, Any], *, interactive: bool = True
) -> ActionResult:
    organization = encoding.organization
    if not is_valid_id(encoding.bitmovin_id):
        # Only a row stored before ids were checked can hold one; the API is never asked about it.
        return ActionResult(
            spec.key,
            ActionOutcome.INVALID,
            f"Could not {spec.verb} {_name(encoding)}: its id is not one Bitmovin gives out, so nothing was "
            "sent.",
            field="encodingId",
        )
    try:
        client = client_for(organization, interactive=interactive)
    except KeyUnavailable as exc:
        return ActionResult(
            spec.key,
            ActionOutcome.NO_KEY,
            f"Could not {spec.verb} {_name(encoding)}: {exc}. An admin can enter the key in the settings.",
        )
    try:
        with client:
            resource = spec.call(client, encoding, arguments)
    except ActionOutcomeUnknownError as exc:
        _refresh_enqueue(encoding)
        seen = f" Its status right afterwards was {exc.observed_status}." if exc.observed_status else ""
        logger.warning(
            "%s of encoding %s in %s: outcome unknown", spec.key, encoding.bitmovin_id, organization.slug
        )
        unconfirmed = (
            f"We could not confirm that {_name(encoding)} was {spec.done}: Bitmovin did not answer in time, "
            f"and the request was not sent again.{seen} The status will tell once the dashboard reads it."
        )
        evidence = ErrorEvidence(
            title="Outcome not confirmed",
            meaning=unconfirmed,
            what_to_do="Wait for the next status read (or use Refresh now) before trying again.",
            doc_url="",
            http_status=exc.http_status,
            message=exc.message or "",
            request_id=exc.request_id or "",
        )
        return ActionResult(
            spec.key,
            ActionOutcome.UNCONFIRMED,
            unconfirmed,
            evidence=evidence,
            request_id=evidence.request_id,
        )
    except RateLimitedError as exc:
        if interactive:
            return _refused(spec, encoding, exc)
        # A worker's call: refused before Bitmovin processed anything, so the caller may send it later.
        raise ActionDeferred(exc.retry_after if exc.retry_after is not None else 1.0) from None
    except InvalidArgumentError as exc:
        return ActionResult(
            spec.key,
            ActionOutcome.INVALID,
            f"Could not {spec.verb} {_name(encoding)}: {exc}.",
            field=spec.argument,
        )
    except BitmovinError as exc:
        return _refused(spec, encoding, exc)
    if spec.refresh_after:
        _refresh_enqueue(encoding)
    logger.info(
        "%s of encoding %s in %s by %s accepted (request %s)",
        spec.key,
        encoding.bitmovin_id,
        organization.slug,
        getattr(user, "username", "?"),
        resource.request_id,
    )
    message = spec.accepted.format(name=_name(encoding), **arguments)
    if getattr(resource, "verified_by_status", False):
        message += " The answer was lost on the way, but the encoding's status shows it took effect."
    return ActionResult(spec.key, ActionOutcome.ACCEPTED, message, request_id=resource.request_id or "")


def _refused(spec: ActionSpec, encoding: Encoding, exc: BitmovinError) -> ActionResult:
    evidence = ErrorEvidence.from_error(exc)
    logger.info(
        "%s of encoding %s in %s refused: %s",
        spec.key,
        encoding.bitmovin_id,
        encoding.organization.slug,
        exc,
    )
    quoted = f" (request id {exc.request_id})" if exc.request_id else ""
    return ActionResult(
        spec.key,
        outcome_of_error(exc),
        f"Bitmovin did not {spec.verb} {_name(encoding)}: {evidence.title}. {evidence.what_to_do}{quoted}",
        evidence=evidence,
        request_id=exc.request_id or "",
    )


def _refresh_request(spec: ActionSpec, encoding: Encoding) -> ActionResult:
    if _refresh_enqueue(encoding):
        return ActionResult(spec.key, ActionOutcome.ACCEPTED, spec.accepted.format(name=_name(encoding)))
    return ActionResult(spec.key, ActionOutcome.ALREADY_QUEUED, REFRESH_ALREADY_QUEUED)


def _audit_detail(spec: ActionSpec, result: ActionResult, arguments: Mapping[str, Any]) -> str:
    if result.outcome == ActionOutcome.ALREADY_QUEUED:
        return "A fresh read was already queued; none was added."
    if spec.call is None:
        return "A fresh read was queued."
    return spec.audit_detail.format(**arguments) if spec.audit_detail and arguments else ""


def _audit(
    spec: ActionSpec,
    encoding: Encoding,
    user: Any,
    request: HttpRequest | None,
    result: ActionResult,
    detail: str = "",
) -> None:
    evidence = result.evidence
    if evidence is not None:
        said = f"HTTP {evidence.http_status}" if evidence.http_status else "no answer"
        code = f", code {evidence.code}" if evidence.code is not None else ""
        detail = f"{detail} {evidence.title} ({said}{code}).".strip()
    elif not result.ok:
        detail = f"{detail} {result.message}".strip()
    audit_record(
        action=spec.audit_action,
        user=user,
        organization=encoding.organization,
        outcome=result.audit_outcome,
        target=encoding.bitmovin_id,
        detail=detail,
        request_id=result.request_id,
        request=request,
    )


def _throttle(
    spec: ActionSpec, encoding: Encoding, user: Any, request: HttpRequest | None
) -> ActionResult | None:
    """None while the user's action limit allows one more; otherwise the answer that says how long to wait."""
    limit, window = settings.ACTION_RATE_LIMIT, settings.ACTION_RATE_WINDOW_SECONDS
    who = getattr(user, "pk", None) or "anonymous"
    spent = window_spend(f"action-limit:user:{who}", limit=limit, window_seconds=window, now=time.time())
    if not spent.over_limit:
        return None
    wait = math.ceil(spent.retry_after)
    period = "a minute" if window == 60 else f"{window} s"
    result = ActionResult(
        spec.key,
        ActionOutcome.RATE_LIMITED,
        f"You have asked for more than {limit} {'action' if limit == 1 else 'actions'} in {period}, "
        f"so this one was not done and nothing was sent to Bitmovin. Try again in {wait} s.",
        retry_after=wait,
    )
    # One entry per window, at the first refusal: a flood must not flood the audit log as well.
    if spent.first_refusal:
        _audit(spec, encoding, user, request, result, detail="The user's action limit was reached.")
    return result


def _refresh_enqueue(encoding: Encoding) -> bool:
    """Ask for a fresh read (services/refresh_outbox.py); True when none was waiting already."""
    return refresh_request(organization_id=encoding.organization_id, bitmovin_id=encoding.bitmovin_id).created
