"""Add an alert channel to an organization from a shell (the same rules as the Settings → Alerts page)."""

from django.core.management.base import BaseCommand, CommandError

from encodings_app.models import AlertChannel, Organization
from encodings_app.services.alert_channels.targets import ChannelRefused, channel_add


class Command(BaseCommand):
    help = (
        "Add an alert channel (e-mail, Slack-compatible webhook or signed JSON webhook) to an organization. "
        "A signed webhook's signing secret is printed once, for its receiver."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug.")
        parser.add_argument("--kind", required=True, choices=AlertChannel.Kind.values)
        parser.add_argument(
            "--target", required=True, help="E-mail address(es), comma-separated, or the webhook's URL."
        )
        parser.add_argument("--name", default="", help="How pages name the channel (default: its kind).")

    def handle(self, *args, organization: str, kind: str, target: str, name: str, **options):
        found = Organization.objects.filter(slug=organization).first()
        if found is None:
            raise CommandError(f"no organization with slug {organization!r}")
        try:
            added = channel_add(organization=found, kind=kind, target=target, name=name)
        except ChannelRefused as exc:
            raise CommandError(str(exc)) from None
        channel = added.channel
        self.stdout.write(f"{found.name}: added {channel.get_kind_display().lower()} {channel.name!r}")
        self.stdout.write(f"  sends to {channel.target_hint}")
        if added.signing_secret:
            self.stdout.write(
                f"  signing secret (shown once; give it to the receiver): {added.signing_secret}"
            )
