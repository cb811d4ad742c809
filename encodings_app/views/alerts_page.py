"""Settings → Alerts, for organization admins: silences, rules, channels and the delivery log on one page.

The page's forms post to their own views (alert_silences, alert_rules, alert_channels); a refused form comes
back here bound, with its errors, and every other part of the page as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from encodings_app import access
from encodings_app.alert_forms import AlertChannelForm, RuleForm, SilenceForm
from encodings_app.models import AlertChannel, AlertSilence, Role
from encodings_app.selectors.alert_channels import channels_of, delivery_log_of
from encodings_app.services.alert_channels.delivery import PAUSE_AFTER_FAILURES
from encodings_app.services.alerts.rules import RuleSetting, rule_settings
from encodings_app.services.alerts.silences import active_silences, silence_covering, silences_ended
from encodings_app.views.common import render_page


@dataclass(frozen=True)
class RuleRow:
    setting: RuleSetting
    form: RuleForm
    silence: AlertSilence | None  # the active silence muting this rule, if any


def channel_list_context(channels: list[AlertChannel]) -> dict:
    """What the channel list (templates/organizations/_alert_channel_list.html) shows."""
    return {
        "channels": channels,
        "paused": [channel for channel in channels if channel.is_paused],
        "pause_after": PAUSE_AFTER_FAILURES,
    }


def render_alerts(
    request: HttpRequest,
    viewer: access.OrganizationAccess,
    *,
    status: int = 200,
    rule_form: RuleForm | None = None,
    silence_form: SilenceForm | None = None,
    channel_form: AlertChannelForm | None = None,
    **extra,
) -> HttpResponse:
    """The page; `rule_form`, `silence_form` or `channel_form`: a refused form, shown with its errors in
    place of the blank one."""
    organization = viewer.organization
    now = timezone.now()
    silences = active_silences(organization, now)
    rules = [
        RuleRow(
            setting,
            rule_form
            if rule_form is not None and rule_form.setting.kind == setting.kind
            else RuleForm(setting=setting),
            silence_covering(silences, setting.kind),
        )
        for setting in rule_settings(organization)
    ]
    context = {
        **channel_list_context(channels_of(organization)),
        "deliveries": delivery_log_of(organization),
        "form": channel_form or AlertChannelForm(),
        "rules": rules,
        "silences": silences,
        "ended_silences": silences_ended(organization, now),
        "silence_form": silence_form or SilenceForm(),
        **extra,
    }
    return render_page(request, "organizations/alerts.html", context, viewer=viewer, status=status)


@require_GET
def alerts(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    return render_alerts(request, viewer)
