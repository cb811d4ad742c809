"""Links a page builds from data it does not control: links sent by Bitmovin, encodings' detail URLs (the id
came from the API), and the list's own links (the filters came from the URL).

    {% load dashboard_links %}
    <li>{% api_link link.href link.title %}</li>
    {% encoding_href organization.slug encoding.bitmovin_id back as href %}
    {% incident_encodings_href incident organization.slug as href %}
    <a href="{% list_href form page=page.next_page_number %}">Next</a>
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from encodings_app.bitmovin.ids import is_valid_id
from encodings_app.forms import EncodingFilterForm
from encodings_app.models import Incident
from encodings_app.safe_links import page_link
from encodings_app.selectors.incidents import incident_list_path

register = template.Library()


@register.simple_tag
def api_link(href: Any, title: Any = None) -> SafeString | str:
    """A link from Bitmovin: clickable with its title when it points to bitmovin.com, else its URL as text."""
    link = page_link(href, title)
    if link is None:
        return ""
    if link.href:
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', link.href, link.text
        )
    return format_html(
        '<span class="link-text">{}</span> <span class="muted small">(not a bitmovin.com link)</span>',
        link.text,
    )


@register.simple_tag
def encoding_href(slug: str, bitmovin_id: Any, back: str = "") -> str:
    """The encoding's detail URL, or "" when its id could not be part of one.

    Rows stored before ids were checked may hold anything (a "/" makes reverse() fail outright); such a row
    is shown as text without a link rather than hidden: it is real data the counts include, and the next full
    sync retires it, since the API client no longer hands out its id.
    """
    if not is_valid_id(bitmovin_id):
        return ""
    url = reverse("encoding-detail", args=[slug, bitmovin_id])
    return f"{url}?{urlencode({'back': back})}" if back else url


@register.simple_tag
def incident_encodings_href(incident: Incident, slug: str) -> str:
    """The encodings list filtered to exactly the incident's encodings; "" when its cause has none."""
    return incident_list_path(incident, slug)


@register.simple_tag
def list_href(form: EncodingFilterForm, **changes: Any) -> str:
    """A link within the encodings list: the form's validated filters with ``changes`` (None removes one)."""
    return f"?{form.query(**changes)}"
