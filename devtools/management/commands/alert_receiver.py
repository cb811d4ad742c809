"""Receive the dashboard's signed webhooks on 127.0.0.1 and print each message (devtools/alert_receiver.py).

    python manage.py alert_receiver --port 8790 --demo-channels        # the demo's channels (run_stack)
    python manage.py alert_receiver --port 8790 --secret-file FILE     # one secret a line; "-": stdin
    python manage.py alert_receiver --port 8790                        # signatures not checked

A channel pointing at it is added like any other (alert_channel_add --kind webhook --target
http://127.0.0.1:8790/), which needs ALERT_CHANNELS_ALLOW_LOOPBACK (on in demo and debug mode).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devtools.alert_receiver import AlertReceiver, json_lines_recorder, read_secrets
from devtools.management.commands.seed_demo import DEMO_RECEIVER_CHANNEL, receiver_secrets

READY_PREFIX = "alert receiver listening on "
STDIN = "-"


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Receive the dashboard's signed webhooks on 127.0.0.1 and print every message."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8790, help="Port on 127.0.0.1; 0 picks a free one.")
        parser.add_argument(
            "--secret-file",
            default=None,
            help="Channel signing secrets, one a line, to verify signatures with; '-' reads them from stdin. "
            "Without it signatures are not checked.",
        )
        parser.add_argument(
            "--demo-channels",
            action="store_true",
            help=f'Also verify with the secrets of the "{DEMO_RECEIVER_CHANNEL}" channels, read from the '
            "database and decrypted here (run_stack's way: no file or pipe holds them).",
        )
        parser.add_argument(
            "--record", default=None, help="Also append every message as one JSON line to this file."
        )

    def handle(
        self, *args, port: int, secret_file: str | None, demo_channels: bool, record: str | None, **options
    ):
        secrets = self._secrets(secret_file) if secret_file else []
        if demo_channels:
            found = receiver_secrets()
            if not found:
                raise CommandError(
                    f'no "{DEMO_RECEIVER_CHANNEL}" channel can be read; '
                    "first run seed_demo --alert-receiver URL"
                )
            secrets += found
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _raise_keyboard_interrupt)
        try:
            server = AlertReceiver(
                port,
                secrets=secrets,
                write=self._write,
                record=json_lines_recorder(Path(record)) if record else None,
            )
        except OSError as exc:
            raise CommandError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        checks = (
            f"checking signatures with {len(secrets)} secret(s)" if secrets else "not checking signatures"
        )
        self._write(f"{READY_PREFIX}{server.url} ({checks})\n")
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _write(self, text: str) -> None:
        self.stdout.write(text, ending="")
        self.stdout.flush()

    @staticmethod
    def _secrets(secret_file: str) -> list[str]:
        try:
            if secret_file == STDIN:
                secrets = read_secrets(sys.stdin)
            else:
                secrets = read_secrets(Path(secret_file).read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read the secrets from {secret_file}: {exc}") from None
        if not secrets:
            raise CommandError(f"{secret_file} holds no secret")
        return secrets
