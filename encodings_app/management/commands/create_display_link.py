"""Create a wall display link for one or several organizations and print its URL (shown only this once)."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from encodings_app.models import Organization
from encodings_app.services.display_links import display_link_create


class Command(BaseCommand):
    help = "Create a read-only wall display link; prints the URL to open on the TV."

    def add_arguments(self, parser):
        parser.add_argument("organizations", nargs="+", help="Slugs of the organizations to show.")
        parser.add_argument("--label", default="Wall display", help="A name for the link, e.g. the room.")
        parser.add_argument("--poll-seconds", type=int, default=10, help="How often the screen refreshes.")
        parser.add_argument(
            "--rotate-seconds",
            type=int,
            default=20,
            help="With more organizations than fit one screen: how long each page is shown.",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="The dashboard's address as the TV reaches it.",
        )

    def handle(self, *args, organizations, label, poll_seconds, rotate_seconds, base_url, **options):
        found = {
            organization.slug: organization
            for organization in Organization.objects.filter(slug__in=organizations)
        }
        missing = [slug for slug in organizations if slug not in found]
        if missing:
            raise CommandError(f"no organization with slug {', '.join(missing)}")
        try:
            link, token = display_link_create(
                label=label,
                organizations=[found[slug] for slug in organizations],
                poll_seconds=poll_seconds,
                rotate_seconds=rotate_seconds,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Display link {link.label!r} for {', '.join(organizations)}:")
        self.stdout.write(base_url.rstrip("/") + reverse("wall", args=[token]))
        self.stdout.write(
            "Open it on the TV; it is shown only now. The TV trades it for a cookie and moves on to an "
            "address without the code. Revoke it in the organization's settings."
        )
