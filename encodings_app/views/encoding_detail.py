"""One encoding: status, phases, subtasks, metadata, the message timeline and its error in plain words.

The live part polls every few seconds with the ETag of what it shows (selectors/detail_etag.py); when
nothing it shows has changed, the answer is a 304 with no body, after the access checks, the encoding's row
and one COUNT of its messages, without rendering anything.

The page's own links (message type chips, message order, message pages, the poll, the way back to the list)
are rebuilt from validated values only: the shown message types, the order, the page number and the list's
filters as
``list_querystring`` accepts them. Nothing else from the request's query string reaches a link.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from encodings_app import access, selectors
from encodings_app.forms import MessageFilterForm, list_querystring
from encodings_app.selectors.detail import Timeline
from encodings_app.selectors.detail_etag import live_part_etag, message_total
from encodings_app.services.action_registry import ACTIONS, actions_offered, pending_spec, retry_offer
from encodings_app.services.actions import encoding_action_perform
from encodings_app.views.actions import action_message
from encodings_app.views.common import (
    ACTION_EVIDENCE_KEY,
    back_to_list,
    detail_url,
    not_modified,
    polled_etag,
    render_page,
)


def detail_query(*, types: list[str] | None, by_subtask: bool = False, mpage: int = 1, back: str = "") -> str:
    """The detail page's query string: message types (None: the default ones), order, page, way back."""
    query = QueryDict(mutable=True)
    if types is not None:
        query["types"] = ",".join(t for t in selectors.MESSAGE_TYPES if t in types)
    if by_subtask:
        query["group"] = "subtask"
    if mpage > 1:
        query["mpage"] = str(mpage)
    if back:
        query["back"] = back
    return query.urlencode()


def type_chips(timeline: Timeline, back: str) -> list[dict]:
    """One chip per message type with its count; each chip's link shows or hides that type."""
    chips = []
    for message_type in selectors.MESSAGE_TYPES:
        shown = message_type in timeline.shown_types
        wanted = list(set(timeline.shown_types) ^ {message_type})
        chips.append(
            {
                "type": message_type,
                "count": timeline.counts.get(message_type, 0),
                "shown": shown,
                "href": f"?{detail_query(types=wanted, by_subtask=timeline.by_subtask, back=back)}#messages",
            }
        )
    return chips


@require_GET
def encoding_detail(request: HttpRequest, slug: str, bitmovin_id: str) -> HttpResponse:
    viewer = access.organization_for(request.user, slug)
    encoding = access.encoding_for(viewer.organization, bitmovin_id)
    form = MessageFilterForm(request.GET)
    back = list_querystring(request.GET.get("back", ""))
    # Types as asked for (only known ones survive); when none were asked for, the links keep the default.
    types = form.shown_types() if "types" in request.GET else None
    # The request's share of the live part's ETag: its parameters as validated, never the raw query string.
    view = detail_query(types=types, by_subtask=form.by_subtask(), mpage=form.page_number(), back=back)
    now = timezone.now()
    seen = polled_etag(request)
    if seen:
        etag = live_part_etag(
            encoding, role=viewer.role, view=view, messages=message_total(encoding), now=now
        )
        if seen == etag:
            return not_modified(etag)
    timeline, corrected = selectors.message_timeline(
        encoding, types=form.shown_types(), page=form.page_number(), by_subtask=form.by_subtask()
    )
    etag = live_part_etag(
        encoding, role=viewer.role, view=view, messages=sum(timeline.counts.values()), now=now
    )
    notes = form.notes()
    if corrected:
        notes.append(
            f"There is no messages page {form.page_number()}; this is the last one, {timeline.page}."
        )
    grouped = timeline.by_subtask
    error = selectors.error_panel(encoding)
    evidence = None
    if not request.htmx and ACTION_EVIDENCE_KEY in request.session:
        stored = request.session.pop(ACTION_EVIDENCE_KEY)
        if isinstance(stored, dict) and stored.get("encoding") == encoding.bitmovin_id:
            evidence = stored.get("evidence")
    pending = encoding.pending_mark()
    context = {
        "encoding": encoding,
        "pending": pending,
        "pending_spec": pending_spec(encoding),
        "phases": selectors.phases(encoding),
        "subtasks": selectors.subtasks(encoding),
        "timeline": timeline,
        "chips": type_chips(timeline, back),
        "error": error,
        "retry_offer": retry_offer(encoding, role=viewer.role) if error else None,
        "notes": notes,
        "back_url": back_to_list(request, slug),
        "back": back,
        "poll_query": detail_query(types=types, by_subtask=grouped, mpage=timeline.page, back=back),
        "previous_messages": detail_query(
            types=types, by_subtask=grouped, mpage=timeline.page - 1, back=back
        ),
        "next_messages": detail_query(types=types, by_subtask=grouped, mpage=timeline.page + 1, back=back),
        # The other order, from the first page (a page number means something else in it).
        "other_order": detail_query(types=types, by_subtask=not grouped, back=back),
        "action_evidence": evidence,
        "offered_actions": actions_offered(encoding, role=viewer.role),
        # The live part carries its tag; its polls send it back (static/js/app.js).
        "live_etag": etag,
    }
    response = render_page(
        request,
        "encodings/detail.html",
        context,
        viewer=viewer,
        partial="encodings/_detail_live.html",
        stop_polling=encoding.is_terminal,
    )
    if request.htmx:
        response["ETag"] = etag
    return response


@require_POST
def encoding_refresh_request(request: HttpRequest, slug: str, bitmovin_id: str) -> HttpResponse:
    """Ask for a fresh read now; viewers may too (it changes nothing in Bitmovin)."""
    spec = ACTIONS["refresh"]
    organization = access.organization_for(request.user, slug, needs=spec.needs).organization
    encoding = access.encoding_for(organization, bitmovin_id)
    result = encoding_action_perform(action=spec.key, encoding=encoding, user=request.user, request=request)
    if result.throttled and request.htmx:
        return HttpResponse(result.message, status=429, content_type="text/plain; charset=utf-8")
    # A plain form post goes back to the page (which shows the answer), also when it was refused: this
    # address only takes POSTs, so a page rendered here would poll an address that cannot answer.
    action_message(request, result)
    return redirect(detail_url(slug, bitmovin_id, request.POST.get("back", "")))
