"""The one function every write path calls to leave a trace in the audit log.

What goes in is chosen by the caller in plain words (an action, a target, an outcome, Bitmovin's requestId);
never a key, a secret, a password or a token. The detail is cut to its column so a long message cannot fail
the write it describes.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest

from dashboard.client_ip import client_ip as request_client_ip
from encodings_app.models import AuditEvent, Organization

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome

# Who did it, when a management command did: there is no logged-in user on a shell.
COMMAND_LINE = "(command line)"


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (through trusted proxies only: see dashboard/client_ip.py)."""
    if request is None:
        return None
    return request_client_ip(request)


def audit_record(
    *,
    action: str,
    user=None,
    organization: Organization | None = None,
    outcome: str = Outcome.OK,
    target: str = "",
    detail: str = "",
    request_id: str = "",
    request: HttpRequest | None = None,
    username: str = "",
) -> AuditEvent:
    """Record that `user` did `action` (in `organization`, on `target`) and how it ended."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    event = AuditEvent.objects.create(
        action=AuditEvent.Action(action),
        outcome=AuditEvent.Outcome(outcome),
        user=user,
        username=(user.get_username() if user is not None else username)[:150],
        organization=organization,
        organization_slug=organization.slug if organization is not None else "",
        target=str(target)[:200],
        detail=str(detail)[:500],
        request_id=str(request_id or "")[:100],
        source_ip=client_ip(request),
    )
    logger.info(
        "audit: %s by %s in %s on %s: %s",
        event.action,
        event.username or "-",
        event.organization_slug or "-",
        event.target or "-",
        event.outcome,
    )
    return event
