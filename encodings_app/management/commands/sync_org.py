"""Run one sync of an organization in the foreground and print what it did."""

from django.core.management.base import BaseCommand, CommandError

from encodings_app.models import Organization, SyncRun
from encodings_app.services import sync


class Command(BaseCommand):
    help = "Sync one organization now (by slug) and print the run's outcome, API calls and counts."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug.")
        parser.add_argument("--full", action="store_true", help="Walk every encoding (full reconciliation).")

    def handle(self, *args, organization: str, full: bool, **options):
        found = Organization.objects.select_related("connection").filter(slug=organization).first()
        if found is None:
            raise CommandError(f"no organization with slug {organization!r}")
        if not found.can_sync:
            reason = (
                "its API key was rejected"
                if found.key_rejected
                else "its API key cannot be decrypted"
                if found.key_unreadable
                else "it has no API key"
                if not found.has_api_key
                else "syncing is switched off"
            )
            raise CommandError(f"{found.name} cannot sync: {reason}")
        run = sync.organization_sync(organization_id=found.pk, full=full)
        if run is None:
            raise CommandError(
                f"{found.name} is being synced by another process right now; try again shortly"
            )
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"{found.name}: {run.get_kind_display().lower()} sync, {run.get_outcome_display().lower()}"
        )
        self.stdout.write(f"  took {seconds:.1f} s and {run.total_api_calls} API calls")
        for endpoint, count in sorted(run.api_calls.items()):
            self.stdout.write(f"    {count:6d}  {endpoint}")
        self.stdout.write(
            f"  encodings created {run.encodings_created}, updated {run.encodings_updated}; "
            f"messages added {run.messages_added}"
        )
        if run.encodings_skipped:
            self.stdout.write(
                f"  left out {run.encodings_skipped} encoding(s) whose id the dashboard cannot use; "
                "the log names them with the request id"
            )
        if run.outcome != SyncRun.Outcome.OK:
            request = f" (requestId {run.error_request_id})" if run.error_request_id else ""
            code = f"code {run.error_code}: " if run.error_code else ""
            self.stdout.write(f"  error: {code}{run.error_message}{request}")
            if run.outcome == SyncRun.Outcome.FAILED:
                raise CommandError("the sync failed")
