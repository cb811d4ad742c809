"""Reads for the pages: each function runs a fixed number of queries, whatever the amount of data.

Every query starts from an organization the caller already got through ``encodings_app.access``.
"""

from encodings_app.selectors.detail import (
    DEFAULT_MESSAGE_TYPES,
    MESSAGE_TYPES,
    error_panel,
    message_timeline,
    phases,
    subtasks,
)
from encodings_app.selectors.encodings import DEFAULT_SORT, SORTS, EncodingFilters, encodings_page
from encodings_app.selectors.organization_settings import SettingsData, organization_settings_data
from encodings_app.selectors.organizations import (
    OrganizationHealth,
    healths_with_activity,
    organizations_with_health,
)
from encodings_app.selectors.overview import Overview, organization_overview
from encodings_app.selectors.search import ParsedSearch, parse_search

__all__ = [
    "DEFAULT_MESSAGE_TYPES",
    "DEFAULT_SORT",
    "MESSAGE_TYPES",
    "SORTS",
    "EncodingFilters",
    "OrganizationHealth",
    "Overview",
    "ParsedSearch",
    "SettingsData",
    "encodings_page",
    "error_panel",
    "healths_with_activity",
    "message_timeline",
    "organization_overview",
    "organization_settings_data",
    "organizations_with_health",
    "parse_search",
    "phases",
    "subtasks",
]
