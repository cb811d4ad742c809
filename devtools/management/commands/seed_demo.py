"""Create the demo, idempotently: logins, and one organization per tenant the demo API key reaches, all read
through one account connection holding that key.

A second run resets the demo passwords and API key and changes nothing else. The organizations are read
from the API itself (root organizations and their sub-organizations), so the demo shows whatever tenants
the simulator (or a real account) has.

With --alert-receiver, each organization also gets one signed webhook channel, DEMO_RECEIVER_CHANNEL,
pointing at the demo's receiver (devtools/alert_receiver.py, started by run_stack). Its signing secret stays
encrypted in the database like any channel's; the receiver decrypts it there itself (receiver_secrets), so
it is never printed, passed on, nor written to a file.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from encodings_app import crypto
from encodings_app.models import AlertChannel, Organization, Role
from encodings_app.services.account_connect import (
    ConnectRefused,
    account_connect,
    organizations_watch,
    watched_by_tenant,
)
from encodings_app.services.alert_channels.targets import ChannelRefused, channel_add
from encodings_app.services.clients import base_url_refusal
from encodings_app.services.connections import connection_save
from encodings_app.services.memberships import membership_set
from encodings_app.services.organizations import webhooks_register
from encodings_app.services.usage import usage_sync_all

DEMO_ADMIN = "admin"
DEMO_OPERATOR = "operator"
DEMO_VIEWER = "viewer"
# The demo's logins are printed by `make run`; production accounts are made with createsuperuser.
DEFAULT_PASSWORD = "demo-password"  # noqa: S105
DEFAULT_API_URL = "http://127.0.0.1:8765/v1"
DEFAULT_API_KEY = "demo-api-key-0000"
DEMO_RECEIVER_CHANNEL = "Demo receiver"


def receiver_channels():
    """Every organization's channel to the demo's receiver."""
    return AlertChannel.objects.filter(name=DEMO_RECEIVER_CHANNEL, kind=AlertChannel.Kind.WEBHOOK)


def receiver_secrets() -> list[str]:
    """The signing secrets of the receiver's channels, for the receiver to check signatures with: never to
    be printed, logged or passed on."""
    secrets = []
    for channel in receiver_channels():
        try:
            secrets.append(channel.decrypt_signing_secret())
        except crypto.DecryptionError:
            continue  # seed_demo replaces such a channel; until then its messages are refused
    return secrets


class Command(BaseCommand):
    help = "Create the demo logins and organizations (pointed at the simulator unless told otherwise)."

    def add_arguments(self, parser):
        parser.add_argument("--api-url", default=DEFAULT_API_URL, help="Bitmovin API base URL of the demo.")
        parser.add_argument(
            "--api-key", default=DEFAULT_API_KEY, help="API key that reaches the demo tenants."
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password for every demo login.")
        parser.add_argument(
            "--webhook-base",
            default="",
            help="Public URL of this dashboard (e.g. http://127.0.0.1:8000); registers the demo's webhooks.",
        )
        parser.add_argument(
            "--alert-receiver",
            default="",
            help=f"URL of the demo's alert receiver; gives every organization a signed webhook channel \""
            f'{DEMO_RECEIVER_CHANNEL}" to it.',
        )

    def handle(
        self,
        *args,
        api_url: str,
        api_key: str,
        password: str,
        webhook_base: str,
        alert_receiver: str,
        **options,
    ):
        refusal = base_url_refusal(api_url)
        if refusal is not None:
            raise CommandError(f"--api-url: {refusal}")
        try:
            # As a superuser connects an account (the connect_account command does the same).
            connection, reach = account_connect(api_key=api_key, api_base_url=api_url)
        except ConnectRefused as exc:
            raise CommandError(f"cannot read the demo tenants from {api_url}: {exc.message}") from None
        if len(reach.organizations) < 2:
            raise CommandError(
                f"the demo needs at least two tenants; {api_url} shows {len(reach.organizations)}"
            )
        with transaction.atomic():
            tenants = [item.id for item in reach.organizations]
            organizations_watch(connection=connection, tenant_ids=tenants, reach=reach)
            # A second run gives the demo's organizations a fresh chance, as a new key would.
            connection_save(connection=connection, key_replaced=True)
            watched = watched_by_tenant(connection)
            organizations = [watched[tenant] for tenant in tenants]
            admin = self._user(DEMO_ADMIN, password, superuser=True)
            operator = self._user(DEMO_OPERATOR, password)
            viewer = self._user(DEMO_VIEWER, password)
            membership_set(organization=organizations[0], user=operator, role=Role.OPERATOR)
            membership_set(organization=organizations[1], user=viewer, role=Role.VIEWER)
            for organization in organizations:
                membership_set(organization=organization, user=admin, role=Role.ADMIN)
        if webhook_base:
            for organization in organizations:
                url = webhook_base.rstrip("/") + reverse("bitmovin-webhook", args=[organization.slug])
                outcome = webhooks_register(organization=organization, callback_url=url)
                if outcome.error or outcome.problem:
                    self.stderr.write(f"webhooks of {organization.slug}: {outcome.error or outcome.problem}")
        if alert_receiver:
            for organization in organizations:
                self._receiver_channel(organization, alert_receiver)
        # The usage page has figures at once; beat keeps them fresh (and reads any the budget deferred).
        plan = usage_sync_all()
        read = sum(1 for outcome in plan.outcomes.values() if outcome.status == "synced")
        self.stdout.write(f"Usage read for {read} organizations ({len(plan.deferred)} left to beat).")
        names = ", ".join(organization.name for organization in organizations)
        self.stdout.write(f"Demo organizations: {names}")
        self.stdout.write("Demo logins:")
        self.stdout.write(f"  superuser       {DEMO_ADMIN} / {password}   (every organization and account)")
        self.stdout.write(f"  operator        {DEMO_OPERATOR} / {password}   ({organizations[0].name})")
        self.stdout.write(f"  viewer          {DEMO_VIEWER} / {password}   ({organizations[1].name})")

    @staticmethod
    def _receiver_channel(organization: Organization, url: str) -> AlertChannel:
        """The organization's channel to the receiver at `url`: kept when it already sends there (its
        deliveries and secret with it), else added anew (the receiver moved to another port, or the channel
        can no longer be decrypted)."""
        channel = organization.alert_channels.filter(name=DEMO_RECEIVER_CHANNEL).first()
        if channel is not None:
            try:
                current = channel.kind == AlertChannel.Kind.WEBHOOK and channel.decrypt_target() == url
                current = current and bool(channel.decrypt_signing_secret())
            except crypto.DecryptionError:
                current = False
            if current:
                return channel
            channel.delete()
        try:
            return channel_add(
                organization=organization,
                kind=AlertChannel.Kind.WEBHOOK,
                target=url,
                name=DEMO_RECEIVER_CHANNEL,
            ).channel
        except ChannelRefused as exc:
            raise CommandError(f"--alert-receiver: {exc}") from None

    @staticmethod
    def _user(username: str, password: str, *, superuser: bool = False):
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_staff = user.is_superuser = superuser
        user.set_password(password)
        user.save()
        return user
