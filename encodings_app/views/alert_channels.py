"""Settings → Alerts, for organization admins: the channels (masked), adding and removing one, "Send test",
and the delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from encodings_app import access
from encodings_app.models import AlertChannel, Role
from encodings_app.selectors.alert_channels import channels_of, delivery_log_of
from encodings_app.services.alert_channels.delivery import PAUSE_AFTER_FAILURES, channel_send_test
from encodings_app.services.alert_channels.targets import ChannelRefused, channel_add
from encodings_app.views.common import render_page


class AlertChannelForm(forms.Form):
    kind = forms.ChoiceField(choices=AlertChannel.Kind.choices)
    name = forms.CharField(
        max_length=80, required=False, help_text="How this page names it; its kind if empty."
    )
    target = forms.CharField(
        label="Address or URL",
        max_length=1000,
        help_text="E-mail addresses (comma-separated), or the webhook's URL. Stored encrypted, shown masked.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def render_alerts(request: HttpRequest, viewer: access.OrganizationAccess, **extra) -> HttpResponse:
    organization = viewer.organization
    status = extra.pop("status", 200)
    channels = channels_of(organization)
    context = {
        "channels": channels,
        "paused": [channel for channel in channels if channel.is_paused],
        "deliveries": delivery_log_of(organization),
        "form": extra.pop("form", None) or AlertChannelForm(),
        "pause_after": PAUSE_AFTER_FAILURES,
        **extra,
    }
    return render_page(request, "organizations/alerts.html", context, viewer=viewer, status=status)


@require_GET
def alerts(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    return render_alerts(request, viewer)


@require_POST
@sensitive_post_parameters("target")
@sensitive_variables("target", "added")
def channel_create(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    form = AlertChannelForm(request.POST)
    if not form.is_valid():
        return render_alerts(request, viewer, form=form, status=400)
    try:
        added = channel_add(
            organization=viewer.organization,
            kind=form.cleaned_data["kind"],
            target=form.cleaned_data["target"],
            name=form.cleaned_data["name"],
            created_by=request.user,
        )
    except ChannelRefused as exc:
        form.add_error(exc.field, str(exc))
        return render_alerts(request, viewer, form=form, status=400)
    if added.signing_secret is None:
        messages.success(request, f"Channel “{added.channel.name}” added. Send a test to check it.")
        return redirect("organization-alerts", slug=slug)
    # The signing secret is in this answer only: never in a redirect, a message or the session.
    response = render_alerts(request, viewer, new_channel=added.channel, signing_secret=added.signing_secret)
    add_never_cache_headers(response)
    return response


def _channel(viewer: access.OrganizationAccess, channel_id: int) -> AlertChannel:
    """A channel of this organization; any other's is a 404, so its existence does not leak."""
    channel = AlertChannel.objects.filter(pk=channel_id, organization=viewer.organization).first()
    if channel is None:
        raise Http404("No such alert channel")
    channel.organization = viewer.organization
    return channel


@require_POST
def channel_test(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    channel = _channel(viewer, channel_id)
    was_paused = channel.is_paused
    result = channel_send_test(channel=channel)
    answer = f" (answer {result.status})" if result.status is not None else ""
    if result.ok:
        resumed = " The channel is no longer paused; what waited for it goes out now." if was_paused else ""
        messages.success(request, f"Test message delivered to “{channel.name}”{answer}.{resumed}")
    else:
        messages.error(request, f"The test message to “{channel.name}” failed: {result.error}{answer}.")
    return redirect("organization-alerts", slug=slug)


@require_POST
def channel_remove(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    channel = _channel(viewer, channel_id)
    channel.delete()
    messages.success(request, f"Channel “{channel.name}” removed, with its delivery log.")
    return redirect("organization-alerts", slug=slug)
