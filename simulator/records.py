"""The world's records: accounts, organizations, API keys and (compact) encodings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VOD, LIVE = "VOD", "LIVE"
CREATED, QUEUED, RUNNING = "CREATED", "QUEUED", "RUNNING"
FINISHED, ERROR, CANCELED, TRANSFER_ERROR = "FINISHED", "ERROR", "CANCELED", "TRANSFER_ERROR"
STATUSES = (CREATED, QUEUED, RUNNING, FINISHED, ERROR, CANCELED, TRANSFER_ERROR)
TERMINAL = frozenset((FINISHED, ERROR, CANCELED, TRANSFER_ERROR))


class EncodingRecord:
    """One encoding and its planned timeline.

    Status, progress, subtasks and messages are not stored: they are computed from the plan and the
    clock when asked (see lifecycle.py). Slots keep 100,000 of these small.
    """

    __slots__ = (
        "announced",
        "cloud_region",
        "created_at",
        "custom_data",
        "description",
        "edited_at",
        "encoder_version",
        "end_at",
        "error_code",
        "id",
        "infrastructure_id",
        "labels",
        "name",
        "org_id",
        "outcome",
        "priority",
        "run_s",
        "running_at",
        "seed",
        "selected_mode",
        "selected_region",
        "selected_version",
        "stall_at",
        "start_request",
        "started_at",
        "type",
    )

    def __init__(
        self,
        *,
        id: str,
        org_id: str,
        name: str | None,
        type: str,
        cloud_region: str,
        encoder_version: str,
        created_at: float,
        seed: int,
        labels: tuple[str, ...] = (),
        description: str | None = None,
        custom_data: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.org_id = org_id
        self.name = name
        self.description = description
        self.labels = labels
        self.type = type
        self.cloud_region = cloud_region
        self.encoder_version = encoder_version
        self.custom_data = custom_data
        self.infrastructure_id: str | None = None
        self.created_at = created_at
        self.edited_at = created_at
        self.seed = seed
        self.priority = 50
        self.start_request: dict[str, Any] | None = None
        self.selected_region: str | None = None
        self.selected_version: str | None = None
        self.selected_mode: str | None = None
        # The plan: QUEUED from started_at, RUNNING from running_at (None: never leaves the queue),
        # `outcome` from end_at (None: no end planned), progress frozen from stall_at.
        self.started_at: float | None = None
        self.running_at: float | None = None
        self.run_s = 0.0
        self.end_at: float | None = None
        self.outcome: str | None = None
        self.stall_at: float | None = None
        self.error_code = 0
        # The last status webhooks were told about; the ticker fires what lies between it and now.
        self.announced = CREATED

    def to_row(self) -> list[Any]:
        return [getattr(self, name) for name in ROW_FIELDS]

    @classmethod
    def from_row(cls, row: list[Any]) -> EncodingRecord:
        rec = cls.__new__(cls)
        for name, value in zip(ROW_FIELDS, row, strict=True):
            setattr(rec, name, value)
        rec.labels = tuple(rec.labels)
        return rec


ROW_FIELDS: tuple[str, ...] = EncodingRecord.__slots__


@dataclass
class ApiKey:
    id: str
    value: str
    account_id: str
    created_at: float
    # Keys given on the command line reach every organization of every account.
    everywhere: bool = False


@dataclass
class Organization:
    id: str
    name: str
    account_id: str
    type: str  # ROOT_ORGANIZATION or SUB_ORGANIZATION
    created_at: float
    parent_id: str | None = None
    description: str | None = None
    label_color: str = "#1f77b4"


@dataclass
class Account:
    id: str
    email: str
    first_name: str
    last_name: str
    company: str
    created_at: float
    user_id: str
    root_org_id: str = ""
    org_ids: list[str] = field(default_factory=list)
    key_ids: list[str] = field(default_factory=list)
