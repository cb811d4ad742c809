"""Create the demo's accounts, idempotently: a second run resets their passwords and changes nothing else."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_ADMIN = "admin"
# The demo's logins are printed by `make run`; production accounts are made with createsuperuser.
DEFAULT_PASSWORD = "demo-password"  # noqa: S105


class Command(BaseCommand):
    help = "Create the demo account admin (and, as features arrive, demo organizations and members)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password for every demo login.")

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            username=DEMO_ADMIN, defaults={"email": "admin@example.com"}
        )
        admin.is_staff = True
        admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        self.stdout.write(("Created" if created else "Updated") + " the demo logins:")
        self.stdout.write(f"  account admin   {DEMO_ADMIN} / {password}")
