"""Control endpoints under /_sim/ for tests, benchmarks and demos. They need no API key."""

from __future__ import annotations

import time
from typing import Any

from simulator import planner, render
from simulator.endpoints.common import optional_bool, optional_int, optional_object
from simulator.errors import ApiError, bad_parameter, missing_field, not_found
from simulator.faults import parse_spec
from simulator.generator import next_arrival_gap
from simulator.lifecycle import status_at
from simulator.records import ERROR, FINISHED, STATUSES, TRANSFER_ERROR
from simulator.routing import Reply, Request
from simulator.timefmt import iso, iso_ms

STARTED = time.time()


def health(request: Request) -> Reply:
    world = request.world
    with world.lock:
        result = {
            "status": "ok",
            "now": iso_ms(world.now()),
            "clockOffsetSeconds": world.clock.offset,
            "speed": world.speed,
            "seed": world.seed,
            "encodings": world.count(),
            "active": len(world.active),
            "arrivalRatePerHour": world.arrival_rate,
            "uptimeSeconds": round(time.time() - STARTED, 3),
            "pendingDeliveries": request.app.dispatcher.pending,
        }
    return Reply(result)


def accounts(request: Request) -> Reply:
    world = request.world
    with world.lock:
        result = []
        for account in world.accounts.values():
            result.append(
                {
                    "id": account.id,
                    "email": account.email,
                    "company": account.company,
                    "apiKeys": [
                        k.value
                        for k in world.keys.values()
                        if k.account_id == account.id and not k.everywhere
                    ],
                    "organizations": [
                        {
                            "id": org_id,
                            "name": world.orgs[org_id].name,
                            "type": world.orgs[org_id].type,
                            "parentId": world.orgs[org_id].parent_id,
                            "encodings": len(world.by_org.get(org_id, [])),
                        }
                        for org_id in account.org_ids
                    ],
                }
            )
        everywhere = [k.value for k in world.keys.values() if k.everywhere]
    return Reply({"accounts": result, "keysForEveryOrganization": everywhere})


def remove_organization(request: Request, organization_id: str) -> Reply:
    """A sub-organization leaves every key's reach, as if deleted in Bitmovin, with its encodings."""
    with request.world.lock:
        request.world.remove_org(organization_id)
    return Reply({"id": organization_id})


def get_faults(request: Request) -> Reply:
    return Reply(request.app.faults.snapshot())


def set_faults(request: Request) -> Reply:
    """Body: {"spec": "503=0.1,..."}, optionally {"latencyMs": N}. Replaces the current faults."""
    body = request.json()
    spec_text = body.get("spec", "")
    if not isinstance(spec_text, str):
        raise bad_parameter("spec", "must be a string")
    try:
        spec = parse_spec(spec_text)
    except ValueError as exc:
        raise bad_parameter("spec", str(exc)) from None
    latency = optional_int(body, "latencyMs", 0, 600_000)
    if latency is not None:
        spec.latency_ms = latency
    request.app.faults.set(spec)
    return Reply(request.app.faults.snapshot())


def clear_faults(request: Request) -> Reply:
    request.app.faults.set(parse_spec(""))
    request.app.faults.base_latency_ms = 0
    return Reply(request.app.faults.snapshot())


def get_rate_limits(request: Request) -> Reply:
    return Reply(request.app.limiter.snapshot())


def set_rate_limits(request: Request) -> Reply:
    """Body: {"enabled": bool, "limits": {"GET /encoding/encodings": 5}, "reset": bool}."""
    body = request.json()
    limits = optional_object(body, "limits")
    if limits is not None and not all(isinstance(v, int) and v >= 0 for v in limits.values()):
        raise bad_parameter("limits", "values must be whole numbers of requests per minute")
    request.app.limiter.configure(
        enabled=optional_bool(body, "enabled"), limits=limits, reset=bool(optional_bool(body, "reset"))
    )
    return Reply(request.app.limiter.snapshot())


def deliveries(request: Request) -> Reply:
    q = request.query
    found = request.app.dispatcher.deliveries(
        encodingId=(q.get("encodingId") or [None])[-1],
        webhookId=(q.get("webhookId") or [None])[-1],
        eventType=(q.get("eventType") or [None])[-1],
    )
    return Reply({"pending": request.app.dispatcher.pending, "items": found})


def clear_deliveries(request: Request) -> Reply:
    request.app.dispatcher.clear()
    return Reply({"items": []})


def stats(request: Request) -> Reply:
    result = request.app.metrics.snapshot()
    result["faultsInjected"] = dict(request.app.faults.injected)
    result["rateLimited"] = request.app.limiter.rejected
    result["rateLimitUsage"] = request.app.limiter.usage()
    return Reply(result)


def writes(request: Request) -> Reply:
    """The writes the API received, oldest first; ``?path=GLOB`` (below /v1) narrows them."""
    path = (request.query.get("path") or [None])[-1]
    return Reply({"items": request.app.metrics.writes(path)})


