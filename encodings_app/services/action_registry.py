"""Every action on an encoding, declared once: what it is called, what the confirmation asks, who may, when
it is offered, which client call does it, what state it leads to, and whether a fresh read follows.

The detail page's buttons, the confirmation page, the API's action endpoints and the service that performs
an action all read this table. What it says about when an action is offered is the page's guess from the
mirror: Bitmovin has the last word and refuses with its own precondition error, which the operator reads.
That guess goes by the encoding's effective status: once Bitmovin has accepted a start, the page offers what
a queued encoding allows, not another start (Encoding.pending_mark).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from encodings_app.access import has_role
from encodings_app.bitmovin import BitmovinClient, ResourceId
from encodings_app.models import ACTIVE_STATUSES, Encoding, EncodingStatus, Role
from encodings_app.services.audit import Action

# Bitmovin's priority range; higher runs sooner.
PRIORITY_MIN, PRIORITY_MAX = 0, 100

Call = Callable[[BitmovinClient, Encoding, Mapping[str, Any]], ResourceId]


@dataclass(frozen=True)
class ActionSpec:
    key: str  # in the page's and the API's URLs
    label: str  # the button's words
    verb: str  # "Could not <verb> …"
    done: str  # "… was <done>"
    question: str  # the confirmation page's title
    consequence: str  # what the confirmation page warns of
    needs: str  # the least role that may ask for it
    audit_action: str
    # The client call; None for the refresh, which only queues a fresh read of the encoding.
    call: Call | None
    # The words when Bitmovin accepted: ``{name}`` is the quoted encoding name, other fields the arguments.
    accepted: str
    # Statuses in which the page offers it (None: any), and for which kind (None: live and VOD alike).
    statuses: frozenset[str] | None = None
    live: bool | None = None
    danger: bool = False
    # Asked on a confirmation page first; the refresh changes nothing in Bitmovin and is one click.
    confirm: bool = True
    # The one argument it takes, by the API's name, and what the audit log keeps of it.
    argument: str = ""
    audit_detail: str = ""
    # A fresh read of the encoding follows, so the mirror catches up without waiting for the next sync.
    refresh_after: bool = True
    # The status Bitmovin will report once the accepted call takes effect ("" when the encoding will be
    # gone), shown as pending until a read settles it; None where nothing visible changes.
    expects: Callable[[Encoding], str] | None = None
    # The pending state's words ("Stopping"), shown with a trailing ellipsis.
    pending_label: str = ""

    def offered_for(self, encoding: Encoding) -> bool:
        """Whether the page offers it for the encoding as the mirror last saw it, or as an accepted action
        still pending will leave it."""
        if self.statuses is not None and encoding.effective_status not in self.statuses:
            return False
        return self.live is None or encoding.is_live == self.live


def _stop(client: BitmovinClient, encoding: Encoding, arguments: Mapping[str, Any]) -> ResourceId:
    # Live encodings have their own stop, which ends the stream cleanly.
    if encoding.is_live:
        return client.stop_live_encoding(encoding.bitmovin_id)
    return client.stop_encoding(encoding.bitmovin_id)


def _stopped(encoding: Encoding) -> str:
    # The live stop ends the stream as finished; any other stop cancels the run.
    return EncodingStatus.FINISHED if encoding.is_live else EncodingStatus.CANCELED


ACTIONS: dict[str, ActionSpec] = {
    spec.key: spec
    for spec in (
        ActionSpec(
            key="start",
            label="Start",
            verb="start",
            done="started",
            question="Start this encoding?",
            consequence="Bitmovin queues it and starts encoding when capacity is free; this is billed.",
            needs=Role.OPERATOR,
            audit_action=Action.ENCODING_START,
            call=lambda client, encoding, arguments: client.start_encoding(encoding.bitmovin_id),
            accepted="Start requested: Bitmovin accepted {name} and will queue it.",
            statuses=frozenset({EncodingStatus.CREATED}),
            live=False,
            expects=lambda encoding: EncodingStatus.QUEUED,
            pending_label="Starting",
        ),
        ActionSpec(
            key="stop",
            label="Stop",
            verb="stop",
            done="stopped",
            question="Stop this encoding?",
            consequence="The work done so far is lost; a stopped encoding cannot be resumed, only started "
            "anew.",
            needs=Role.OPERATOR,
            audit_action=Action.ENCODING_STOP,
            call=_stop,
            accepted="Stop requested: Bitmovin is stopping {name}.",
            statuses=frozenset(ACTIVE_STATUSES),
            danger=True,
            expects=_stopped,
            pending_label="Stopping",
        ),
        ActionSpec(
            key="delete",
            label="Delete",
            verb="delete",
            done="deleted",
            question="Delete this encoding in Bitmovin?",
            consequence="Its configuration and history are removed from Bitmovin; output files already "
            "written stay.",
            needs=Role.OPERATOR,
            audit_action=Action.ENCODING_DELETE,
            call=lambda client, encoding, arguments: client.delete_encoding(encoding.bitmovin_id),
            accepted="{name} was deleted in Bitmovin.",
            statuses=frozenset(EncodingStatus.values) - set(ACTIVE_STATUSES),
            danger=True,
            expects=lambda encoding: "",
            pending_label="Deleting",
        ),
        ActionSpec(
            key="reprioritize",
            label="Change priority",
            verb="reprioritize",
            done="reprioritized",
            question="Change the priority of this queued encoding?",
            consequence="A higher priority moves it ahead of queued encodings with a lower one.",
            needs=Role.OPERATOR,
            audit_action=Action.ENCODING_REPRIORITIZE,
            call=lambda client, encoding, arguments: client.reprioritize_encoding(
                encoding.bitmovin_id, arguments["priority"]
            ),
            accepted="Priority of {name} set to {priority}.",
            statuses=frozenset({EncodingStatus.QUEUED}),
            argument="priority",
            audit_detail="Priority {priority}.",
        ),
        ActionSpec(
            key="restart-live",
            label="Restart live",
            verb="restart",
            done="restarted",
            question="Restart this live encoding?",
            consequence="The stream is interrupted while the encoder restarts; viewers may need to "
            "reconnect.",
            needs=Role.OPERATOR,
            audit_action=Action.ENCODING_RESTART_LIVE,
            call=lambda client, encoding, arguments: client.restart_live_encoding(encoding.bitmovin_id),
            accepted="Restart requested: Bitmovin is restarting the live encoding {name}.",
            statuses=frozenset({EncodingStatus.RUNNING, EncodingStatus.ERROR}),
            live=True,
            danger=True,
            # A restart begins a new run, queued first.
            expects=lambda encoding: EncodingStatus.QUEUED,
            pending_label="Restarting",
        ),
        ActionSpec(
            key="refresh",
            label="Refresh now",
            verb="refresh",
            done="refreshed",
            question="Read this encoding from Bitmovin now?",
            consequence="Nothing changes in Bitmovin; the page shows what Bitmovin says once it is read.",
            # Any member may: it changes nothing in Bitmovin.
            needs=Role.VIEWER,
            audit_action=Action.ENCODING_REFRESH,
            call=None,
            accepted="A fresh read of {name} was requested; the page updates when it arrives.",
            confirm=False,
        ),
    )
}

# The answer to a refresh while one is already queued (ALREADY_QUEUED).
REFRESH_ALREADY_QUEUED = "A refresh of this encoding is already on its way; the page updates when it arrives."


def actions_offered(encoding: Encoding, *, role: str | None) -> list[ActionSpec]:
    """The actions the page offers this user for the encoding in its effective status, in the table's
    order."""
    return [spec for spec in ACTIONS.values() if has_role(role, spec.needs) and spec.offered_for(encoding)]


def pending_spec(encoding: Encoding) -> ActionSpec | None:
    """The accepted action still pending on the encoding (Encoding.pending_mark), if any."""
    mark = encoding.pending_mark()
    return ACTIONS.get(mark.action) if mark is not None else None


@dataclass(frozen=True)
class RetryOffer:
    """What a failed encoding's error panel offers where starting again can help: the action Bitmovin allows,
    or, where there is none, how to run it again in plain words."""

    advice: str
    action: ActionSpec | None = None


def retry_offer(encoding: Encoding, *, role: str | None) -> RetryOffer:
    """Bitmovin restarts a live encoding (in the statuses the restart's spec names); a finished or failed VOD
    encoding cannot be started again at all, so the way is a new encoding with the same configuration."""
    restart = ACTIONS["restart-live"]
    if encoding.is_live:
        if not restart.offered_for(encoding):
            return RetryOffer(
                "Bitmovin restarts a live encoding only while it is running or after an error, not in this "
                "state. Start a new live encoding with the same configuration instead."
            )
        if not has_role(role, restart.needs):
            return RetryOffer(
                "Bitmovin can restart this live encoding; an operator or admin can do that here."
            )
        return RetryOffer(
            "Bitmovin can restart this live encoding; the stream is interrupted while the encoder restarts.",
            restart,
        )
    return RetryOffer(
        "Bitmovin cannot start a finished or failed VOD encoding again. To run it again, create a new "
        "encoding with the same configuration (input, codec configurations, streams, muxings and outputs), "
        "for example by running again the workflow or script that created this one, then start the new one."
    )
