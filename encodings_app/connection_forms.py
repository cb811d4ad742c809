"""The forms of the Bitmovin account pages (views/connections.py): connecting an account, and replacing its
key. The key is write-only: never rendered back, not even in a password field."""

from __future__ import annotations

from typing import Any

from django import forms

from encodings_app.forms import OrganizationSettingsForm
from encodings_app.services.clients import allowed_base_urls, allowed_destinations_text


def _key_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


class AccountConnectForm(forms.Form):
    """A Bitmovin account to connect: its key and the API it is sent to (services/account_connect.py)."""

    api_key = _key_field(
        "API key",
        "Stored encrypted, once, for every organization of the account you pick; never shown again in full.",
    )
    api_base_url = OrganizationSettingsForm.base_fields["api_base_url"]
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=120,
        help_text="What the pages call the account. Leave blank for the name Bitmovin gives it.",
    )
    # The same rules as an organization's settings: an allowed address, a key without blanks.
    clean_api_base_url = OrganizationSettingsForm.clean_api_base_url
    clean_api_key = OrganizationSettingsForm.clean_api_key

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["api_base_url"].help_text = f"Allowed: {allowed_destinations_text()}."

    @property
    def allowed_base_urls(self) -> list[str]:
        return allowed_base_urls()


class ConnectionKeyForm(forms.Form):
    """A new key for an account connection: tested before it replaces the old one for every organization."""

    api_key = _key_field(
        "New API key",
        "Replaces the key for every organization of this account, once it proved to reach each of them.",
    )
    clean_api_key = OrganizationSettingsForm.clean_api_key
