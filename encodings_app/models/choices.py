"""The API's enumerations as the dashboard uses them, and the roles of members."""

from django.db import models

DEFAULT_API_BASE_URL = "https://api.bitmovin.com/v1"


class EncodingStatus(models.TextChoices):
    CREATED = "CREATED", "Created"
    QUEUED = "QUEUED", "Queued"
    RUNNING = "RUNNING", "Running"
    FINISHED = "FINISHED", "Finished"
    ERROR = "ERROR", "Error"
    CANCELED = "CANCELED", "Canceled"
    TRANSFER_ERROR = "TRANSFER_ERROR", "Transfer error"


ACTIVE_STATUSES = (EncodingStatus.QUEUED, EncodingStatus.RUNNING)
TERMINAL_STATUSES = (
    EncodingStatus.FINISHED,
    EncodingStatus.ERROR,
    EncodingStatus.CANCELED,
    EncodingStatus.TRANSFER_ERROR,
)
FAILED_STATUSES = (EncodingStatus.ERROR, EncodingStatus.TRANSFER_ERROR)
# The webhook events the dashboard registers in Bitmovin: enough to refresh an encoding whenever it changes.
REGISTERED_WEBHOOK_EVENTS = ("finished", "error", "transfer-error", "status-changed")


class MessageType(models.TextChoices):
    ERROR = "ERROR", "Error"
    WARNING = "WARNING", "Warning"
    INFO = "INFO", "Info"
    DEBUG = "DEBUG", "Debug"
    TRACE = "TRACE", "Trace"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"
