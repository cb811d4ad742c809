"""Small pieces of markup used on every page: status badges (icon + text + colour), chips, swatches.

Status is never shown by colour alone: each badge carries an inline SVG icon and its label, and the colour
comes from a CSS class (the Content-Security-Policy forbids inline styles).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from encodings_app.models import Encoding, EncodingStatus, MessageType, PendingMark
from encodings_app.selectors.health import incident_level
from encodings_app.services.action_registry import ACTIONS
from encodings_app.templatetags.dashboard_format import ticking_ago

register = template.Library()


def _stroke(width: float = 2) -> str:
    return (
        f'fill="none" stroke="currentColor" stroke-width="{width}" stroke-linecap="round" '
        'stroke-linejoin="round"'
    )


_STROKE = _stroke()

# Inner SVG markup on a 16x16 grid; constants, never built from data.
ICONS: dict[str, str] = {
    "circle": f'<circle cx="8" cy="8" r="5.5" {_STROKE}/>',
    "clock": f'<circle cx="8" cy="8" r="6" {_STROKE}/><path d="M8 4.8V8l2.4 1.6" {_STROKE}/>',
    "play": '<path d="M4.5 2.8v10.4L13 8z" fill="currentColor"/>',
    "check": f'<path d="M2.8 8.6l3.4 3.4 7-7.4" {_stroke(2.4)}/>',
    "cross": f'<path d="M4 4l8 8M12 4l-8 8" {_stroke(2.4)}/>',
    "warning": f'<path d="M8 2.2l6.3 11.3H1.7z" {_stroke(1.7)}/>'
    f'<path d="M8 6.4v3.2M8 11.7v.1" {_stroke(1.8)}/>',
    "slash": f'<circle cx="8" cy="8" r="6" {_STROKE}/><path d="M3.9 12.1l8.2-8.2" {_STROKE}/>',
    "info": f'<circle cx="8" cy="8" r="6.2" {_stroke(1.7)}/><path d="M8 7.2v4.2M8 4.7v.1" {_stroke(1.9)}/>',
    "code": f'<path d="M6 4L2.5 8 6 12M10 4l3.5 4-3.5 4" {_STROKE}/>',
    "dots": '<circle cx="3" cy="8" r="1.6" fill="currentColor"/><circle cx="8" cy="8" r="1.6" '
    'fill="currentColor"/><circle cx="13" cy="8" r="1.6" fill="currentColor"/>',
    "dash": f'<path d="M3.5 8h9" {_stroke(2.4)}/>',
    "pause": '<path d="M4.5 3h2.5v10H4.5zM9 3h2.5v10H9z" fill="currentColor"/>',
    "key": f'<circle cx="5.2" cy="10.8" r="2.9" {_stroke(1.8)}/>'
    f'<path d="M7.3 8.7L13 3M10.6 5.4l1.8 1.8" {_stroke(1.8)}/>',
    "alarm": f'<path d="M5.5 1.8h5l3.7 3.7v5l-3.7 3.7h-5l-3.7-3.7v-5z" {_stroke(1.7)}/>'
    f'<path d="M8 4.8v3.6M8 11.1v.1" {_stroke(1.9)}/>',
    # A speaker struck through: a silenced alert.
    "mute": f'<path d="M2.2 6h2.6l3.4-2.8v9.6L4.8 10H2.2z" {_stroke(1.6)}/>'
    f'<path d="M10.6 6.2l3.4 3.6M14 6.2l-3.4 3.6" {_stroke(1.7)}/>',
}

STATUS_ICON = {
    EncodingStatus.CREATED: "circle",
    EncodingStatus.QUEUED: "clock",
    EncodingStatus.RUNNING: "play",
    EncodingStatus.FINISHED: "check",
    EncodingStatus.ERROR: "cross",
    EncodingStatus.TRANSFER_ERROR: "warning",
    EncodingStatus.CANCELED: "slash",
}
MESSAGE_ICON = {
    MessageType.ERROR: "cross",
    MessageType.WARNING: "warning",
    MessageType.INFO: "info",
    MessageType.DEBUG: "code",
    MessageType.TRACE: "dots",
}
HEALTH_ICON = {"ok": "check", "warn": "warning", "bad": "cross", "off": "pause", "key": "key"}
# An incident's severity: its own shape and its word, beside the colour of its level.
SEVERITY_ICON = {"critical": "alarm", "warning": "warning", "info": "info"}


@register.simple_tag(name="icon")
def icon(name: str, css: str = "icon") -> SafeString:
    return format_html(
        '<svg class="{}" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">{}'
        "</svg>",
        css,
        mark_safe(ICONS.get(name, ICONS["dots"])),  # noqa: S308 - constant markup from ICONS
    )


def status_label(status: str) -> str:
    try:
        return EncodingStatus(status).label
    except ValueError:
        return status.replace("_", " ").capitalize() if status else "Unknown"


@register.simple_tag
def status_badge(status: str | None, size: str = "") -> SafeString:
    """Icon, text and colour for an encoding status; unknown statuses still read as text."""
    status = status or ""
    slug = status.lower().replace("_", "-") or "unknown"
    css = f"status status-{slug}" + (f" status-{size}" if size else "")
    return format_html(
        '<span class="{}">{}<span class="status-text">{}</span></span>',
        css,
        icon(STATUS_ICON.get(status, "dots"), "status-icon"),
        status_label(status),
    )


@register.simple_tag
def encoding_status(encoding: Encoding, size: str = "", since: bool = True) -> SafeString:
    """The encoding's status badge; while an action Bitmovin accepted is pending, the state it leads to
    instead, marked as pending ("Stopping…, requested 3 s ago"), so that nobody asks for it twice. The wall
    leaves out when it was requested (``since=False``): its rows have no room for it."""
    mark = encoding.pending_mark()
    if mark is None:
        return status_badge(encoding.status, size)
    return pending_badge(mark, size, since=since)


@register.simple_tag
def encoding_pending(encoding: Encoding, size: str = "", since: bool = True) -> SafeString | str:
    """Only the pending mark, where a list says the status in its own way (the lists of running ones)."""
    mark = encoding.pending_mark()
    return pending_badge(mark, size, since=since) if mark is not None else ""


def pending_badge(mark: PendingMark, size: str = "", *, since: bool = True) -> SafeString:
    spec = ACTIONS.get(mark.action)
    label = f"{spec.pending_label if spec is not None and spec.pending_label else 'Changing'}…"
    expected = mark.expected_status.lower().replace("_", "-") or "unknown"
    css = f"status status-pending status-{expected}" + (f" status-{size}" if size else "")
    badge = format_html(
        '<span class="{}">{}<span class="status-text">{}</span></span>',
        css,
        icon("dots", "status-icon"),
        label,
    )
    if not since:
        return format_html('<span class="pending">{}</span>', badge)
    return format_html(
        '<span class="pending">{} <span class="pending-since">requested {}</span></span>',
        badge,
        ticking_ago(mark.since),
    )


@register.simple_tag
def message_type_badge(message_type: str) -> SafeString:
    slug = (message_type or "info").lower()
    return format_html(
        '<span class="msg-type msg-{}">{}<span>{}</span></span>',
        slug,
        icon(MESSAGE_ICON.get(message_type, "info"), "msg-icon"),
        message_type or "INFO",
    )


@register.simple_tag
def message_type_icon(message_type: str) -> SafeString:
    return icon(MESSAGE_ICON.get(message_type, "info"), "msg-icon")


@register.simple_tag
def health_chip(level: str, text: str, icon_name: str = "") -> SafeString:
    """A health verdict: ok, warn, bad or off, with its own icon."""
    return format_html(
        '<span class="chip chip-{}">{}<span>{}</span></span>',
        level,
        icon(icon_name or HEALTH_ICON.get(level, "dots"), "chip-icon"),
        text,
    )


@register.simple_tag
def severity_chip(severity: str) -> SafeString:
    """An incident's severity as a chip: "Critical", "Warning" or "Info", each with its icon."""
    return health_chip(
        incident_level(severity), severity.capitalize() or "Unknown", SEVERITY_ICON.get(severity, "dots")
    )


