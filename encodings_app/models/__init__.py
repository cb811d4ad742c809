"""The mirror of Bitmovin organizations, encodings and messages, and the dashboard's own bookkeeping.

Models hold data and small derived properties; network I/O lives in services/, reads for pages in
selectors/.
"""

from encodings_app.models.alert_channels import AlertChannel, AlertDelivery
from encodings_app.models.alerts import (
    DEFAULT_SEVERITY,
    SEVERITY_BY_KIND,
    SEVERITY_RANK,
    AlertKind,
    AlertRule,
    AlertSilence,
    Incident,
    IncidentEvent,
)
from encodings_app.models.audit import AuditEvent
from encodings_app.models.bulk import BULK_FINAL_STATES, BulkItem, BulkJob
from encodings_app.models.choices import (
    ACTIVE_STATUSES,
    DEFAULT_API_BASE_URL,
    FAILED_STATUSES,
    TERMINAL_STATUSES,
    EncodingStatus,
    MessageType,
    Role,
)
from encodings_app.models.connections import AccountConnection, AccountMembership
from encodings_app.models.encoding_queries import FAILED_AT, LIST_COLUMNS, EncodingQuerySet, explain_failure
from encodings_app.models.encodings import Encoding, EncodingLabel, Message, PendingMark
from encodings_app.models.organizations import Membership, Organization, hex_colour, slug_validator
from encodings_app.models.preferences import (
    DEFAULT_LIST_COLUMNS,
    DEFAULT_LIST_PAGE_SIZE,
    LIST_PAGE_SIZES,
    OPTIONAL_LIST_COLUMNS,
    ListPreference,
)
from encodings_app.models.saved_views import MAX_VIEW_NAME_LENGTH, DefaultView, SavedView
from encodings_app.models.sync import PendingRefresh, SyncRun, WebhookDelivery
from encodings_app.models.tallies import EncodingTally
from encodings_app.models.tokens import ApiToken, DisplayToken
from encodings_app.models.usage import UsageDay, UsageKind, UsageSync, names_a_customer

__all__ = [
    "ACTIVE_STATUSES",
    "BULK_FINAL_STATES",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_LIST_COLUMNS",
    "DEFAULT_LIST_PAGE_SIZE",
    "DEFAULT_SEVERITY",
    "FAILED_AT",
    "FAILED_STATUSES",
    "LIST_COLUMNS",
    "LIST_PAGE_SIZES",
    "MAX_VIEW_NAME_LENGTH",
    "OPTIONAL_LIST_COLUMNS",
    "SEVERITY_BY_KIND",
    "SEVERITY_RANK",
    "TERMINAL_STATUSES",
    "AccountConnection",
    "AccountMembership",
    "AlertChannel",
    "AlertDelivery",
    "AlertKind",
    "AlertRule",
    "AlertSilence",
    "ApiToken",
    "AuditEvent",
    "BulkItem",
    "BulkJob",
    "DefaultView",
    "DisplayToken",
    "Encoding",
    "EncodingLabel",
    "EncodingQuerySet",
    "EncodingStatus",
    "EncodingTally",
    "Incident",
    "IncidentEvent",
    "ListPreference",
    "Membership",
    "Message",
    "MessageType",
    "Organization",
    "PendingMark",
    "PendingRefresh",
    "Role",
    "SavedView",
    "SyncRun",
    "UsageDay",
    "UsageKind",
    "UsageSync",
    "WebhookDelivery",
    "explain_failure",
    "hex_colour",
    "names_a_customer",
    "slug_validator",
]
