"""Evaluate the alert rules, tell the channels and deliver, in the foreground: what beat's alerts.evaluate and
alerts.deliver tasks do, printed."""

from django.core.management.base import BaseCommand, CommandError

from encodings_app.models import AlertChannel, Organization
from encodings_app.services.alert_channels.delivery import deliver_due
from encodings_app.services.alerts import Evaluated, alerts_run, alerts_run_all
from encodings_app.services.alerts.condition import plural

TOLD_WORDS = {"opened": "told opened", "update": "told still open", "resolved": "told resolved"}


class Command(BaseCommand):
    help = (
        "Evaluate the alert rules of every organization (or one, by slug) now, as beat does every "
        "ALERTS_EVALUATE_SECONDS; print the incidents opened, updated and resolved and what the alert "
        "channels are told; then send every delivery that is due (every organization's) and print the "
        "outcome."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Only evaluate this organization (its slug).")
        parser.add_argument(
            "--no-deliver",
            action="store_true",
            help="Queue the messages without sending them (a worker's alerts.deliver sends them).",
        )

    def handle(self, *args, organization: str | None, no_deliver: bool, **options):
        if organization:
            found = Organization.objects.filter(slug=organization).first()
            if found is None:
                raise CommandError(f"no organization with slug {organization!r}")
            evaluated = [alerts_run(organization=found)]
        else:
            evaluated = alerts_run_all()
        self._print_evaluation(evaluated)
        if no_deliver:
            return
        outcome = deliver_due()
        self.stdout.write(
            f"Delivered {outcome.delivered}, {outcome.retrying} to retry, {outcome.given_up} given up"
            + (
                f", {plural(len(outcome.paused_channels), 'channel')} paused"
                if outcome.paused_channels
                else ""
            )
            + ("." if outcome.complete else "; more are due (the time budget ran out).")
        )
        if not AlertChannel.objects.filter(enabled=True).exists():
            self.stdout.write(
                "No alert channel is set up: incidents are recorded and shown, not sent. Add one in "
                "Settings -> Alerts or with `manage.py alert_channel_add`."
            )

    def _print_evaluation(self, evaluated: list[Evaluated]) -> None:
        totals = {"opened": 0, "updated": 0, "resolved": 0}
        messages = deliveries = 0
        for item in evaluated:
            slug = item.organization.slug
            for change in totals:
                incidents = getattr(item.outcome, change)
                totals[change] += len(incidents)
                for incident in incidents:
                    self.stdout.write(f"{slug}: {change} {incident.title} [{incident.cause}]")
            notified = item.notified
            messages += notified.messages
            deliveries += notified.deliveries
            for what, incident in notified.told:
                self.stdout.write(f"{slug}: {TOLD_WORDS[what]} {incident.title} [{incident.cause}]")
            if notified.digest:
                self.stdout.write(f"{slug}: {plural(len(notified.told), 'notice')} sent as one digest")
            if notified.held or notified.muted:
                self.stdout.write(f"{slug}: {notified.held} waiting for their window, {notified.muted} muted")
        self.stdout.write(
            f"Evaluated {plural(len(evaluated), 'organization')}: {totals['opened']} opened, "
            f"{totals['updated']} updated, {totals['resolved']} resolved; {plural(messages, 'message')} "
            f"queued ({plural(deliveries, 'send')} to channels)."
        )