@register.simple_tag
def org_swatch(colour: str, css: str = "org-swatch") -> SafeString:
    """The organization's colour as an SVG fill: a presentation attribute, which the CSP allows."""
    return format_html(
        '<svg class="{}" viewBox="0 0 10 10" width="14" height="14" aria-hidden="true" focusable="false">'
        '<rect width="10" height="10" rx="2" fill="{}"/></svg>',
        css,
        colour if _is_hex_colour(colour) else "#808080",
    )


@register.simple_tag
def org_stripe(colour: str) -> SafeString:
    return format_html(
        '<svg class="org-stripe" viewBox="0 0 10 1" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false"><rect width="10" height="1" fill="{}"/></svg>',
        colour if _is_hex_colour(colour) else "#808080",
    )


def _is_hex_colour(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 7
        and value.startswith("#")
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    )


@register.filter
def wrap_after_underscores(value: Any) -> SafeString:
    """An identifier such as AWS_EU_WEST_1 that may wrap after an underscore and nowhere else, so a narrow
    column breaks it where it reads well ("AWS_EU_" / "WEST_1"), not inside a word."""
    return format_html_join(mark_safe("_<wbr>"), "{}", ((part,) for part in str(value).split("_")))


# A bulk item's state: icon, colour (a chip's level) and its word.
BULK_STATE_LOOK = {
    "done": ("check", "ok"),
    "refused": ("slash", "bad"),
    "failed": ("cross", "bad"),
    "unknown": ("warning", "warn"),
    "sending": ("dots", "off"),
    "waiting": ("clock", "off"),
    "skipped": ("dash", "off"),
}


@register.simple_tag
def bulk_state(state: str, label: str) -> SafeString:
    name, level = BULK_STATE_LOOK.get(state, ("dots", "off"))
    return format_html(
        '<span class="chip chip-{} bulk-state">{}<span>{}</span></span>',
        level,
        icon(name, "chip-icon"),
        label,
    )
