"""Saving, deleting and picking the default among the saved views of the encodings list.

Shared views change what every member of the organization is offered: their creation and deletion go in the
audit log. Personal ones, like the columns a user picks (services/list_preferences.py), are each user's own
display setting and are not audited.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from encodings_app.models import (
    MAX_VIEW_NAME_LENGTH,
    OPTIONAL_LIST_COLUMNS,
    AuditEvent,
    DefaultView,
    Organization,
    SavedView,
)
from encodings_app.services.audit import audit_record


class SavedViewNameTaken(ValueError):
    """Another view of the same owner (or another shared view of the organization) has this name."""


def saved_view_save(
    *,
    organization: Organization,
    user,
    name: str,
    query: str,
    columns: Iterable[str],
    shared: bool,
    request: HttpRequest | None = None,
) -> SavedView:
    """Stores a view of the list under ``name``. The caller checked that the user may share (access.py)
    and that ``query`` is the filter form's own. A name already used raises SavedViewNameTaken; the check
    in the form can race a second save, the database's unique constraints cannot."""
    name = name.strip()
    if not name or len(name) > MAX_VIEW_NAME_LENGTH:
        raise ValueError(f"a view's name has 1 to {MAX_VIEW_NAME_LENGTH} characters")
    chosen = set(columns)
    try:
        with transaction.atomic():
            view = SavedView.objects.create(
                organization=organization,
                owner=user,
                name=name,
                shared=shared,
                query=query,
                columns=[column for column in OPTIONAL_LIST_COLUMNS if column in chosen],
            )
    except IntegrityError as error:
        raise SavedViewNameTaken(name) from error
    if shared:
        audit_record(
            action=AuditEvent.Action.SAVED_VIEW_SHARE,
            user=user,
            organization=organization,
            target=name,
            detail=query[:400],
            request=request,
        )
    return view


def saved_view_delete(*, view: SavedView, user, request: HttpRequest | None = None) -> None:
    """Removes the view (and makes it nobody's default any more)."""
    name, shared, organization = view.name, view.shared, view.organization
    view.delete()
    if shared:
        audit_record(
            action=AuditEvent.Action.SAVED_VIEW_DELETE,
            user=user,
            organization=organization,
            target=name,
            request=request,
        )


def saved_view_default_set(*, user, organization: Organization, view: SavedView | None) -> None:
    """The view the user's list opens with in this organization; None: the plain list again."""
    if view is None:
        DefaultView.objects.filter(user=user, organization=organization).delete()
        return
    DefaultView.objects.update_or_create(user=user, organization=organization, defaults={"view": view})
