"""Re-encrypt every stored secret under the current first FIELD_ENCRYPTION_KEYS key.

Idempotent and resumable: each account connection, each organization and each alert channel is re-encrypted
in its own transaction and only values whose key id differs from the current key's are touched, so an
interrupted run is finished by running it again. After it reports nothing left to rotate, the old keys can be
removed from FIELD_ENCRYPTION_KEYS.
"""

from django.core.management.base import BaseCommand
from django.db import models, transaction

from encodings_app import crypto
from encodings_app.models import AccountConnection, AlertChannel, Organization
from encodings_app.services.audit import Action, Outcome, audit_record

CONNECTION_SECRET_FIELDS = ("api_key_encrypted",)
ORGANIZATION_SECRET_FIELDS = ("webhook_secret_encrypted",)
# A channel's address (a webhook URL is a credential) and a signed webhook's signing secret.
CHANNEL_SECRET_FIELDS = ("target_encrypted", "signing_secret_encrypted")


class Command(BaseCommand):
    help = (
        "Re-encrypt account connections' API keys, organizations' webhook secrets, and alert channels' "
        "addresses and signing secrets, under the current first encryption key."
    )

    def handle(self, *args, **options):
        self.rotated = self.current = self.unreadable = 0
        for pk in AccountConnection.objects.order_by("pk").values_list("pk", flat=True):
            self._rotate(AccountConnection, pk, CONNECTION_SECRET_FIELDS, fix=self._connection_unreadable)
        for pk in Organization.objects.order_by("pk").values_list("pk", flat=True):
            self._rotate(Organization, pk, ORGANIZATION_SECRET_FIELDS, fix=self._organization_unreadable)
        for pk in AlertChannel.objects.order_by("pk").values_list("pk", flat=True):
            self._rotate(AlertChannel, pk, CHANNEL_SECRET_FIELDS, fix=self._channel_unreadable)
        summary = (
            f"rotated {self.rotated} secret(s); {self.current} already under the current key; "
            f"{self.unreadable} unreadable"
        )
        if self.rotated or self.unreadable:
            # Who ran it is the operator's shell, not a user of the site: the entry names no user.
            audit_record(
                action=Action.SECRETS_REENCRYPT,
                outcome=Outcome.FAILED if self.unreadable else Outcome.OK,
                target="API keys, webhook signing secrets and alert channels",
                detail=summary.capitalize() + ".",
            )
        self.stdout.write(summary)

    def _rotate(self, model: type[models.Model], pk: int, fields: tuple[str, ...], *, fix) -> None:
        with transaction.atomic():
            row = model.objects.select_for_update().get(pk=pk)
            changed = []
            for field in fields:
                stored = getattr(row, field)
                if not stored:
                    continue
                if not crypto.needs_rotation(stored):
                    self.current += 1
                    continue
                try:
                    setattr(row, field, crypto.rotate(stored))
                except crypto.DecryptionError:
                    self.unreadable += 1
                    changed += fix(row, field)
                    continue
                self.rotated += 1
                changed.append(field)
            if changed:
                row.save(update_fields=changed)

    def _connection_unreadable(self, connection: AccountConnection, field: str) -> list[str]:
        """Each organization read through the connection is marked, as a sync would mark it; the
        connection's row itself is left as it is."""
        organizations = connection.organizations.order_by("slug")
        for organization in organizations:
            self.stderr.write(
                f"{organization.slug}: {field} cannot be decrypted with any configured key; "
                "left as it is (enter the key again in the organization's settings)"
            )
        organizations.filter(key_unreadable=False).update(key_unreadable=True)
        return []

    def _organization_unreadable(self, organization: Organization, field: str) -> list[str]:
        self.stderr.write(
            f"{organization.slug}: {field} cannot be decrypted with any configured key; "
            "left as it is (replace the webhook signing secret in the organization's settings)"
        )
        return []

    def _channel_unreadable(self, channel: AlertChannel, field: str) -> list[str]:
        # Its sends fail with "cannot be decrypted" and count towards its pause; nothing to mark here.
        self.stderr.write(
            f"{channel.organization.slug}: alert channel {channel.name!r}: {field} cannot be decrypted with "
            "any configured key; left as it is (add the channel again)"
        )
        return []
