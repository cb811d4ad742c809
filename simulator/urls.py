"""Every route the simulator answers, in the order the router tries them.

One table for the whole surface, so the precedence between overlapping patterns is visible in one
place: the first route whose pattern and method match wins.
"""

from __future__ import annotations

from collections.abc import Iterable

from simulator.endpoints import (
    account,
    actions,
    control,
    definitions,
    encodings,
    live,
    notifications,
    statistics,
)
from simulator.routing import Handler, Router

ENCODING = "/encoding/encodings/{encoding_id}"
LIVE = f"{ENCODING}/live"
STATISTICS = "/encoding/statistics"
WEBHOOKS = notifications.PREFIX
EVENT = notifications.EVENT
STATUS_CHANGED = notifications.STATUS_CHANGED

Route = tuple[str, str, Handler]

# Below /v1: the Bitmovin API.
API_ROUTES: tuple[Route, ...] = (
    ("GET", "/encoding/encodings", encodings.list_encodings),
    ("POST", "/encoding/encodings", encodings.create_encoding),
    ("GET", ENCODING, encodings.get_encoding),
    ("DELETE", ENCODING, encodings.delete_encoding),
    ("GET", f"{ENCODING}/status", encodings.get_status),
    ("GET", f"{ENCODING}/customData", encodings.get_custom_data),
    ("POST", f"{ENCODING}/start", actions.start),
    ("GET", f"{ENCODING}/start", actions.get_start_request),
    ("POST", f"{ENCODING}/stop", actions.stop),
    ("POST", f"{ENCODING}/reprioritize", actions.reprioritize),
    ("POST", f"{ENCODING}/reschedule", actions.reschedule),
    ("GET", LIVE, live.get_live),
    ("POST", f"{LIVE}/start", live.start_live),
    ("GET", f"{LIVE}/start", live.get_live_start_request),
    ("POST", f"{LIVE}/stop", live.stop_live),
    ("POST", f"{LIVE}/restart", live.restart_live),
    ("GET", f"{LIVE}/heartbeat", live.heartbeat),
    ("GET", STATISTICS, statistics.overall),
    ("GET", f"{STATISTICS}/daily", statistics.daily_recent),
    ("GET", f"{STATISTICS}/daily/{{from}}/{{to}}", statistics.daily_range),
    ("GET", f"{STATISTICS}/encodings/{{kind:vod|live}}", statistics.per_encoding_list),
    ("GET", f"{STATISTICS}/encodings/{{kind:vod|live}}/daily/{{from}}/{{to}}", statistics.per_type_daily),
    ("GET", f"{STATISTICS}/encodings/{{kind:vod|live}}/{{from}}/{{to}}", statistics.per_encoding_list),
    ("GET", f"{STATISTICS}/encodings/{{encoding_id}}", statistics.per_encoding),
    ("GET", f"{STATISTICS}/labels", statistics.per_label),
    ("GET", f"{STATISTICS}/labels/daily", statistics.per_label_daily),
    ("GET", f"{STATISTICS}/labels/daily/{{from}}/{{to}}", statistics.per_label_daily),
    ("GET", f"{STATISTICS}/labels/{{from}}/{{to}}", statistics.per_label),
    # Only a date-like first segment: /encoding/statistics/labels/daily and the like are not this route.
    ("GET", f"{STATISTICS}/{{from:\\d[^/]*}}/{{to}}", statistics.overall_range),
    ("GET", "/account/information", account.information),
    ("GET", "/account/organizations", account.organizations),
    ("POST", "/account/organizations", account.create_organization),
    ("GET", "/account/organizations/{organization_id}", account.organization),
    ("GET", "/account/organizations/{organization_id}/sub-organizations", account.sub_organizations),
    ("GET", "/account/api-keys", account.api_keys),
    ("POST", f"{WEBHOOKS}/{EVENT}", notifications.create),
    ("GET", f"{WEBHOOKS}/{EVENT}", notifications.listing),
    ("GET", f"{WEBHOOKS}/{EVENT}/{{webhook_id}}", notifications.get),
    ("DELETE", f"{WEBHOOKS}/{EVENT}/{{webhook_id}}", notifications.delete),
    ("POST", f"{WEBHOOKS}/{STATUS_CHANGED}", notifications.create_status_changed),
    ("GET", f"{WEBHOOKS}/{STATUS_CHANGED}", notifications.list_status_changed),
    ("GET", f"{WEBHOOKS}/{STATUS_CHANGED}/{{notification_id}}", notifications.get_status_changed),
    ("PUT", f"{WEBHOOKS}/{STATUS_CHANGED}/{{notification_id}}", notifications.update_status_changed),
    ("DELETE", f"{WEBHOOKS}/{STATUS_CHANGED}/{{notification_id}}", notifications.delete_status_changed),
    ("POST", f"{WEBHOOKS}/{{encoding_id}}/{EVENT}", notifications.create),
    ("GET", f"{WEBHOOKS}/{{encoding_id}}/{EVENT}", notifications.listing),
    ("GET", f"{WEBHOOKS}/{{encoding_id}}/{EVENT}/{{webhook_id}}", notifications.get),
    ("DELETE", f"{WEBHOOKS}/{{encoding_id}}/{EVENT}/{{webhook_id}}", notifications.delete),
    ("POST", f"{WEBHOOKS}/{{encoding_id}}/{STATUS_CHANGED}", notifications.create_status_changed),
    ("GET", f"{WEBHOOKS}/{{encoding_id}}/{STATUS_CHANGED}", notifications.list_status_changed),
    ("GET", "/encoding/error-definitions", definitions.encoding_definitions),
    ("GET", "/general/error-definitions", definitions.general_definitions),
)

# Below /_sim: the controls tests and the demo use to steer the simulator.
CONTROL_ROUTES: tuple[Route, ...] = (
    ("GET", "/health", control.health),
    ("GET", "/accounts", control.accounts),
    ("DELETE", "/organizations/{organization_id}", control.remove_organization),
    ("GET", "/faults", control.get_faults),
    ("POST", "/faults", control.set_faults),
    ("DELETE", "/faults", control.clear_faults),
    ("GET", "/rate-limits", control.get_rate_limits),
    ("POST", "/rate-limits", control.set_rate_limits),
    ("GET", "/webhook-deliveries", control.deliveries),
    ("DELETE", "/webhook-deliveries", control.clear_deliveries),
    ("GET", "/stats", control.stats),
    ("DELETE", "/stats", control.reset_stats),
    ("GET", "/writes", control.writes),
    ("POST", "/advance", control.advance),
    ("POST", "/tick", control.tick),
    ("POST", "/encodings", control.force_state),
    ("GET", "/encodings", control.statuses),
    ("GET", "/encodings/{encoding_id}", control.plan),
    ("POST", "/arrivals", control.arrivals),
    ("POST", "/save", control.save),
)


def router_for(routes: Iterable[Route]) -> Router:
    router = Router()
    for method, pattern, handler in routes:
        router.add(method, pattern, handler)
    return router
