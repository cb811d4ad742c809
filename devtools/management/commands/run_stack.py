"""Run the whole product in the foreground for the demo: the simulator, the web server, two Celery workers
as production has them (one for syncs, with beat; one for refreshes and alerts), and a receiver of the
alerts (devtools/alert_receiver.py) that prints every message the demo organizations' channels send it.

Ctrl-C stops every part; if one part dies, the others are stopped too, so a half-running demo never
lingers unnoticed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dashboard.private_files import restrict_umask
from devtools.management.commands.seed_demo import receiver_channels
from devtools.simulator_process import SimulatorError, SimulatorProcess
from encodings_app.services.alert_channels.delivery import channel_send_test
from encodings_app.services.clients import LOOPBACK_NEEDED

DEMO_API_KEY = "demo-api-key-0000"
# The simulator's lifecycles run this many times faster than real ones, so the demo moves.
DEMO_SPEED = 30
# The demo's world: the same seed always gives the same names and labels (the README's search examples are
# checked against it, tests/test_readme_search_examples.py).
DEMO_SEED = 7
DEMO_ENCODINGS = 400
RECEIVER_LOOPBACK_NEEDED = (
    "its alert receiver listens on 127.0.0.1, where alert channels may send only with "
    "ALERT_CHANNELS_ALLOW_LOOPBACK=1 (on by default in demo and debug mode)"
)
# Stuck thresholds in real seconds; the demo divides them by DEMO_SPEED so that stalls show within a minute.
STUCK_SETTINGS = {
    "STUCK_QUEUED_SECONDS": 15 * 60,
    "STUCK_NO_PROGRESS_SECONDS": 10 * 60,
    "STUCK_LIVE_NO_UPDATE_SECONDS": 15 * 60,
}


def demo_stuck_thresholds(env: dict[str, str], *, speed: int) -> dict[str, str]:
    """The stuck thresholds for parts watching a simulator ``speed`` times faster than real time.

    A value the environment already sets is kept. None is shorter than three sync intervals: the mirror
    learns of progress and status only when it syncs, so a shorter threshold would flag healthy encodings
    between two reads.
    """
    floor = 3 * int(env.get("SYNC_INTERVAL_SECONDS", "30"))
    return {
        name: env.get(name, str(max(seconds // speed, floor))) for name, seconds in STUCK_SETTINGS.items()
    }


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start the simulator, the web server and the Celery workers with beat; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--simulator-port", type=int, default=8765)
        parser.add_argument(
            "--alert-receiver-port",
            type=int,
            default=8790,
            help="Port of the receiver the demo organizations' alerts are sent to (with the simulator only).",
        )
        parser.add_argument("--no-simulator", action="store_true", help="Use the configured APIs only.")
        parser.add_argument(
            "--password", default=None, help="Password of the demo logins (seed_demo's default)."
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        simulator_port: int,
        alert_receiver_port: int,
        no_simulator: bool,
        password,
        **options,
    ):
        children: dict[str, subprocess.Popen | SimulatorProcess] = {}
        # Explicit handlers: a shell that starts this in the background ignores SIGINT for it, and a
        # supervisor stops it with SIGTERM; both must still bring every part down.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _raise_keyboard_interrupt)
        # Inherited by every part: the simulator's state and the broker's messages under var/
        # are private to this user.
        restrict_umask()
        env = os.environ.copy()
        env.setdefault("SYNC_INTERVAL_SECONDS", "15")
        # Alert messages link to their incident and its encodings under the address the demo is opened at.
        env.setdefault("DASHBOARD_PUBLIC_URL", f"http://{host}:{port}")
        if not no_simulator and not settings.BITMOVIN_ALLOW_LOOPBACK:
            raise CommandError(f"The demo cannot start: {LOOPBACK_NEEDED}.")
        if not no_simulator and not settings.ALERT_CHANNELS_ALLOW_LOOPBACK:
            raise CommandError(f"The demo cannot start: {RECEIVER_LOOPBACK_NEEDED}.")
        receiver_url = f"http://127.0.0.1:{alert_receiver_port}/"
        if not no_simulator:
            env.update(demo_stuck_thresholds(env, speed=DEMO_SPEED))
        try:
            python = sys.executable
            web = [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"]
            celery = [python, "-m", "celery", "-A", "dashboard", "worker", "--loglevel", "INFO"]
            # As in production: syncs on one worker (with beat), what an operator waits for on another.
            workers = {
                "sync worker": [*celery, "--queues", "sync", "--beat", "--concurrency", "2", "-n", "sync@%h"],
                "refresh worker": [
                    *celery,
                    "--queues",
                    "refresh,alerts",
                    "--concurrency",
                    "2",
                    "-n",
                    "refresh@%h",
                ],
            }
            # The web server first: the simulator delivers webhooks as soon as it starts (those registered
            # by an earlier run too), and each one sent before the server listens would fail and be logged.
            children["web"] = subprocess.Popen(web, env=env)
            self._wait_until_listening(children["web"], f"http://{host}:{port}/healthz", name="web server")
            if not no_simulator:
                children["simulator"] = self._start_simulator(simulator_port)
                seed = ["--api-url", f"http://127.0.0.1:{simulator_port}/v1", "--api-key", DEMO_API_KEY]
                seed += ["--webhook-base", f"http://{host}:{port}", "--alert-receiver", receiver_url]
                if password:
                    seed += ["--password", password]
                call_command("seed_demo", *seed)
                # Before the workers, so that their first deliveries find it listening.
                children["alert receiver"] = self._start_receiver(alert_receiver_port, env)
                self._wait_until_listening(children["alert receiver"], receiver_url, name="alert receiver")
                self._test_receiver_channels()
            for name, command in workers.items():
                children[name] = subprocess.Popen(command, env=env)
            self.stdout.write(
                self.style.SUCCESS(f"Dashboard: http://{host}:{port}/   (Ctrl-C stops everything)")
            )
            if not no_simulator:
                self.stdout.write(
                    self.style.SUCCESS(
                        f'Alert receiver: {receiver_url}   (each organization\'s "Demo receiver" channel; '
                        "its messages print here)"
                    )
                )
            self._watch(children)
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            self._stop(children)

    @staticmethod
    def _wait_until_listening(
        process: subprocess.Popen, url: str, *, name: str, timeout: float = 60.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError(f"the {name} exited with code {process.returncode} (is the port taken?)")
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - the address this command chose
                    return
            except urllib.error.HTTPError:
                return  # it answers, if only to refuse the host name it was reached by
            except OSError:
                time.sleep(0.2)
        raise CommandError(f"the {name} did not answer at {url} within {timeout:.0f} s")

    @staticmethod
    def _start_receiver(port: int, env: dict[str, str]) -> subprocess.Popen:
        """The receiver, printing on this console. It reads the channels' signing secrets from the database
        itself, as the workers do: no file, pipe, argument or log line ever holds them."""
        command = [sys.executable, "manage.py", "alert_receiver", "--port", str(port), "--demo-channels"]
        return subprocess.Popen(command, env=env)

    def _test_receiver_channels(self) -> None:
        """A test message on each channel to the receiver: it shows the path works, and resumes a channel an
        earlier run's missing receiver had paused (as a successful "Send test" does)."""
        channels = list(receiver_channels().select_related("organization"))
        failed = []
        for channel in channels:
            result = channel_send_test(channel=channel)
            if not result.ok:
                failed.append(f"{channel.organization.name}: {result.error}")
        for failure in failed:
            self.stderr.write(f"The alert receiver did not take the test message of {failure}")

    def _start_simulator(self, port: int) -> SimulatorProcess:
        state = settings.VAR_DIR / "simulator-state.json"
        # Faster lifecycles (DEMO_SPEED), and a few new encodings a minute, so the demo moves.
        args = [
            "--port",
            str(port),
            "--seed",
            str(DEMO_SEED),
            "--encodings",
            str(DEMO_ENCODINGS),
            "--speed",
            str(DEMO_SPEED),
            "--arrival-rate",
            "6",
        ]
        args += ["--api-key", DEMO_API_KEY, "--state", str(state)]
        try:
            return SimulatorProcess(args, echo=sys.stdout.write, startup_timeout=120).start()
        except SimulatorError as exc:
            raise CommandError(str(exc)) from None

    def _watch(self, children: dict) -> None:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with code {child.returncode}; stopping the rest")
                    return
            time.sleep(0.5)

    @staticmethod
    def _stop(children: dict) -> None:
        # The workers first, while the simulator still answers their final calls and the receiver takes
        # their last alerts; then the receiver; then the simulator (it saves its state on the way out), while
        # the web server still takes its last webhook deliveries; the web server last.
        for name in ("sync worker", "refresh worker", "alert receiver", "simulator", "web"):
            child = children.pop(name, None)
            if child is None:
                continue
            if isinstance(child, SimulatorProcess):
                child.stop()
                continue
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
