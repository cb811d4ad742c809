"""Frozen dataclasses for what the encoding endpoints return.

Attributes are the snake_case form of the official models' JSON keys, so the official SDK's documentation
applies to them. Enum-typed attributes hold a ``StrEnum`` member for a known value and the raw string for an
unknown one (see ``enums``). Lists become tuples, so a parsed object can be shared between threads and cached.

Top-level results also carry ``request_id`` (the envelope's ``requestId``, the id Bitmovin support asks for),
``response_messages`` (the envelope's ``data.messages``) and ``raw`` (the decoded JSON, for pages that show
every field). These three take no part in equality: two parses of the same resource compare equal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._convert import (
    as_datetime,
    as_dict,
    as_float,
    as_id,
    as_int,
    as_object,
    as_objects,
    as_optional_id,
    as_str,
    as_str_tuple,
)
from .enums import (
    TERMINAL_STATUSES,
    CloudRegion,
    EncodingMode,
    EncodingType,
    LiveOptionsType,
    MessageType,
    RetryHint,
    Status,
    enum_or_raw,
)

if TYPE_CHECKING:
    from .errors import InvalidItemError

T = TypeVar("T")

_META = {"compare": False}
_RAW = {"compare": False, "repr": False}


# The times of an encoding's phases, under the same names on encodings, tasks and subtasks.
_PHASE_TIMES = {
    "queued_at": "queuedAt",
    "running_at": "runningAt",
    "finished_at": "finishedAt",
    "error_at": "errorAt",
}


def _phase_times(data: Mapping[str, Any]) -> dict[str, datetime | None]:
    return {name: as_datetime(data.get(key)) for name, key in _PHASE_TIMES.items()}


@dataclass(frozen=True)
class Link:
    href: str | None = None
    title: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Link:
        return cls(href=as_str(data.get("href")), title=as_str(data.get("title")))


@dataclass(frozen=True)
class Message:
    id: str | None = None
    type: MessageType | str | None = None
    text: str | None = None
    field: str | None = None
    links: tuple[Link, ...] = ()
    more: dict[str, Any] | None = None
    date: datetime | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            # A message's id is only a key for not storing it twice, never part of a URL. A message whose id
            # is unusable still says what happened (often why an encoding failed), so it is kept without
            # its id rather than dropped: the mirror keys id-less messages by a hash of their content.
            id=as_optional_id(data.get("id")),
            type=enum_or_raw(MessageType, data.get("type")),
            text=as_str(data.get("text")),
            field=as_str(data.get("field")),
            links=as_objects(data.get("links"), Link.from_json),
            more=as_dict(data.get("more")),
            date=as_datetime(data.get("date")),
        )


@dataclass(frozen=True)
class ErrorDetails:
    """The encoder's own account of a failure, found on a Task (not to be confused with an API error)."""

    code: int | None = None
    category: str | None = None
    text: str | None = None
    retry_hint: RetryHint | str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorDetails:
        return cls(
            code=as_int(data.get("code")),
            category=as_str(data.get("category")),
            text=as_str(data.get("text")),
            retry_hint=enum_or_raw(RetryHint, data.get("retryHint")),
        )


@dataclass(frozen=True)
class SubtaskMetadataData:
    avg_frames_encoded_per_second: float | None = None
    bytes_encoded: int | None = None
    frames_analysed: int | None = None
    frames_encoded: int | None = None
    realtime_factor: float | None = None
    size: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SubtaskMetadataData:
        return cls(
            avg_frames_encoded_per_second=as_float(data.get("avgFramesEncodedPerSecond")),
            bytes_encoded=as_int(data.get("bytesEncoded")),
            frames_analysed=as_int(data.get("framesAnalysed")),
            frames_encoded=as_int(data.get("framesEncoded")),
            realtime_factor=as_float(data.get("realtimeFactor")),
            size=as_int(data.get("size")),
        )


