"""Run the whole product in the foreground for the demo: web server and a Celery worker with beat.

Ctrl-C stops every part; if one part dies, the others are stopped too, so a half-running demo never
lingers unnoticed.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start the web server and a Celery worker with beat together; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host: str, port: int, **options):
        python = sys.executable
        parts = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "dashboard",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
        }
        children: dict[str, subprocess.Popen] = {}
        # Explicit handlers: a shell that starts this in the background ignores SIGINT for it, and a
        # supervisor stops it with SIGTERM; both must still bring every part down.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _raise_keyboard_interrupt)
        try:
            for name, command in parts.items():
                children[name] = subprocess.Popen(command, env=os.environ.copy())  # noqa: S603
            self.stdout.write(
                self.style.SUCCESS(f"Dashboard: http://{host}:{port}/   (Ctrl-C stops everything)")
            )
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with code {child.returncode}; stopping the rest")
                        return
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            self._stop(children)

    @staticmethod
    def _stop(children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
