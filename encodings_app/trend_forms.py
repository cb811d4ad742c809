"""The trends page's window: 7, 30 or 90 days, read from the URL; anything else is named in a note and the
default shown."""

from __future__ import annotations

from django import forms

from encodings_app.forms import ToleratingForm
from encodings_app.selectors.trends import DEFAULT_TREND_DAYS, TREND_DAYS


class TrendWindowForm(ToleratingForm):
    days = forms.TypedChoiceField(
        label="Days",
        required=False,
        coerce=int,
        choices=[(str(days), f"{days} days") for days in TREND_DAYS],
        error_messages={
            "invalid_choice": f"“%(value)s” is not one of {', '.join(map(str, TREND_DAYS))} days; "
            f"the last {DEFAULT_TREND_DAYS} days are shown."
        },
    )

    def days_shown(self) -> int:
        return self.value("days", DEFAULT_TREND_DAYS)
