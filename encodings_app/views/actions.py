"""Operator actions: a confirmation page (works without JavaScript), then the API's answer in plain words.

What each action is, who may ask for it and when the page offers it come from the action registry
(services/action_registry.py); this module only speaks HTTP.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from encodings_app import access
from encodings_app.forms import ReprioritizeForm
from encodings_app.models import Encoding
from encodings_app.services.action_outcomes import ActionOutcome, ActionResult
from encodings_app.services.action_registry import ACTIONS, ActionSpec, pending_spec
from encodings_app.services.actions import encoding_action_perform
from encodings_app.views.common import ACTION_EVIDENCE_KEY, back_to_list, detail_url, render_page

# The level of the message a page shows for each outcome.
MESSAGE_LEVELS: dict[ActionOutcome, int] = {
    ActionOutcome.ACCEPTED: messages.SUCCESS,
    ActionOutcome.ALREADY_QUEUED: messages.SUCCESS,
    ActionOutcome.UNCONFIRMED: messages.WARNING,
    ActionOutcome.REFUSED: messages.ERROR,
    ActionOutcome.KEY_REJECTED: messages.ERROR,
    ActionOutcome.BITMOVIN_RATE_LIMITED: messages.ERROR,
    ActionOutcome.NO_KEY: messages.ERROR,
    ActionOutcome.INVALID: messages.ERROR,
    ActionOutcome.RATE_LIMITED: messages.ERROR,
    ActionOutcome.FAILED: messages.ERROR,
}


def action_message(request: HttpRequest, result: ActionResult) -> None:
    """The result's words for the next page, at its outcome's level."""
    messages.add_message(request, MESSAGE_LEVELS[result.outcome], result.message)


@require_http_methods(["GET", "POST"])
def encoding_action(request: HttpRequest, slug: str, bitmovin_id: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None or not spec.confirm:
        raise Http404("No such action")
    viewer = access.organization_for(request.user, slug, needs=spec.needs)
    encoding = access.encoding_for(viewer.organization, bitmovin_id)
    back = request.POST.get("back", "") if request.method == "POST" else request.GET.get("back", "")
    data = request.POST if request.method == "POST" else None
    form = ReprioritizeForm(data) if spec.argument == "priority" else None
    status = 200
    if request.method == "POST" and (form is None or form.is_valid()):
        result = encoding_action_perform(
            action=spec.key,
            encoding=encoding,
            user=request.user,
            request=request,
            arguments=form.cleaned_data if form is not None else None,
        )
        action_message(request, result)
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
        "offered": spec.offered_for(encoding),
        "pending_spec": pending_spec(encoding),
    }
    return render_page(
        request,
        "encodings/confirm_action.html",
        context,
        viewer=viewer,
        status=status,
    )


def _answered(
    request: HttpRequest, spec: ActionSpec, encoding: Encoding, result: ActionResult, back: str
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
