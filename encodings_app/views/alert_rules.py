"""Settings → Alerts, the rules: change one rule's values, or put it back to its defaults."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from encodings_app import access
from encodings_app.alert_forms import RuleForm
from encodings_app.models import Role
from encodings_app.services.alerts import rule_changes
from encodings_app.services.alerts.rules import RuleSetting, rule_settings
from encodings_app.views.alerts_page import render_alerts


def _setting(viewer: access.OrganizationAccess, kind: str) -> RuleSetting:
    for setting in rule_settings(viewer.organization):
        if setting.kind == kind:
            return setting
    raise Http404("No such alert rule")


def _back(slug: str, kind: str):
    return redirect(reverse("organization-alerts", args=[slug]) + f"#rule-{kind}")


@require_POST
def change(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    setting = _setting(viewer, kind)
    form = RuleForm(request.POST, setting=setting)
    if form.is_valid():
        try:
            rule = rule_changes.rule_change(
                organization=viewer.organization,
                kind=kind,
                enabled=form.cleaned_data["enabled"],
                threshold=form.cleaned_data["threshold"],
                window_minutes=form.cleaned_data.get("window_minutes"),
                user=request.user,
                request=request,
            )
        except rule_changes.RuleRefused as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"“{setting.label}” saved: {rule_changes.rule_words(rule)}.")
            return _back(slug, kind)
    return render_alerts(request, viewer, rule_form=form, status=400)


@require_POST
def reset(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.ADMIN)
    setting = _setting(viewer, kind)
    if rule_changes.rule_reset(
        organization=viewer.organization, kind=kind, user=request.user, request=request
    ):
        words = rule_changes.rule_words(setting.default)
        messages.success(request, f"“{setting.label}” is back to its defaults: {words}.")
    else:
        messages.info(request, f"“{setting.label}” already has its defaults.")
    return _back(slug, kind)
