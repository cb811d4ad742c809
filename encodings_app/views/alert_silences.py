"""Settings → Alerts, the silences: mute a rule, or every rule, for a while; end a silence early."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from encodings_app import access
from encodings_app.alert_forms import SilenceForm
from encodings_app.models import AlertSilence, Role
from encodings_app.services.alerts import silences
from encodings_app.views.alerts_page import render_alerts

# The form's name for what the service calls the end.
FORM_FIELD = {"ends_at": "until"}


def _back(slug: str):
    return redirect(reverse("organization-alerts", args=[slug]) + "#silences")


@require_POST
def add(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    form = SilenceForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        try:
            silence = silences.silence_add(
                organization=viewer.organization,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                ends_at=form.ends_at(now),
                user=request.user,
                request=request,
                now=now,
            )
        except silences.SilenceRefused as exc:
            form.add_error(FORM_FIELD.get(exc.field, exc.field), str(exc))
        else:
            until = silences.utc_minutes(silence.ends_at)
            messages.success(
                request, f"{silence.what} muted until {until}: nothing is sent for it until then."
            )
            return _back(slug)
    return render_alerts(request, viewer, silence_form=form, status=400)


@require_POST
def end(request: HttpRequest, slug: str, silence_id: int) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    silence = AlertSilence.objects.filter(pk=silence_id, organization=viewer.organization).first()
    if silence is None:
        raise Http404("No such silence")
    silence.organization = viewer.organization
    if silences.silence_end(silence=silence, user=request.user, request=request):
        messages.success(request, f"Silence of “{silence.what}” ended: notifications are sent again.")
    else:
        messages.info(request, f"The silence of “{silence.what}” was already over.")
    return _back(slug)
