"""The admin site (/admin/, staff only): accounts, organizations, members, tokens and the dashboard's records.

Nothing here writes around the services. What the pages change (an organization's settings and API key,
members and roles, tokens) is changed in the admin through the same service functions, with the same rules and
the same audit entries, or not at all; what the dashboard records by itself (sync runs, webhook deliveries,
the audit log) is read-only. No secret is shown: an API key appears masked, as on the pages, and a token only
by its hint.
"""

from encodings_app.admin import accounts, memberships, organizations, records, tokens

__all__ = ["accounts", "memberships", "organizations", "records", "tokens"]
