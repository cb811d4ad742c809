"""The user's view of the encodings list (columns, rows per page): one read by its user, or the defaults."""

from __future__ import annotations

from encodings_app.models import ListPreference


def list_preference_for(user) -> ListPreference:
    """The user's saved choice, or an unsaved one holding the defaults (nothing is written by reading)."""
    if user.is_authenticated:
        saved = ListPreference.objects.filter(user=user).first()
        if saved is not None:
            return saved
    return ListPreference()
