"""Small result types for the account, organization, statistics and webhook endpoints.

These keep the decoded JSON in ``raw`` beside the fields the dashboard reads; secrets the API hands back
(API key values, webhook signing keys, the intercom verification hash) are masked in both.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ._convert import (
    as_bool,
    as_date,
    as_datetime,
    as_dict,
    as_dict_tuple,
    as_float,
    as_id,
    as_int,
    as_objects,
    as_optional_id,
    as_str,
)
from .enums import OrganizationType, enum_or_raw
from .redact import mask_secret

if TYPE_CHECKING:
    from .types import Message

_META = {"compare": False}
_RAW = {"compare": False, "repr": False}


@dataclass(frozen=True)
class AccountApiKey:
    id: str | None = None
    name: str | None = None
    masked_value: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccountApiKey:
        value = as_str(data.get("value"))
        return cls(
            id=as_str(data.get("id")),
            name=as_str(data.get("name")),
            masked_value=mask_secret(value) if value else None,
        )


@dataclass(frozen=True)
class AccountInformation:
    id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    verified: bool | None = None
    marketplace: str | None = None
    mfa_enabled: bool | None = None
    saml_domain: str | None = None
    tos_accepted: bool | None = None
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    api_keys: tuple[AccountApiKey, ...] = ()
    request_id: str | None = field(default=None, **_META)
    response_messages: tuple[Message, ...] = field(default=(), **_META)
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccountInformation:
        raw = copy.deepcopy(dict(data))
        for key in as_dict_tuple(raw.get("apiKeys")):
            if isinstance(key.get("value"), str):
                key["value"] = mask_secret(key["value"])
        if isinstance(raw.get("intercomIdVerification"), str):
            raw["intercomIdVerification"] = mask_secret(raw["intercomIdVerification"])
        return cls(
            id=as_str(data.get("id")),
            email=as_str(data.get("email")),
            first_name=as_str(data.get("firstName")),
            last_name=as_str(data.get("lastName")),
            company=as_str(data.get("company")),
            phone=as_str(data.get("phone")),
            verified=as_bool(data.get("verified")),
            marketplace=as_str(data.get("marketplace")),
            mfa_enabled=as_bool(data.get("mfaEnabled")),
            saml_domain=as_str(data.get("samlDomain")),
            tos_accepted=as_bool(data.get("tosAccepted")),
            name=as_str(data.get("name")),
            description=as_str(data.get("description")),
            created_at=as_datetime(data.get("createdAt")),
            modified_at=as_datetime(data.get("modifiedAt")),
            api_keys=as_objects(data.get("apiKeys"), AccountApiKey.from_json),
            raw=raw,
        )


@dataclass(frozen=True)
class Organization:
    id: str
    name: str | None = None
    description: str | None = None
    type: OrganizationType | str | None = None
    parent_id: str | None = None
    label_color: str | None = None
    signup_source: str | None = None
    mfa_required: bool | None = None
    owner_user_id: str | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    custom_data: dict[str, Any] | None = None
    limits_per_resource: tuple[dict[str, Any], ...] = ()
    request_id: str | None = field(default=None, **_META)
    response_messages: tuple[Message, ...] = field(default=(), **_META)
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Organization:
        return cls(
            id=as_id(data.get("id"), "organization"),
            name=as_str(data.get("name")),
            description=as_str(data.get("description")),
            type=enum_or_raw(OrganizationType, data.get("type")),
            parent_id=as_str(data.get("parentId")),
            label_color=as_str(data.get("labelColor")),
            signup_source=as_str(data.get("signupSource")),
            mfa_required=as_bool(data.get("mfaRequired")),
            owner_user_id=as_str(data.get("ownerUserId")),
            created_at=as_datetime(data.get("createdAt")),
            modified_at=as_datetime(data.get("modifiedAt")),
            custom_data=as_dict(data.get("customData")),
            limits_per_resource=as_dict_tuple(data.get("limitsPerResource")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class EncodingStats:
    """Usage of one encoding (``GET /encoding/statistics/encodings/{id}``)."""

    encoding_id: str | None = None
    date: date | None = None
    bytes_encoded: int | None = None
    time_encoded: int | None = None
    downloaded_size: int | None = None
    billable_minutes: float | None = None
    billable_transmuxing_minutes: float | None = None
    billable_feature_minutes: float | None = None
    streams: tuple[dict[str, Any], ...] = ()
    muxings: tuple[dict[str, Any], ...] = ()
    features: tuple[dict[str, Any], ...] = ()
    billable_encoding_minutes: tuple[dict[str, Any], ...] = ()
    billable_egress_bytes: tuple[dict[str, Any], ...] = ()
    request_id: str | None = field(default=None, **_META)
    response_messages: tuple[Message, ...] = field(default=(), **_META)
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EncodingStats:
        return cls(
            encoding_id=as_str(data.get("encodingId")),
            date=as_date(data.get("date")),
            bytes_encoded=as_int(data.get("bytesEncoded")),
            time_encoded=as_int(data.get("timeEncoded")),
            downloaded_size=as_int(data.get("downloadedSize")),
            billable_minutes=as_float(data.get("billableMinutes")),
            billable_transmuxing_minutes=as_float(data.get("billableTransmuxingMinutes")),
            billable_feature_minutes=as_float(data.get("billableFeatureMinutes")),
            streams=as_dict_tuple(data.get("streams")),
            muxings=as_dict_tuple(data.get("muxings")),
            features=as_dict_tuple(data.get("features")),
            billable_encoding_minutes=as_dict_tuple(data.get("billableEncodingMinutes")),
            billable_egress_bytes=as_dict_tuple(data.get("billableEgressBytes")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class DailyStatistics:
    date: date | None = None
    bytes_encoded: int | None = None
    time_encoded: int | None = None
    billable_minutes: float | None = None
    label: str | None = None
    billable_transmuxing_minutes: float | None = None
    billable_encoding_minutes: tuple[dict[str, Any], ...] = ()
    billable_feature_minutes: tuple[dict[str, Any], ...] = ()
    billable_egress_bytes: tuple[dict[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DailyStatistics:
        return cls(
            date=as_date(data.get("date")),
            bytes_encoded=as_int(data.get("bytesEncoded")),
            time_encoded=as_int(data.get("timeEncoded")),
            billable_minutes=as_float(data.get("billableMinutes")),
            label=as_str(data.get("label")),
            billable_transmuxing_minutes=as_float(data.get("billableTransmuxingMinutes")),
            billable_encoding_minutes=as_dict_tuple(data.get("billableEncodingMinutes")),
            billable_feature_minutes=as_dict_tuple(data.get("billableFeatureMinutes")),
            billable_egress_bytes=as_dict_tuple(data.get("billableEgressBytes")),
            raw=dict(data),
        )


def billable_minutes_of(entries: tuple[dict[str, Any], ...]) -> float | None:
    """The sum of BillableEncodingMinutes entries' per-resolution minutes; None when none is a number."""
    total, found = 0.0, False
    for entry in entries:
        minutes = entry.get("billableMinutes")
        if not isinstance(minutes, dict):
            continue
        for value in minutes.values():
            number = as_float(value)
            if number is not None:
                total += number
                found = True
    return round(total, 3) if found else None


