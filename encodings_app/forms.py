"""Forms: the list's filters (from the URL), the message timeline's options, actions and settings.

The GET forms never refuse a page: a value they cannot use is dropped and named in ``notes``, so a mistyped
link still shows the encodings, with a message saying what was ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from encodings_app.bitmovin import CloudRegion
from encodings_app.models import (
    DEFAULT_API_BASE_URL,
    DEFAULT_LIST_PAGE_SIZE,
    LIST_PAGE_SIZES,
    OPTIONAL_LIST_COLUMNS,
    EncodingStatus,
    Organization,
    Role,
    hex_colour,
)
from encodings_app.selectors import (
    DEFAULT_MESSAGE_TYPES,
    DEFAULT_SORT,
    MESSAGE_TYPES,
    SORTS,
    EncodingFilters,
    parse_search,
)
from encodings_app.selectors.search import SEARCH_ALIAS, SEARCH_CONFLICT, SEARCH_PARAMETER
from encodings_app.services.action_registry import PRIORITY_MAX, PRIORITY_MIN
from encodings_app.services.clients import (
    allowed_base_urls,
    allowed_destinations_text,
    base_url_refusal,
    normalize_base_url,
)
from encodings_app.widgets import InlineSelect

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
PERIODS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
SORT_CHOICES = [(key, key) for name in SORTS for key in (name, f"-{name}")]
# The list's URL parameters, in the order its links write them; every link of the list and the detail page's
# "back to list" are rebuilt from these alone, with the values the filter form validated.
FILTER_PARAMS = (
    SEARCH_PARAMETER,
    "status",
    "type",
    "region",
    "encoder",
    "label",
    "code",
    "category",
    "stuck",
    "period",
    "from",
    "to",
    "failed_from",
    "failed_to",
    "sort",
    "columns",
    "per_page",
    "count",
    "page",
)
# The ``columns`` value of a view that shows none of the optional columns (only name, status and progress).
NO_OPTIONAL_COLUMNS = "none"
# A "back" value longer than this is not one the list wrote (its longest filters fit easily): it is dropped.
MAX_BACK_LENGTH = 8000
# Notes quote what was ignored; a page must not grow with the size of a hostile parameter.
MAX_NOTE_LENGTH = 300


class ToleratingForm(forms.Form):
    """A GET form that keeps what it can: invalid fields are reported in ``notes`` and otherwise ignored."""

    def notes(self) -> list[str]:
        notes = list(getattr(self, "_notes", []))
        if self.is_bound:
            for name, errors in self.errors.items():
                label = self.fields[name].label if name in self.fields else name
                notes.append(f"{label}: {' '.join(errors)} It was ignored.")
        return [note if len(note) <= MAX_NOTE_LENGTH else note[: MAX_NOTE_LENGTH - 1] + "…" for note in notes]

    def value(self, name: str, default: Any = None) -> Any:
        if not self.is_bound:
            return default
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "", []) else value


class EncodingFilterForm(ToleratingForm):
    q = forms.CharField(label="Search", required=False, max_length=500)
    status = forms.MultipleChoiceField(
        label="Status", required=False, choices=EncodingStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any"), ("VOD", "VOD"), ("LIVE", "Live")],
        widget=InlineSelect,
    )
    region = forms.ChoiceField(
        label="Region",
        required=False,
        choices=[("", "Any"), ("AUTO", "AUTO")]
        + [(r.value, r.value) for r in CloudRegion if r.value != "AUTO"],
        widget=InlineSelect,
    )
    encoder = forms.CharField(label="Encoder version", required=False, max_length=64)
    label = forms.CharField(label="Label", required=False, max_length=200)
    code = forms.IntegerField(label="Error code", required=False, min_value=0, max_value=999_999)
    # As long as the mirror keeps it (Encoding.error_category).
    category = forms.CharField(label="Error category", required=False, max_length=120)
    stuck = forms.BooleanField(label="Only stuck", required=False)
    period = forms.ChoiceField(
        label="Created",
        required=False,
        widget=InlineSelect,
        choices=[
            ("", "Any time"),
            ("1h", "Last hour"),
            ("24h", "Last 24 hours"),
            ("7d", "Last 7 days"),
            ("30d", "Last 30 days"),
        ],
    )
    created_from = forms.DateTimeField(
        label="Created from (UTC)", required=False, input_formats=DATETIME_FORMATS
    )
    created_to = forms.DateTimeField(
        label="Created before (UTC)", required=False, input_formats=DATETIME_FORMATS
    )
    failed_from = forms.DateTimeField(
        label="Failed from (UTC)", required=False, input_formats=DATETIME_FORMATS
    )
    failed_to = forms.DateTimeField(
        label="Failed before (UTC)", required=False, input_formats=DATETIME_FORMATS
    )
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORT_CHOICES)
    # The optional columns shown, comma-separated ("none" for none). A link (a saved view, above all) carries
    # them so that it shows the same table to everyone who opens it; without it each user sees the columns
    # of their own preference (models/preferences.py). The personal preference stays the default because
    # most visits come from the navigation, not from a shared link, and the URL should stay short there.
    columns = forms.CharField(label="Columns", required=False, max_length=200)
    per_page = forms.TypedChoiceField(
        label="Rows per page",
        required=False,
        coerce=int,
        choices=[(str(size), str(size)) for size in LIST_PAGE_SIZES],
        error_messages={
            "invalid_choice": f"“%(value)s” is not one of {', '.join(map(str, LIST_PAGE_SIZES[:-1]))} "
            f"or {LIST_PAGE_SIZES[-1]}."
        },
    )
    # "exact": count every row for the total, also past LIST_EXACT_COUNT_LIMIT (where it is estimated).
    count = forms.ChoiceField(label="Total", required=False, choices=[("", "Estimated"), ("exact", "Exact")])
    page = forms.IntegerField(label="Page", required=False, min_value=1, max_value=1_000_000)

    # The URL speaks "from" and "to" (not valid Python names for fields) and the API's "search" (the field
    # keeps its short name for the templates): add_prefix maps the names.
    renamed = {"created_from": "from", "created_to": "to", "q": SEARCH_PARAMETER}

    def __init__(
        self, data: QueryDict | None = None, *, default_page_size: int = DEFAULT_LIST_PAGE_SIZE
    ) -> None:
        self._notes: list[str] = []
        self._url_values: dict[str, list[str]] | None = None
        # The user's saved page size: what a URL without per_page shows.
        self.default_page_size = default_page_size
        if data is not None:
            data = data.copy()
            statuses = data.getlist("status")
            known = [s for s in statuses if s in EncodingStatus.values]
            unknown = [s for s in statuses if s not in EncodingStatus.values]
            if unknown:
                self._notes.append(f"Status: {', '.join(unknown)} is not a status; ignored.")
                data.setlist("status", known)
            self._read_search_alias(data)
        super().__init__(data)
        for name in ("created_from", "created_to", "failed_from", "failed_to"):
            self.fields[name].widget = forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )

    def add_prefix(self, field_name: str) -> str:
        return self.renamed.get(field_name, field_name)

    def _read_search_alias(self, data: QueryDict) -> None:
        """An address written with the old name (``q=``) searches as before; the links the page writes
        then carry ``search=``. Both names with different values: ``search`` wins, and a note says so."""
        if SEARCH_ALIAS not in data:
            return
        old = (data.pop(SEARCH_ALIAS)[-1] or "").strip()
        current = (data.get(SEARCH_PARAMETER) or "").strip()
        if not current:
            data[SEARCH_PARAMETER] = old
        elif old and old != current:
            self._notes.append(f"{SEARCH_CONFLICT} “{SEARCH_ALIAS}” was ignored.")

    def clean_columns(self) -> str:
        """The columns in the table's order, written one way only (so that equal views have equal URLs)."""
        raw = self.cleaned_data["columns"].strip()
        if not raw:
            return ""
        names = [name.strip().lower() for name in raw.split(",") if name.strip()]
        if names == [NO_OPTIONAL_COLUMNS]:
            return NO_OPTIONAL_COLUMNS
        unknown = [name for name in names if name not in OPTIONAL_LIST_COLUMNS]
        if unknown:
            raise forms.ValidationError(
                f"“{', '.join(unknown)[:60]}” is not a column of the list (the columns are "
                f"{', '.join(OPTIONAL_LIST_COLUMNS)}, or {NO_OPTIONAL_COLUMNS})."
            )
        return columns_value([name for name in OPTIONAL_LIST_COLUMNS if name in names])

    def shown_columns(self) -> list[str] | None:
        """The optional columns the URL asks for, or None when it does not say (the user's own apply)."""
        value = self.value("columns", "")
        if not value:
            return None
        return [] if value == NO_OPTIONAL_COLUMNS else value.split(",")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start >= end:
            self._notes.append("The time range ends before it starts; it was ignored.")
            cleaned["created_from"] = cleaned["created_to"] = None
        start, end = cleaned.get("failed_from"), cleaned.get("failed_to")
        if start and end and start >= end:
            self._notes.append("The failure time range ends before it starts; it was ignored.")
            cleaned["failed_from"] = cleaned["failed_to"] = None
        return cleaned

    def filters(self) -> EncodingFilters:
        search = parse_search(self.value("q", ""))
        self._notes.extend(f"Search: {problem}" for problem in search.problems)
        if search.nothing_left:
            self._notes.append("Search: nothing in it could be searched for, so it does not narrow the list.")
        created_from, created_to = self.value("created_from"), self.value("created_to")
        period = self.value("period")
        if period and created_from is None:
            created_from = timezone.now() - PERIODS[period]
        return EncodingFilters(
            statuses=self.value("status", []),
            type=self.value("type", ""),
            region=self.value("region", ""),
            encoder_version=self.value("encoder", "").strip(),
            label=self.value("label", "").strip(),
            error_code=self.value("code"),
            error_category=self.value("category", "").strip(),
            stuck=bool(self.value("stuck", False)),
            created_from=_as_utc(created_from),
            created_to=_as_utc(created_to),
            failed_from=_as_utc(self.value("failed_from")),
            failed_to=_as_utc(self.value("failed_to")),
            search=search,
            sort=self.value("sort", DEFAULT_SORT),
        )

    def page_number(self) -> int:
        return self.value("page", 1)

    def page_size(self) -> int:
        return self.value("per_page", self.default_page_size)

    def exact_count(self) -> bool:
        return self.value("count") == "exact"

    def _url_page_size(self) -> int | None:
        # Written whenever it is not the product's default, so that a link (page 3 of 100 rows) shows the
        # same rows to someone whose own page size differs; and whenever the URL itself said it.
        size = self.page_size()
        return size if size != DEFAULT_LIST_PAGE_SIZE else self.value("per_page")

    def url_values(self) -> dict[str, list[str]]:
        """Every filter that passed validation, as the URL writes it. Unknown parameters never get here, and
        neither does a value that was refused (too long, not a choice ...)."""
        if self._url_values is None:
            fields = {url_name: field for field, url_name in self.renamed.items()}
            values: dict[str, list[str]] = {}
            for name in FILTER_PARAMS:
                value = self._url_page_size() if name == "per_page" else self.value(fields.get(name, name))
                text = _url_text(value)
                if text:
                    values[name] = text
            self._url_values = values
        return self._url_values

    def query(self, **changes: Any) -> str:
        """The list's query string from the validated filters, with ``changes`` applied (None removes one).

        Every link of the list (pages, sort headers, labels, the poll, the detail pages' way back) is built
        here, so none of them copies the request's own query string.
        """
        values = dict(self.url_values())
        for name, value in changes.items():
            if name not in FILTER_PARAMS:
                raise ValueError(f"{name} is not a parameter of the encodings list")
            text = _url_text(value)
            if text:
                values[name] = text
            else:
                values.pop(name, None)
        query = QueryDict(mutable=True)
        for name in FILTER_PARAMS:
            if name in values:
                query.setlist(name, values[name])
        return query.urlencode()