def reset_stats(request: Request) -> Reply:
    request.app.metrics.reset()
    request.app.limiter.reset_usage()
    return Reply(request.app.metrics.snapshot())


def advance(request: Request) -> Reply:
    """Body: {"seconds": N}. Moves the clock and announces what changed on the way."""
    body = request.json()
    seconds = body.get("seconds")
    if seconds is None:
        raise missing_field("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise bad_parameter("seconds", "must be a number of seconds, 0 or more")
    now = request.world.clock.advance(float(seconds))
    fired = request.app.tick()
    return Reply({"now": iso_ms(now), "offsetSeconds": request.world.clock.offset, "transitions": fired})


def tick(request: Request) -> Reply:
    return Reply({"transitions": request.app.tick()})


def force_state(request: Request) -> Reply:
    """Body: {"id", "status", "progress"?, "outcome"?, "errorCode"?, "stuck"?, "agoSeconds"?}."""
    body = request.json()
    encoding_id = body.get("id")
    if not isinstance(encoding_id, str) or not encoding_id:
        raise missing_field("id")
    status = body.get("status")
    if status not in STATUSES:
        raise bad_parameter("status", f"must be one of {', '.join(STATUSES)}")
    outcome = body.get("outcome")
    if outcome is not None and outcome not in (FINISHED, ERROR, TRANSFER_ERROR):
        raise bad_parameter("outcome", "must be FINISHED, ERROR or TRANSFER_ERROR")
    progress = optional_int(body, "progress", 0, 99)
    error_code = optional_int(body, "errorCode", 1, 99999)
    stuck = bool(optional_bool(body, "stuck"))
    ago = body.get("agoSeconds", 0.0)
    if isinstance(ago, bool) or not isinstance(ago, int | float) or ago < 0:
        raise bad_parameter("agoSeconds", "must be a number of seconds, 0 or more")
    world = request.world
    with world.lock:
        rec = world.encodings.get(encoding_id)
        if rec is None:
            raise not_found("Encoding", encoding_id)
        now = world.now()
        planner.plan_in_state(
            rec,
            world.rng,
            now,
            status,
            scale=world.speed,
            progress=progress,
            outcome=outcome,
            error_code=error_code,
            stuck=stuck,
            ago=float(ago),
        )
        if rec.started_at is not None and rec.start_request is None:
            rec.start_request = {"encodingMode": "STANDARD", "scheduling": {"priority": rec.priority}}
        world.watch(rec)
        if status_at(rec, now) != status:
            raise ApiError(
                500, 1004, "Undefined Error", f"could not place encoding {encoding_id} in {status}"
            )
    request.app.tick()
    with world.lock:
        return Reply(render.encoding(rec, world.now()))


def statuses(request: Request) -> Reply:
    """Every encoding's id, organization and status now, in one answer: what a mirror should hold.

    `?organizationId=` narrows it to one organization. Read under the world's lock, so the answer is one
    moment's truth, which a benchmark or test compares with the dashboard's mirror.
    """
    organization_id = (request.query.get("organizationId") or [None])[-1]
    world = request.world
    with world.lock:
        now = world.now()
        records = world.by_org.get(organization_id, []) if organization_id else list(world.encodings.values())
        result = [
            {"id": rec.id, "organizationId": rec.org_id, "status": status_at(rec, now)} for rec in records
        ]
    return Reply({"now": iso_ms(now), "items": result})


def plan(request: Request, encoding_id: str) -> Reply:
    """The plan behind an encoding, for debugging a test."""
    world = request.world
    with world.lock:
        rec = world.encodings.get(encoding_id)
        if rec is None:
            raise not_found("Encoding", encoding_id)
        result: dict[str, Any] = {
            "id": rec.id,
            "organizationId": rec.org_id,
            "status": status_at(rec, world.now()),
            "announced": rec.announced,
            "startedAt": iso(rec.started_at),
            "runningAt": iso(rec.running_at),
            "endAt": iso(rec.end_at),
            "stallAt": iso(rec.stall_at),
            "outcome": rec.outcome,
            "errorCode": rec.error_code or None,
            "runSeconds": round(rec.run_s, 3),
            "priority": rec.priority,
            "active": rec.id in world.active,
        }
    return Reply(result)


def arrivals(request: Request) -> Reply:
    """Body: {"ratePerHour": N} new encodings per organization per hour; 0 stops them."""
    body = request.json()
    rate = body.get("ratePerHour")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0:
        raise bad_parameter("ratePerHour", "must be a number, 0 or more")
    world = request.world
    with world.lock:
        world.arrival_rate = float(rate)
        now = world.now()
        for org_id in world.orgs:
            world.next_arrival[org_id] = now + next_arrival_gap(world, world.arrival_rng)
    return Reply({"ratePerHour": world.arrival_rate})


def save(request: Request) -> Reply:
    return Reply({"saved": request.app.save_state(), "path": request.app.config.state})
