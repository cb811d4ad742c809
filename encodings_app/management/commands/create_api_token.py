"""Create a personal API token for a user and print it (shown only this once)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from encodings_app.services.api_tokens import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token (sent as X-Api-Key); it acts as the user, with the user's roles."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", default="API token", help="What the token is for, e.g. the script.")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is deactivated; a token of theirs would be refused")
        row, token = api_token_create(user=user, name=name, by_command=True)
        self.stderr.write(f"API token {row.name!r} for {username} ({row.hint}). It is shown only now:")
        self.stdout.write(token)
        self.stderr.write("Send it as the X-Api-Key header. Revoke it on the account page (/account/).")
