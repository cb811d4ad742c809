"""Settings → Alerts, the channels: adding one (its signing secret shown once), "Send test" (in place with
htmx), and removing one after a confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from encodings_app import access
from encodings_app.alert_forms import AlertChannelForm
from encodings_app.models import AlertChannel, Role
from encodings_app.selectors.alert_channels import channels_of
from encodings_app.services.alert_channels.changes import ChannelTest, channel_remove, channel_test
from encodings_app.services.alert_channels.targets import ChannelRefused, channel_add
from encodings_app.views.alerts_page import channel_list_context, render_alerts
from encodings_app.views.common import render_page


@require_POST
@sensitive_post_parameters("target")
@sensitive_variables("target", "added")
def channel_create(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    form = AlertChannelForm(request.POST)
    if not form.is_valid():
        return render_alerts(request, viewer, channel_form=form, status=400)
    try:
        added = channel_add(
            organization=viewer.organization,
            kind=form.cleaned_data["kind"],
            target=form.cleaned_data["target"],
            name=form.cleaned_data["name"],
            created_by=request.user,
            request=request,
        )
    except ChannelRefused as exc:
        form.add_error(exc.field, str(exc))
        return render_alerts(request, viewer, channel_form=form, status=400)
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


def _test_words(channel: AlertChannel, test: ChannelTest) -> tuple[bool, str]:
    result = test.result
    answer = f" (answer {result.status})" if result.status is not None else ""
    if not result.ok:
        return False, f"The test message to “{channel.name}” failed: {result.error}{answer}."
    resumed = " The channel is no longer paused; what waited for it goes out now." if test.resumed else ""
    return True, f"Test message delivered to “{channel.name}”{answer}.{resumed}"


@require_POST
def send_test(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    """With htmx the channel list is redrawn in place with the outcome above it (the channel's state may
    have changed: a delivered test resumes a paused one); without, the outcome waits as a message on the
    page this redirects to."""
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    channel = _channel(viewer, channel_id)
    test = channel_test(channel=channel, user=request.user, request=request)
    ok, words = _test_words(channel, test)
    if request.htmx:
        context = {
            **channel_list_context(channels_of(viewer.organization)),
            "organization": viewer.organization,
            "test_outcome": {"ok": ok, "text": words},
        }
        return render(request, "organizations/_alert_channel_list.html", context)
    (messages.success if ok else messages.error)(request, words)
    return redirect(reverse("organization-alerts", args=[slug]) + "#channels")


@require_POST
def remove(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    """First POST (the page's button) asks for confirmation; the confirming POST removes it."""
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    channel = _channel(viewer, channel_id)
    if request.POST.get("confirm") != "yes":
        return render_page(
            request, "organizations/confirm_channel_remove.html", {"channel": channel}, viewer=viewer
        )
    channel_remove(channel=channel, user=request.user, request=request)
    messages.success(request, f"Channel “{channel.name}” removed, with its delivery log.")
    return redirect(reverse("organization-alerts", args=[slug]) + "#channels")
