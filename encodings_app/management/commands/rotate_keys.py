"""Re-encrypt every stored secret under the current first FIELD_ENCRYPTION_KEYS key.

Idempotent and resumable: each organization is re-encrypted in its own transaction and only values whose
key id differs from the current key's are touched, so an interrupted run is finished by running it again.
After it reports nothing left to rotate, the old keys can be removed from FIELD_ENCRYPTION_KEYS.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from encodings_app import crypto
from encodings_app.models import Organization
from encodings_app.services.audit import Action, Outcome, audit_record

SECRET_FIELDS = ("api_key_encrypted", "webhook_secret_encrypted")


class Command(BaseCommand):
    help = "Re-encrypt organizations' API keys and webhook secrets under the current first encryption key."

    def handle(self, *args, **options):
        rotated = current = unreadable = 0
        for pk in Organization.objects.order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                organization = Organization.objects.select_for_update().get(pk=pk)
                changed = []
                for field in SECRET_FIELDS:
                    stored = getattr(organization, field)
                    if not stored:
                        continue
                    if not crypto.needs_rotation(stored):
                        current += 1
                        continue
                    try:
                        setattr(organization, field, crypto.rotate(stored))
                    except crypto.DecryptionError:
                        unreadable += 1
                        self.stderr.write(
                            f"{organization.slug}: {field} cannot be decrypted with any configured key; "
                            "left as it is (enter the key again in the organization's settings)"
                        )
                        if field == "api_key_encrypted" and not organization.key_unreadable:
                            organization.key_unreadable = True
                            changed.append("key_unreadable")
                        continue
                    rotated += 1
                    changed.append(field)
                if changed:
                    organization.save(update_fields=changed)
        summary = (
            f"rotated {rotated} secret(s); {current} already under the current key; {unreadable} unreadable"
        )
        if rotated or unreadable:
            # Who ran it is the operator's shell, not a user of the site: the entry names no user.
            audit_record(
                action=Action.SECRETS_REENCRYPT,
                outcome=Outcome.FAILED if unreadable else Outcome.OK,
                target="API keys and webhook signing secrets",
                detail=summary.capitalize() + ".",
            )
        self.stdout.write(summary)