def columns_value(columns: list[str]) -> str:
    """The ``columns`` URL value for these optional columns (known names, in the table's order)."""
    return ",".join(name for name in OPTIONAL_LIST_COLUMNS if name in columns) or NO_OPTIONAL_COLUMNS


def _url_text(value: Any) -> list[str]:
    if value is None or value is False or value == "":
        return []
    if value is True:
        return ["1"]
    if isinstance(value, list | tuple):
        # Repeats say nothing more: status=ERROR a thousand times is still one status.
        return list(dict.fromkeys(str(item) for item in value if item not in (None, "")))
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return [local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")]
    return [str(value)]


def _as_utc(value: datetime | None) -> datetime | None:
    # The form's fields are read in the site's time zone (UTC); say so explicitly for the queries.
    if value is None:
        return None
    return value.astimezone(UTC) if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def list_querystring(raw: Any) -> str:
    """The list's query string from a "back" value, rebuilt by the filter form: only the list's own
    parameters with values it accepts; never a URL, never anything else."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_BACK_LENGTH:
        return ""
    try:
        source = QueryDict(raw)
    except TooManyFieldsSent:
        return ""
    return EncodingFilterForm(source).query()


class MessageFilterForm(ToleratingForm):
    types = forms.CharField(label="Message types", required=False)
    mpage = forms.IntegerField(label="Messages page", required=False, min_value=1, max_value=1_000_000)
    group = forms.ChoiceField(
        label="Message order", required=False, choices=[("", "Time order"), ("subtask", "By subtask")]
    )

    def by_subtask(self) -> bool:
        """Grouped by subtask only when asked (``group=subtask``): time order reads as what happened."""
        return self.value("group") == "subtask"

    def shown_types(self) -> list[str]:
        if not self.is_bound or "types" not in self.data:
            return list(DEFAULT_MESSAGE_TYPES)
        asked = [t.strip().upper() for t in (self.data.get("types") or "").split(",") if t.strip()]
        unknown = [t for t in asked if t not in MESSAGE_TYPES]
        if unknown:
            self._notes = [f"Message types: {', '.join(unknown)} is not a message type; ignored."]
        return [t for t in MESSAGE_TYPES if t in asked]

    def page_number(self) -> int:
        return self.value("mpage", 1)


class ReprioritizeForm(forms.Form):
    priority = forms.IntegerField(
        label=f"New priority ({PRIORITY_MIN} to {PRIORITY_MAX}, higher runs sooner)",
        min_value=PRIORITY_MIN,
        max_value=PRIORITY_MAX,
        initial=50,
        widget=forms.NumberInput(attrs={"min": PRIORITY_MIN, "max": PRIORITY_MAX, "step": 1}),
    )


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    colour = forms.CharField(
        max_length=7, validators=[hex_colour], widget=forms.TextInput(attrs={"type": "color"}), label="Colour"
    )
    api_base_url = forms.URLField(
        label="API base URL",
        max_length=300,
        assume_scheme="https",
        initial=DEFAULT_API_BASE_URL,
        # Offers the allowed addresses (the page renders the datalist); others are refused in clean.
        widget=forms.URLInput(attrs={"list": "api-base-urls"}),
    )
    api_key = forms.CharField(
        label="API key",
        required=False,
        max_length=200,
        strip=True,
        # Write-only: the stored key is never sent back to the browser, not even in a password field.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the current key.",
    )
    tenant_org_id = forms.CharField(
        label="Tenant organization id",
        required=False,
        max_length=64,
        help_text="Sent as X-Tenant-Org-Id; leave blank for the key's own organization.",
    )

    # The stored key is bound to the base URL and tenant id (see services/organizations.py).
    rebinding_note = " Changing it needs the API key again."
    # The key and its base URL live on the account connection, shared by the organizations of that key.
    shared_note = (
        " The key and the API base URL belong to this organization's account connection: a new one applies "
        "to every organization read through that connection."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["api_base_url"].help_text = f"Allowed: {allowed_destinations_text()}."
        for name in ("api_base_url", "tenant_org_id"):
            self.fields[name].help_text += self.rebinding_note
        self.fields["api_key"].help_text += self.shared_note

    @property
    def allowed_base_urls(self) -> list[str]:
        return allowed_base_urls()

    def clean_api_base_url(self) -> str:
        url = normalize_base_url(self.cleaned_data["api_base_url"])
        refusal = base_url_refusal(url)
        if refusal is not None:
            raise forms.ValidationError(refusal)
        return url

    @sensitive_variables("key")
    def clean_api_key(self) -> str:
        key = self.cleaned_data["api_key"]
        if key and (not key.isprintable() or any(c.isspace() for c in key)):
            raise forms.ValidationError("An API key has no spaces or control characters.")
        return key

    def clean_tenant_org_id(self) -> str:
        value = self.cleaned_data["tenant_org_id"].strip()
        if value and not value.isprintable():
            raise forms.ValidationError("Use the organization id as Bitmovin shows it.")
        return value

    # What the organization reads through: only account admins change it (services/organizations.py).
    repointing_fields = ("api_base_url", "api_key", "tenant_org_id")

    @classmethod
    def for_organization(
        cls, organization: Organization, data: QueryDict | None = None, *, may_repoint: bool = True
    ) -> OrganizationSettingsForm:
        initial = {
            "name": organization.name,
            "colour": organization.colour,
            "api_base_url": (
                organization.connection.api_base_url if organization.connection_id else DEFAULT_API_BASE_URL
            ),
            "tenant_org_id": organization.tenant_org_id,
        }
        form = cls(data, initial=initial)
        if not may_repoint:
            # Shown, not editable: a disabled field keeps its initial value whatever is posted.
            for name in cls.repointing_fields:
                form.fields[name].disabled = True
            form.fields[
                "api_key"
            ].help_text = "Kept by the account admins of this organization's Bitmovin account."
        return form


class OrganizationCreateForm(OrganizationSettingsForm):
    slug = forms.SlugField(
        max_length=60, help_text="Lowercase letters, digits and hyphens; it appears in every URL."
    )
    field_order = ["name", "slug", "colour", "api_base_url", "api_key", "tenant_org_id"]
    rebinding_note = ""  # a new organization has no stored key yet
    shared_note = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["api_key"].required = True
        self.fields["api_key"].help_text = "Stored encrypted; it is never shown again in full."
        self.fields["colour"].initial = "#1d5bb8"

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if Organization.objects.filter(slug=slug).exists():
            raise forms.ValidationError("Another organization already uses this slug.")
        return slug


ROLE_CHOICES = Role.choices


class MemberAddForm(forms.Form):
    """Who to add, typed exactly: the form never looks anyone up, so it cannot say who exists."""

    # The field keeps the name "username" so that existing forms and scripts keep posting to it.
    username = forms.CharField(
        max_length=254,
        label="User name or e-mail address",
        help_text="Exactly as in their account. You can add people who are already members of an "
        "organization you administer; anyone else is added by an account admin.",
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.VIEWER)

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class DisplayLinkForm(forms.Form):
    """A wall display link: what it shows (organizations the admin administers) and how often it polls."""

    label = forms.CharField(max_length=100, initial="Operations room", help_text="Where the screen hangs.")
    organizations = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    poll_seconds = forms.IntegerField(min_value=2, max_value=300, initial=10, label="Refresh every (seconds)")
    rotate_seconds = forms.IntegerField(
        min_value=2,
        max_value=600,
        initial=20,
        required=False,
        label="Next page every (seconds)",
        help_text="More than four organizations are shown in pages, the worst first.",
    )

    def __init__(self, *args: Any, administered: Any, current: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = administered
        self.fields["organizations"].initial = [current.pk]

    def clean_rotate_seconds(self) -> int:
        return self.cleaned_data["rotate_seconds"] or self.fields["rotate_seconds"].initial
