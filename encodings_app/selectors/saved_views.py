"""The saved views of the encodings list a user may pick, and the list address each one opens."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.http import QueryDict
from django.urls import reverse

from encodings_app.access import visible_saved_views
from encodings_app.forms import EncodingFilterForm, columns_value
from encodings_app.models import DefaultView, Organization, SavedView


def saved_view_query(view: SavedView) -> str:
    """The list's query string of a view, written by the filter form as every link of the list is (so the
    list can tell which view it shows by comparing addresses)."""
    return EncodingFilterForm(QueryDict(view.query)).query(page=None, columns=columns_value(view.columns))


def saved_view_url(view: SavedView, slug: str) -> str:
    return f"{reverse('encoding-list', args=[slug])}?{saved_view_query(view)}"


@dataclass
class ViewChoice:
    view: SavedView
    url: str
    query: str
    is_default: bool


def saved_views_for(organization: Organization, user) -> list[ViewChoice]:
    """The user's own views, then the shared ones, each by name, with which one is their default: one
    query."""
    default = DefaultView.objects.filter(user=user, organization=organization, view=OuterRef("pk"))
    views = (
        visible_saved_views(organization, user)
        .annotate(is_default=Exists(default))
        .order_by("shared", Lower("name"), "pk")
    )
    choices = []
    for view in views:
        query = saved_view_query(view)
        url = f"{reverse('encoding-list', args=[organization.slug])}?{query}"
        choices.append(ViewChoice(view, url, query, view.is_default))
    return choices


def default_choice(choices: list[ViewChoice]) -> ViewChoice | None:
    return next((choice for choice in choices if choice.is_default), None)
