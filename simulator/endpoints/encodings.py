"""Encodings: list, create, get, delete, status and customData."""

from __future__ import annotations

import re

from simulator import query, render
from simulator.endpoints.common import (
    id_reply,
    optional_object,
    optional_str,
    read_encoding,
    string_list,
    wrong_state,
)
from simulator.errors import ApiError, bad_parameter
from simulator.lifecycle import status_at
from simulator.pagination import page
from simulator.records import LIVE, QUEUED, RUNNING, VOD, EncodingRecord
from simulator.routing import Reply, Request
from simulator.timefmt import iso
from simulator.vocab import CLOUD_REGION_SET

VERSION = re.compile(r"^\d+\.\d+\.\d+(-[A-Za-z0-9.]+)?$")
VERSION_TAGS = ("STABLE", "BETA")


def list_encodings(request: Request) -> Reply:
    q = query.parse_list_query(request.query)
    world = request.world
    with world.lock:
        now = world.now()
        items, total, more = query.run(world.by_org.get(request.org_id, []), q, now)
        rendered = [render.encoding(rec, now, with_custom_data=False) for rec in items]
    return Reply(
        page(
            rendered,
            q.paging,
            base_url=request.base_url,
            path=request.path,
            query=request.query,
            total=total,
            has_more=more,
        )
    )


def create_encoding(request: Request) -> Reply:
    body = request.json()
    name = optional_str(body, "name")
    description = optional_str(body, "description")
    labels = tuple(string_list(body, "labels"))
    custom = optional_object(body, "customData")
    region = body.get("cloudRegion") or "AUTO"
    if region not in CLOUD_REGION_SET:
        raise bad_parameter("cloudRegion", f"'{region}' is not a cloud region")
    fallback = string_list(body, "fallbackCloudRegions")
    if len(fallback) > 3 or any(r not in CLOUD_REGION_SET for r in fallback):
        raise bad_parameter("fallbackCloudRegions", "at most 3 known cloud regions")
    version = body.get("encoderVersion") or "STABLE"
    if not isinstance(version, str) or not (version in VERSION_TAGS or VERSION.match(version)):
        raise ApiError(
            400,
            2020,
            "Invalid Encoder Version",
            f"Encoder version '{version}' is not available; use STABLE, BETA or a version such as 2.190.0",
            field="encoderVersion",
        )
    kind = body.get("type") or VOD
    if kind not in (VOD, LIVE):
        raise bad_parameter("type", f"'{kind}' must be VOD or LIVE")
    infrastructure = optional_object(body, "infrastructure")
    world = request.world
    with world.lock:
        now = world.now()
        rec = EncodingRecord(
            id=world.new_id(),
            org_id=request.org_id,
            name=name,
            type=kind,
            cloud_region=region,
            encoder_version=version,
            created_at=now,
            seed=world.rng.getrandbits(63),
            labels=labels,
            description=description,
            custom_data=custom,
        )
        if infrastructure and isinstance(infrastructure.get("infrastructureId"), str):
            rec.infrastructure_id = infrastructure["infrastructureId"]
        world.add_encoding(rec)
        result = render.encoding(rec, now)
    return Reply(result, status=201)


def get_encoding(request: Request, encoding_id: str) -> Reply:
    return read_encoding(request, encoding_id, render.encoding)


def delete_encoding(request: Request, encoding_id: str) -> Reply:
    world = request.world
    with world.lock:
        rec = world.find(request.org_id, encoding_id)
        status = status_at(rec, world.now())
        if status in (QUEUED, RUNNING):
            raise wrong_state(
                2021,
                "Delete not allowed",
                f"Encoding {encoding_id} is {status}; stop it before deleting it",
            )
        world.remove_encoding(rec)
    request.app.registry.forget_encoding(encoding_id)
    return id_reply(encoding_id)


def get_status(request: Request, encoding_id: str) -> Reply:
    return read_encoding(request, encoding_id, render.task)


def get_custom_data(request: Request, encoding_id: str) -> Reply:
    return read_encoding(
        request,
        encoding_id,
        lambda rec, now: {"customData": rec.custom_data or {}, "createdAt": iso(rec.created_at)},
    )
