"""Send a test message to one of an organization's alert channels now, and say how it went."""

from django.core.management.base import BaseCommand, CommandError

from encodings_app.models import AlertChannel
from encodings_app.services.alert_channels.changes import channel_test


class Command(BaseCommand):
    help = "Send a test message to an alert channel (by organization slug and channel name); un-pauses it."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug.")
        parser.add_argument("channel", help="The channel's name.")

    def handle(self, *args, organization: str, channel: str, **options):
        found = (
            AlertChannel.objects.select_related("organization")
            .filter(organization__slug=organization, name=channel)
            .first()
        )
        if found is None:
            raise CommandError(f"{organization!r} has no alert channel named {channel!r}")
        # Recorded in the audit log like a test from the page, by the command line.
        result = channel_test(channel=found).result
        answer = f" (answer {result.status})" if result.status is not None else ""
        if not result.ok:
            raise CommandError(f"the test message to {found.name} failed: {result.error}{answer}")
        self.stdout.write(f"test message delivered to {found.name}{answer}")
