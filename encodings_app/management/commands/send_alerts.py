"""Evaluate the alert rules in the foreground, as beat's alerts.evaluate task does, and print what changed."""

from django.core.management.base import BaseCommand, CommandError

from encodings_app.models import Organization
from encodings_app.services.alerts import Evaluated, alerts_evaluate, alerts_evaluate_all
from encodings_app.services.alerts.condition import plural


class Command(BaseCommand):
    help = (
        "Evaluate the alert rules of every organization (or one, by slug) now, the same evaluation beat runs "
        "every ALERTS_EVALUATE_SECONDS, and print the incidents it opened, updated and resolved. Incidents "
        "are recorded with their opened/resolved events; delivering them comes with alert channels, which "
        "this version does not have yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Only this organization (its slug).")

    def handle(self, *args, organization: str | None, **options):
        if organization:
            found = Organization.objects.filter(slug=organization).first()
            if found is None:
                raise CommandError(f"no organization with slug {organization!r}")
            evaluated = [Evaluated(found, alerts_evaluate(organization=found))]
        else:
            evaluated = alerts_evaluate_all()
        totals = {"opened": 0, "updated": 0, "resolved": 0}
        for item in evaluated:
            for change in totals:
                incidents = getattr(item.outcome, change)
                totals[change] += len(incidents)
                for incident in incidents:
                    self.stdout.write(
                        f"{item.organization.slug}: {change} {incident.title} [{incident.cause}]"
                    )
        self.stdout.write(
            f"Evaluated {plural(len(evaluated), 'organization')}: {totals['opened']} opened, "
            f"{totals['updated']} updated, {totals['resolved']} resolved."
        )
        self.stdout.write("No alert channels yet: incidents are recorded, not sent.")
