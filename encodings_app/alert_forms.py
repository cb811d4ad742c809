"""Forms of Settings → Alerts: a channel, one rule's values, and a silence.

They only read what was typed; the limits and their words are the services' (services/alerts/
rule_changes.py, silences.py), so the page and any other caller refuse the same values the same way. The
fields carry those limits as HTML attributes too, for the browser's own hints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.text import capfirst

from encodings_app.forms import DATETIME_FORMATS
from encodings_app.models import AlertChannel, AlertKind
from encodings_app.services.alerts.condition import duration_words
from encodings_app.services.alerts.rule_changes import THRESHOLD_MAX, WINDOW_MINUTES_MAX
from encodings_app.services.alerts.rules import RuleSetting
from encodings_app.services.alerts.silences import DURATIONS, REASON_MAX_LENGTH

UNTIL = "until"


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


class RuleForm(forms.Form):
    """One rule's values; an empty number follows the default. Prefixed with the rule's kind, so that the
    page's five forms have ids of their own."""

    enabled = forms.BooleanField(required=False, label="On")
    threshold = forms.IntegerField(
        required=False,
        label="Threshold",
        widget=forms.NumberInput(attrs={"min": 1, "max": THRESHOLD_MAX, "inputmode": "numeric"}),
    )
    window_minutes = forms.IntegerField(
        required=False,
        label="Window (minutes)",
        widget=forms.NumberInput(attrs={"min": 1, "max": WINDOW_MINUTES_MAX, "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, setting: RuleSetting, **kwargs: Any) -> None:
        saved = setting.saved
        kwargs.setdefault(
            "initial",
            {
                "enabled": setting.effective.enabled,
                "threshold": saved.threshold if saved else None,
                "window_minutes": saved.window_seconds // 60 if saved and saved.window_seconds else None,
            },
        )
        super().__init__(*args, prefix=setting.kind, **kwargs)
        self.setting = setting
        default = setting.default
        threshold = self.fields["threshold"]
        threshold.help_text = (
            f"At least this many {setting.threshold_means} open an incident. Empty: the default, "
            f"{default.threshold}."
        )
        threshold.widget.attrs["placeholder"] = str(default.threshold)
        if not setting.uses_window:
            del self.fields["window_minutes"]
            return
        window = self.fields["window_minutes"]
        window.help_text = (
            f"{capfirst(setting.window_means)}. Empty: the default, "
            f"{duration_words(default.window.total_seconds())}."
        )
        window.widget.attrs["placeholder"] = f"{default.window.total_seconds() / 60:g}"


KIND_CHOICES = [("", "Every rule"), *AlertKind.choices]
DURATION_CHOICES = [*((key, label) for key, (label, _length) in DURATIONS.items()), (UNTIL, "Until…")]


class SilenceForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False, label="Mute")
    duration = forms.ChoiceField(choices=DURATION_CHOICES, initial="1h", label="For")
    until = forms.DateTimeField(
        required=False,
        label="Until (UTC)",
        input_formats=DATETIME_FORMATS,
        help_text="With “Until…”: when notifications resume.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # Required by the service, with its own words; the attribute lets the browser say so before sending.
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        label="Reason",
        help_text="Shown wherever the muted alerts show, e.g. “maintenance window until the provider's fix”.",
        widget=forms.TextInput(attrs={"required": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids of its own: the channel form on the same page has a "kind" too.
        kwargs.setdefault("auto_id", "id_silence_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("duration") == UNTIL and not cleaned.get("until") and "until" not in self.errors:
            self.add_error("until", "Choose the date and time the silence ends.")
        return cleaned

    def ends_at(self, now: datetime) -> datetime:
        """When the silence chosen ends; only for a valid form."""
        duration = self.cleaned_data["duration"]
        if duration == UNTIL:
            return self.cleaned_data["until"]
        return now + DURATIONS[duration][1]
