"""Connect a Bitmovin account from a script: test its key, store it once, and watch the organizations named.

The key is read from a file (or standard input with `-`), never from the command line, where other users of
the machine could read it in the process list.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from encodings_app.models import DEFAULT_API_BASE_URL
from encodings_app.services.account_connect import (
    ConnectRefused,
    account_connect,
    organizations_watch,
    watched_by_tenant,
)


class Command(BaseCommand):
    help = (
        "Connect a Bitmovin account: list the organizations its API key reaches and watch those named "
        "(--tenant) or all of them (--all)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--api-key-file", required=True, metavar="PATH", help="A file holding the API key; - reads stdin."
        )
        parser.add_argument("--base-url", default=DEFAULT_API_BASE_URL, help="The Bitmovin API base URL.")
        parser.add_argument(
            "--name", default="", help="What the pages call the account (else Bitmovin's name)."
        )
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--all", dest="watch_all", action="store_true", help="Watch every organization the key reaches."
        )
        which.add_argument(
            "--tenant",
            action="append",
            default=[],
            metavar="ID",
            help="Watch this organization (repeatable).",
        )

    @sensitive_variables("api_key")
    def handle(self, *args, api_key_file, base_url, name, watch_all, tenant, **options):
        api_key = _read_key(api_key_file)
        try:
            connection, reach = account_connect(api_key=api_key, api_base_url=base_url, name=name)
            picked = [item.id for item in reach.organizations] if watch_all else tenant
            outcome = organizations_watch(connection=connection, tenant_ids=picked, reach=reach)
        except ConnectRefused as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Account {connection.name} (key {connection.masked_api_key}) at {connection.api_base_url}: "
            f"{len(reach.organizations)} organizations reached."
        )
        added = {organization.tenant_org_id for organization in outcome.added}
        watched = watched_by_tenant(connection)
        for item in reach.organizations:
            organization = watched.get(item.id)
            if item.id in added:
                state = f"added as {organization.slug}"
            elif organization is not None:
                state = f"watched as {organization.slug}"
            else:
                state = "not watched"
            indent = "  " * (item.depth + 1)
            self.stdout.write(f"{indent}{item.name}  {item.id}  {state}")
        if not picked:
            self.stdout.write("Nothing was watched: name organizations with --tenant ID, or use --all.")


@sensitive_variables("api_key")
def _read_key(path: str) -> str:
    try:
        api_key = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read the API key from {path}: {exc.__class__.__name__}") from None
    api_key = api_key.strip()
    if not api_key or len(api_key.split()) != 1:
        raise CommandError(f"{path} must hold the API key alone, on one line")
    return api_key
