"""How each user likes the encodings list: which optional columns it shows and how many rows a page holds.

A personal view setting, the same in every organization the user sees; it never changes what anyone else sees.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The list's optional columns, in the order the table shows them (after the fixed name, status and progress).
# A name is what the preference stores and the form posts, so renaming one forgets it for everyone: add, do
# not rename.
OPTIONAL_LIST_COLUMNS = {
    "started": "Started",
    "duration": "Duration",
    "finished": "Finished",
    "created": "Created",
    "labels": "Labels",
    "type": "Type",
    "region": "Region",
    "encoder": "Encoder",
}
# What a user who never chose sees: together with the fixed columns they fit a 1280 px screen.
DEFAULT_LIST_COLUMNS = ("started", "duration", "finished", "created", "labels")
LIST_PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_LIST_PAGE_SIZE = 50


def default_list_columns() -> list[str]:
    return list(DEFAULT_LIST_COLUMNS)


class ListPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preference"
    )
    columns = models.JSONField(default=default_list_columns, help_text="Names of the optional columns shown.")
    page_size = models.PositiveSmallIntegerField(default=DEFAULT_LIST_PAGE_SIZE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"list view of user {self.user_id}"

    @property
    def shown_columns(self) -> list[str]:
        """The stored names the list still knows, in the table's order: a column that was since removed from
        the list is skipped rather than breaking the page."""
        chosen = set(self.columns) if isinstance(self.columns, list) else set(DEFAULT_LIST_COLUMNS)
        return [name for name in OPTIONAL_LIST_COLUMNS if name in chosen]

    @property
    def rows_per_page(self) -> int:
        return self.page_size if self.page_size in LIST_PAGE_SIZES else DEFAULT_LIST_PAGE_SIZE
