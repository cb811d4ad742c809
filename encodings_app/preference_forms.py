"""The encodings list's view options: which optional columns it shows and how many rows a page holds.

Posted from the list (a plain form, so it works without JavaScript) and checked against the fixed catalogue
in models/preferences.py: a name that is not a column, or a page size not offered, is an error shown next
to the choices, and the saved view stays as it was.
"""

from __future__ import annotations

from typing import Any

from django import forms

from encodings_app.models import LIST_PAGE_SIZES, MAX_VIEW_NAME_LENGTH, OPTIONAL_LIST_COLUMNS, ListPreference


class ListViewForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label="Columns",
        required=False,
        choices=list(OPTIONAL_LIST_COLUMNS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "“%(value)s” is not a column of the list; nothing was saved."},
    )
    per_page = forms.TypedChoiceField(
        label="Rows per page",
        coerce=int,
        choices=[(str(size), str(size)) for size in LIST_PAGE_SIZES],
        error_messages={
            "invalid_choice": "“%(value)s” is not a page size offered; nothing was saved.",
            "required": "Choose how many rows a page holds; nothing was saved.",
        },
    )

    # Its fields sit on the same page as the filters: the prefix keeps their names and ids apart.
    prefix = "view"

    @classmethod
    def for_preference(
        cls, preference: ListPreference, data: Any = None, *, columns: list[str] | None = None
    ) -> ListViewForm:
        """Offers the columns shown (``columns``: a view's, from the address), so that "Save for me" keeps
        what the user sees."""
        shown = preference.shown_columns if columns is None else columns
        return cls(data, initial={"columns": shown, "per_page": preference.rows_per_page})


class SavedViewForm(forms.Form):
    """Save the list as shown under a name; sharing it is offered to admins only (the view checks again)."""

    name = forms.CharField(
        label="Name",
        max_length=MAX_VIEW_NAME_LENGTH,
        error_messages={
            "required": "Give the view a name; nothing was saved.",
            "max_length": f"A view's name has at most {MAX_VIEW_NAME_LENGTH} characters; nothing was saved.",
        },
    )
    shared = forms.BooleanField(label="Share with the organization", required=False)

    prefix = "saved"

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name.isprintable():
            raise forms.ValidationError("A view's name has no control characters; nothing was saved.")
        return name