@dataclass(frozen=True)
class SubtaskMetadata:
    date: datetime | None = None
    data: SubtaskMetadataData | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SubtaskMetadata:
        return cls(
            date=as_datetime(data.get("date")),
            data=as_object(data.get("data"), SubtaskMetadataData.from_json),
        )


@dataclass(frozen=True)
class Subtask:
    id: str | None = None
    status: Status | str | None = None
    progress: int | None = None
    name: str | None = None
    messages: tuple[Message, ...] = ()
    metadata: tuple[SubtaskMetadata, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    queued_at: datetime | None = None
    running_at: datetime | None = None
    finished_at: datetime | None = None
    error_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Subtask:
        return cls(
            # As with messages: the subtask's progress and messages matter, its id is never a key or a link.
            id=as_optional_id(data.get("id")),
            status=enum_or_raw(Status, data.get("status")),
            progress=as_int(data.get("progress")),
            name=as_str(data.get("name")),
            messages=as_objects(data.get("messages"), Message.from_json),
            metadata=as_objects(data.get("metadata"), SubtaskMetadata.from_json),
            created_at=as_datetime(data.get("createdAt")),
            updated_at=as_datetime(data.get("updatedAt")),
            started_at=as_datetime(data.get("startedAt")),
            **_phase_times(data),
        )


@dataclass(frozen=True)
class Task:
    """The answer of ``GET /encoding/encodings/{id}/status``."""

    id: str | None = None
    status: Status | str | None = None
    eta: float | None = None
    progress: int | None = None
    subtasks: tuple[Subtask, ...] = ()
    messages: tuple[Message, ...] = ()
    created_at: datetime | None = None
    queued_at: datetime | None = None
    running_at: datetime | None = None
    finished_at: datetime | None = None
    error_at: datetime | None = None
    error: ErrorDetails | None = None
    request_id: str | None = field(default=None, **_META)
    response_messages: tuple[Message, ...] = field(default=(), **_META)
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def error_messages(self) -> tuple[Message, ...]:
        return tuple(message for message in self.messages if message.type == MessageType.ERROR)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Task:
        return cls(
            id=as_str(data.get("id")),
            status=enum_or_raw(Status, data.get("status")),
            eta=as_float(data.get("eta")),
            progress=as_int(data.get("progress")),
            subtasks=as_objects(data.get("subtasks"), Subtask.from_json),
            messages=as_objects(data.get("messages"), Message.from_json),
            created_at=as_datetime(data.get("createdAt")),
            **_phase_times(data),
            error=as_object(data.get("error"), ErrorDetails.from_json),
            raw=dict(data),
        )


@dataclass(frozen=True)
class InfrastructureSettings:
    infrastructure_id: str | None = None
    cloud_region: CloudRegion | str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InfrastructureSettings:
        return cls(
            infrastructure_id=as_str(data.get("infrastructureId")),
            cloud_region=enum_or_raw(CloudRegion, data.get("cloudRegion")),
        )


def _regions(value: Any) -> tuple[CloudRegion | str, ...]:
    return tuple(enum_or_raw(CloudRegion, item) for item in as_str_tuple(value))  # type: ignore[misc]


@dataclass(frozen=True)
class Encoding:
    id: str
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    custom_data: dict[str, Any] | None = None
    type: EncodingType | str | None = None
    started_at: datetime | None = None
    queued_at: datetime | None = None
    running_at: datetime | None = None
    finished_at: datetime | None = None
    error_at: datetime | None = None
    progress: int | None = None
    cloud_region: CloudRegion | str | None = None
    fallback_cloud_regions: tuple[CloudRegion | str, ...] = ()
    encoder_version: str | None = None
    infrastructure: InfrastructureSettings | None = None
    static_ip_id: str | None = None
    selected_encoder_version: str | None = None
    selected_encoding_mode: EncodingMode | str | None = None
    selected_cloud_region: CloudRegion | str | None = None
    selected_fallback_cloud_regions: tuple[CloudRegion | str, ...] = ()
    status: Status | str | None = None
    labels: tuple[str, ...] = ()
    live_options_type: LiveOptionsType | str | None = None
    request_id: str | None = field(default=None, **_META)
    response_messages: tuple[Message, ...] = field(default=(), **_META)
    raw: Mapping[str, Any] = field(default_factory=dict, **_RAW)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Encoding:
        return cls(
            id=as_id(data.get("id"), "encoding"),
            name=as_str(data.get("name")),
            description=as_str(data.get("description")),
            created_at=as_datetime(data.get("createdAt")),
            modified_at=as_datetime(data.get("modifiedAt")),
            custom_data=as_dict(data.get("customData")),
            type=enum_or_raw(EncodingType, data.get("type")),
            started_at=as_datetime(data.get("startedAt")),
            **_phase_times(data),
            progress=as_int(data.get("progress")),
            cloud_region=enum_or_raw(CloudRegion, data.get("cloudRegion")),
            fallback_cloud_regions=_regions(data.get("fallbackCloudRegions")),
            encoder_version=as_str(data.get("encoderVersion")),
            infrastructure=as_object(data.get("infrastructure"), InfrastructureSettings.from_json),
            static_ip_id=as_str(data.get("staticIpId")),
            selected_encoder_version=as_str(data.get("selectedEncoderVersion")),
            selected_encoding_mode=enum_or_raw(EncodingMode, data.get("selectedEncodingMode")),
            selected_cloud_region=enum_or_raw(CloudRegion, data.get("selectedCloudRegion")),
            selected_fallback_cloud_regions=_regions(data.get("selectedFallbackCloudRegions")),
            status=enum_or_raw(Status, data.get("status")),
            labels=as_str_tuple(data.get("labels")),
            live_options_type=enum_or_raw(LiveOptionsType, data.get("liveOptionsType")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list endpoint. ``total_count`` is None unless the API was asked for it.

    ``skipped`` holds one ``InvalidItemError`` per item that was left out because its id is unusable (see
    ``ids``); ``items`` are the others. Paging goes on by ``received`` (both together), not by ``len()``:
    a page of 100 with one item skipped is still a full page.
    """

    items: tuple[T, ...]
    offset: int | None = None
    limit: int | None = None
    total_count: int | None = None
    next: str | None = None
    previous: str | None = None
    skipped: tuple[InvalidItemError, ...] = field(default=(), **_META)
    request_id: str | None = field(default=None, **_META)
    response_messages: tuple[Message, ...] = field(default=(), **_META)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def received(self) -> int:
        """How many items the API sent on this page, the skipped ones included."""
        return len(self.items) + len(self.skipped)


class ResourceId(str):
    """The id an action endpoint answered with. It is a ``str``, and also keeps the response's evidence.

    ``verified_by_status`` is True when the action's own response was lost (a timeout or a 504) and the id was
    returned because the encoding's status afterwards showed that the action had taken effect.
    """

    request_id: str | None
    response_messages: tuple[Message, ...]
    verified_by_status: bool

    def __new__(
        cls,
        value: str,
        *,
        request_id: str | None = None,
        response_messages: tuple[Message, ...] = (),
        verified_by_status: bool = False,
    ) -> ResourceId:
        instance = super().__new__(cls, value)
        instance.request_id = request_id
        instance.response_messages = response_messages
        instance.verified_by_status = verified_by_status
        return instance

    def __reduce__(self) -> object:
        return (
            _rebuild_resource_id,
            (str(self), self.request_id, self.response_messages, self.verified_by_status),
        )


def _rebuild_resource_id(
    value: str, request_id: str | None, messages: tuple[Message, ...], verified: bool
) -> ResourceId:
    return ResourceId(value, request_id=request_id, response_messages=messages, verified_by_status=verified)