@dataclass(frozen=True)
class EncodingStatistics:
    """One day of one encoding type (``GET /encoding/statistics/encodings/{vod|live}/daily/{from}/{to}``).

    The model has no billable-minutes total: ``billable_minutes`` sums ``billableEncodingMinutes``.
    """

    date: date | None = None
    bytes_encoded: int | None = None
    time_encoded: int | None = None
    bytes_egress: int | None = None
    billable_transmuxing_minutes: float | None = None
    billable_feature_minutes: float | None = None
    billable_encoding_minutes: tuple[dict[str, Any], ...] = ()
    billable_egress_bytes: tuple[dict[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @property
    def billable_minutes(self) -> float | None:
        return billable_minutes_of(self.billable_encoding_minutes)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EncodingStatistics:
        return cls(
            date=as_date(data.get("date")),
            bytes_encoded=as_int(data.get("bytesEncoded")),
            time_encoded=as_int(data.get("timeEncoded")),
            bytes_egress=as_int(data.get("bytesEgress")),
            billable_transmuxing_minutes=as_float(data.get("billableTransmuxingMinutes")),
            billable_feature_minutes=as_float(data.get("billableFeatureMinutes")),
            billable_encoding_minutes=as_dict_tuple(data.get("billableEncodingMinutes")),
            billable_egress_bytes=as_dict_tuple(data.get("billableEgressBytes")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class StatisticsPerLabel:
    """Totals of one label (``GET /encoding/statistics/labels[/{from}/{to}]``)."""

    label: str | None = None
    bytes_encoded_total: int | None = None
    time_encoded_total: int | None = None
    bytes_egress_total: int | None = None
    billable_minutes: float | None = None
    billable_transmuxing_minutes: float | None = None
    billable_encoding_minutes: tuple[dict[str, Any], ...] = ()
    billable_egress_bytes: tuple[dict[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StatisticsPerLabel:
        return cls(
            label=as_str(data.get("label")),
            bytes_encoded_total=as_int(data.get("bytesEncodedTotal")),
            time_encoded_total=as_int(data.get("timeEncodedTotal")),
            bytes_egress_total=as_int(data.get("bytesEgressTotal")),
            billable_minutes=as_float(data.get("billableMinutes")),
            billable_transmuxing_minutes=as_float(data.get("billableTransmuxingMinutes")),
            billable_encoding_minutes=as_dict_tuple(data.get("billableEncodingMinutes")),
            billable_egress_bytes=as_dict_tuple(data.get("billableEgressBytes")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class DailyStatisticsPerLabel:
    """One day, with each label's figures (``GET /encoding/statistics/labels/daily[/{from}/{to}]``)."""

    date: date | None = None
    labels: tuple[DailyStatistics, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DailyStatisticsPerLabel:
        return cls(
            date=as_date(data.get("date")),
            labels=as_objects(data.get("labels"), DailyStatistics.from_json),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Webhook:
    """A webhook registration. The signing key is never kept: the caller chose it and stores it itself."""

    id: str
    url: str | None = None
    method: str | None = None
    insecure_ssl: bool | None = None
    signature_type: str | None = None
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    custom_data: dict[str, Any] | None = None
    # Only the status-changed family (a notification model) reports these two.
    event_type: str | None = None
    resource_id: str | None = None
    request_id: str | None = field(default=None, **_META)
    response_messages: tuple[Message, ...] = field(default=(), **_META)
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Webhook:
        raw = copy.deepcopy(dict(data))
        signature = as_dict(raw.get("signature")) or {}
        if isinstance(signature.get("key"), str):
            signature["key"] = mask_secret(signature["key"])
        return cls(
            id=as_id(data.get("id"), "webhook"),
            url=as_str(data.get("url")),
            method=as_str(data.get("method")),
            insecure_ssl=as_bool(data.get("insecureSsl")),
            signature_type=as_str(signature.get("type")),
            name=as_str(data.get("name")),
            description=as_str(data.get("description")),
            created_at=as_datetime(data.get("createdAt")),
            modified_at=as_datetime(data.get("modifiedAt")),
            custom_data=as_dict(data.get("customData")),
            event_type=as_str(data.get("eventType")),
            resource_id=as_optional_id(data.get("resourceId")),
            raw=raw,
        )
