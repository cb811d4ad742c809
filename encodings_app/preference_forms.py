"""The encodings list's view options: which optional columns it shows and how many rows a page holds.

Posted from the list (a plain form, so it works without JavaScript) and checked against the fixed catalogue
in models/preferences.py: a name that is not a column, or a page size not offered, is an error shown next
to the choices, and the saved view stays as it was.
"""

from __future__ import annotations

from typing import Any

from django import forms

from encodings_app.models import LIST_PAGE_SIZES, OPTIONAL_LIST_COLUMNS, ListPreference


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
    def for_preference(cls, preference: ListPreference, data: Any = None) -> ListViewForm:
        return cls(data, initial={"columns": preference.shown_columns, "per_page": preference.rows_per_page})
