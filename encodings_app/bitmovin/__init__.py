"""A Bitmovin encoding API client: pure Python, no Django, strict about the contract, honest about failures.

from encodings_app.bitmovin import BitmovinClient, BitmovinError

client = BitmovinClient(api_key, tenant_org_id=None)
for encoding in client.iter_encodings(status="RUNNING"):
    task = client.get_encoding_status(encoding.id)
"""

from .client import DEFAULT_BASE_URL, MAX_PAGE_SIZE, WEBHOOK_EVENTS, BitmovinClient
from .destinations import DestinationPolicy
from .enums import (
    TERMINAL_STATUSES,
    CloudRegion,
    EncodingMode,
    EncodingType,
    LiveOptionsType,
    MessageType,
    OrganizationType,
    RetryHint,
    Status,
)
from .error_codes import ErrorExplanation, explain, explain_error_details, explain_retry_hint
from .errors import (
    ActionOutcomeUnknownError,
    ApiError,
    AuthenticationError,
    BitmovinError,
    ConflictError,
    DestinationNotAllowedError,
    InvalidArgumentError,
    InvalidItemError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    ValidationError,
    is_transient,
)
from .resources import (
    AccountApiKey,
    AccountInformation,
    DailyStatistics,
    EncodingStats,
    Organization,
    Webhook,
)
from .retry import RateLimitWindow, RetryPolicy
from .types import (
    Encoding,
    ErrorDetails,
    InfrastructureSettings,
    Link,
    Message,
    Page,
    ResourceId,
    Subtask,
    SubtaskMetadata,
    SubtaskMetadataData,
    Task,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_PAGE_SIZE",
    "TERMINAL_STATUSES",
    "WEBHOOK_EVENTS",
    "AccountApiKey",
    "AccountInformation",
    "ActionOutcomeUnknownError",
    "ApiError",
    "AuthenticationError",
    "BitmovinClient",
    "BitmovinError",
    "CloudRegion",
    "ConflictError",
    "DailyStatistics",
    "DestinationNotAllowedError",
    "DestinationPolicy",
    "Encoding",
    "EncodingMode",
    "EncodingStats",
    "EncodingType",
    "ErrorDetails",
    "ErrorExplanation",
    "InfrastructureSettings",
    "InvalidArgumentError",
    "InvalidItemError",
    "Link",
    "LiveOptionsType",
    "Message",
    "MessageType",
    "NotFoundError",
    "Organization",
    "OrganizationType",
    "Page",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitWindow",
    "RateLimitedError",
    "ResourceId",
    "RetryHint",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "Status",
    "Subtask",
    "SubtaskMetadata",
    "SubtaskMetadataData",
    "Task",
    "TransportError",
    "ValidationError",
    "Webhook",
    "explain",
    "explain_error_details",
    "explain_retry_hint",
    "is_transient",
]
