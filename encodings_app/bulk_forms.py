"""The form of a bulk action, as the list posts it and the confirmation page posts it again."""

from __future__ import annotations

from typing import Any

from django import forms

from encodings_app.services.action_registry import ACTIONS, PRIORITY_MAX, PRIORITY_MIN
from encodings_app.services.bulk_actions import BULK_ACTIONS, BULK_LIMIT

CHOSEN, MATCHING = "chosen", "matching"


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        label="Action",
        choices=[(key, ACTIONS[key].label) for key in BULK_ACTIONS],
        error_messages={"required": "Choose what to do with the selected encodings."},
    )
    priority = forms.IntegerField(
        label=f"Priority ({PRIORITY_MIN} to {PRIORITY_MAX}, higher runs sooner)",
        required=False,
        min_value=PRIORITY_MIN,
        max_value=PRIORITY_MAX,
        widget=forms.NumberInput(attrs={"min": PRIORITY_MIN, "max": PRIORITY_MAX, "step": 1}),
    )
    # "matching": every encoding the list's filter matches, not only the rows ticked on its page.
    scope = forms.ChoiceField(
        required=False, choices=[(CHOSEN, "The selected encodings"), (MATCHING, "All matching the filter")]
    )
    # The list's query string (its filter, sort and page), as its links carry it.
    back = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.ids: list[str] = []
        if data is not None:
            self.ids = [value[:64] for value in data.getlist("ids")[: BULK_LIMIT + 1] if value]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") == "reprioritize" and cleaned.get("priority") is None:
            self.add_error("priority", f"Give the new priority, from {PRIORITY_MIN} to {PRIORITY_MAX}.")
        return cleaned

    @property
    def matching(self) -> bool:
        return self.cleaned_data.get("scope") == MATCHING

    def arguments(self) -> dict[str, Any]:
        if self.cleaned_data.get("action") == "reprioritize":
            return {"priority": self.cleaned_data["priority"]}
        return {}
