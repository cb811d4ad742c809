"""Saving a user's view of the encodings list.

Not audited: it is a personal display setting (like the local-time switch), it changes nothing anyone else
sees and touches no organization, key or encoding; the audit log records what people do to shared things.
"""

from __future__ import annotations

from collections.abc import Iterable

from encodings_app.models import LIST_PAGE_SIZES, OPTIONAL_LIST_COLUMNS, ListPreference


def list_preference_set(*, user, columns: Iterable[str], page_size: int) -> ListPreference:
    """Stores the columns (known names only, in the table's order) and the page size the user chose."""
    chosen = set(columns)
    unknown = chosen - set(OPTIONAL_LIST_COLUMNS)
    if unknown or page_size not in LIST_PAGE_SIZES:
        # The form checks both; this guards the other callers, so that the stored row always reads back.
        raise ValueError(f"not a list column or page size: {sorted(unknown) or page_size}")
    preference, _created = ListPreference.objects.update_or_create(
        user=user,
        defaults={
            "columns": [name for name in OPTIONAL_LIST_COLUMNS if name in chosen],
            "page_size": page_size,
        },
    )
    return preference
