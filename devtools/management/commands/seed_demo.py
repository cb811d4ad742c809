"""Create the demo, idempotently: logins, and one organization per tenant the demo API key reaches.

A second run resets the demo passwords and API keys and changes nothing else. The organizations are read
from the API itself (root organizations and their sub-organizations), so the demo shows whatever tenants
the simulator (or a real account) has.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from encodings_app.bitmovin import BitmovinClient, BitmovinError
from encodings_app.models import Organization, Role
from encodings_app.services.clients import base_url_refusal, destination_policy
from encodings_app.services.memberships import membership_set
from encodings_app.services.organizations import webhooks_register

DEMO_ADMIN = "admin"
DEMO_OPERATOR = "operator"
DEMO_VIEWER = "viewer"
# The demo's logins are printed by `make run`; production accounts are made with createsuperuser.
DEFAULT_PASSWORD = "demo-password"  # noqa: S105
DEFAULT_API_URL = "http://127.0.0.1:8765/v1"
DEFAULT_API_KEY = "demo-api-key-0000"
COLOURS = ["#1d5bb8", "#b3261e", "#1e6b34", "#8a5300", "#6b3fa0", "#00707a"]


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

    def handle(self, *args, api_url: str, api_key: str, password: str, webhook_base: str, **options):
        refusal = base_url_refusal(api_url)
        if refusal is not None:
            raise CommandError(f"--api-url: {refusal}")
        tenants = self._tenants(api_url, api_key)
        if len(tenants) < 2:
            raise CommandError(f"the demo needs at least two tenants; {api_url} shows {len(tenants)}")
        with transaction.atomic():
            organizations = [
                self._organization(tenant, api_url, api_key, COLOURS[index % len(COLOURS)])
                for index, tenant in enumerate(tenants)
            ]
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
        names = ", ".join(organization.name for organization in organizations)
        self.stdout.write(f"Demo organizations: {names}")
        self.stdout.write("Demo logins:")
        self.stdout.write(f"  account admin   {DEMO_ADMIN} / {password}   (every organization)")
        self.stdout.write(f"  operator        {DEMO_OPERATOR} / {password}   ({organizations[0].name})")
        self.stdout.write(f"  viewer          {DEMO_VIEWER} / {password}   ({organizations[1].name})")

    def _tenants(self, api_url: str, api_key: str) -> list:
        try:
            with BitmovinClient(
                api_key, base_url=api_url, retry_budget_s=10, destinations=destination_policy()
            ) as client:
                tenants = {}
                for organization in client.list_organizations().items:
                    tenants.setdefault(organization.id, organization)
                    if str(organization.type) == "ROOT_ORGANIZATION":
                        for sub in client.list_sub_organizations(organization.id, limit=100).items:
                            tenants.setdefault(sub.id, sub)
        except BitmovinError as exc:
            raise CommandError(f"cannot read the demo tenants from {api_url}: {exc}") from None
        return list(tenants.values())

    def _organization(self, tenant, api_url: str, api_key: str, colour: str) -> Organization:
        organization = Organization.objects.filter(tenant_org_id=tenant.id, api_base_url=api_url).first()
        if organization is None:
            organization = Organization(slug=self._free_slug(tenant.name or tenant.id), colour=colour)
        organization.name = tenant.name or tenant.id
        organization.tenant_org_id = tenant.id
        organization.api_base_url = api_url
        organization.set_api_key(api_key)
        organization.ensure_webhook_secret()
        organization.save()
        return organization

    @staticmethod
    def _free_slug(name: str) -> str:
        base = slugify(name)[:50] or "organization"
        slug, number = base, 2
        while Organization.objects.filter(slug=slug).exists():
            slug, number = f"{base}-{number}", number + 1
        return slug

    @staticmethod
    def _user(username: str, password: str, *, superuser: bool = False):
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_staff = user.is_superuser = superuser
        user.set_password(password)
        user.save()
        return user
