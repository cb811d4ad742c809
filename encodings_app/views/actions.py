"""Operator actions: a confirmation page (works without JavaScript), then the API's answer in plain words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from encodings_app import access
from encodings_app.forms import ReprioritizeForm
from encodings_app.models import Encoding, EncodingStatus, Role
from encodings_app.services import actions
from encodings_app.views.common import ACTION_EVIDENCE_KEY, back_to_list, detail_url, render_page


@dataclass(frozen=True)
class ActionSpec:
    key: str
    label: str
    question: str
    consequence: str
    danger: bool
    # When the page offers the button. The API has the last word: it refuses with its own precondition
    # error, which the operator then reads.
    offered: Callable[[Encoding], bool]


ACTIONS = {
    spec.key: spec
    for spec in (
        ActionSpec(
            "start",
            "Start",
            "Start this encoding?",
            "Bitmovin queues it and starts encoding when capacity is free; this is billed.",
            False,
            lambda e: e.status == EncodingStatus.CREATED and not e.is_live,
        ),
        ActionSpec(
            "stop",
            "Stop",
            "Stop this encoding?",
            "The work done so far is lost; a stopped encoding cannot be resumed, only started anew.",
            True,
            lambda e: e.status in (EncodingStatus.QUEUED, EncodingStatus.RUNNING),
        ),
        ActionSpec(
            "delete",
            "Delete",
            "Delete this encoding in Bitmovin?",
            "Its configuration and history are removed from Bitmovin; output files already written stay.",
            True,
            lambda e: e.status not in (EncodingStatus.QUEUED, EncodingStatus.RUNNING),
        ),
        ActionSpec(
            "reprioritize",
            "Change priority",
            "Change the priority of this queued encoding?",
            "A higher priority moves it ahead of queued encodings with a lower one.",
            False,
            lambda e: e.status == EncodingStatus.QUEUED,
        ),
        ActionSpec(
            "restart-live",
            "Restart live",
            "Restart this live encoding?",
            "The stream is interrupted while the encoder restarts; viewers may need to reconnect.",
            True,
            lambda e: e.is_live and e.status in (EncodingStatus.RUNNING, EncodingStatus.ERROR),
        ),
    )
}


def offered_actions(encoding: Encoding) -> list[ActionSpec]:
    return [spec for spec in ACTIONS.values() if spec.offered(encoding)]


@require_http_methods(["GET", "POST"])
def encoding_action(request: HttpRequest, slug: str, bitmovin_id: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action")
    organization = access.organization_for(request.user, slug, needs=Role.OPERATOR)
    encoding = access.encoding_for(organization, bitmovin_id)
    encoding.organization = organization
    back = request.POST.get("back", "") if request.method == "POST" else request.GET.get("back", "")
    form = (
        ReprioritizeForm(request.POST if request.method == "POST" else None)
        if action == "reprioritize"
        else None
    )
    status = 200
    if request.method == "POST" and (form is None or form.is_valid()):
        result = perform(spec, encoding, request, form)
        messages.add_message(request, _LEVELS[result.level], result.message)
        if not result.throttled:
            return _answered(request, spec, encoding, result, back)
        # Nothing was done: the same confirmation again, with the wait in words above it.
        status = 429
    elif request.method == "POST":
        status = 400
    context = {
        "encoding": encoding,
        "spec": spec,
        "form": form,
        "back": back,
        "cancel_url": detail_url(slug, bitmovin_id, back),
        "offered": spec.offered(encoding),
    }
    return render_page(
        request, "encodings/confirm_action.html", context, organization=organization, status=status
    )


def _answered(
    request: HttpRequest, spec: ActionSpec, encoding: Encoding, result: actions.ActionResult, back: str
) -> HttpResponse:
    slug = encoding.organization.slug
    if result.evidence is not None:
        request.session[ACTION_EVIDENCE_KEY] = {
            "encoding": encoding.bitmovin_id,
            "evidence": {"action": spec.label, **result.evidence.as_dict()},
        }
    if result.ok and spec.key == "delete":
        return redirect(back_to_list(request, slug))
    return redirect(detail_url(slug, encoding.bitmovin_id, back))


_LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING, "error": messages.ERROR}


def perform(
    spec: ActionSpec, encoding: Encoding, request: HttpRequest, form: ReprioritizeForm | None
) -> actions.ActionResult:
    who = {"encoding": encoding, "user": request.user, "request": request}
    if spec.key == "start":
        return actions.encoding_start(**who)
    if spec.key == "stop":
        return actions.encoding_stop(**who)
    if spec.key == "delete":
        return actions.encoding_delete(**who)
    if spec.key == "reprioritize":
        return actions.encoding_reprioritize(**who, priority=form.cleaned_data["priority"])
    return actions.encoding_restart_live(**who)
