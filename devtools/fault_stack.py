"""A whole production-shaped stack on 127.0.0.1 whose parts can be broken one at a time (bench_faults).

Its own Redis (so that it can be restarted), its own PostgreSQL database reached through a cuttable proxy
(devtools/tcp_proxy.py), the simulator, gunicorn, a sync worker, a refresh worker and beat, each a process
of its own as the Procfile has them. A part killed by a fault is started again by `start_part`, as a
process supervisor would; a part that dies by itself stays dead and is reported, so a crash is never hidden.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests

from devtools.simulator_process import PROJECT_ROOT, SimulatorProcess
from devtools.tcp_proxy import CuttableProxy

API_KEY = "bench-faults-key"
DATABASE = "bench_faults"
# New encodings per organization per hour (before the simulator's --speed), so webhooks keep flowing.
ARRIVALS_PER_HOUR = 120
# The client's deadline on database waits (dashboard/postgres): the production default follows the 30 s
# statement limit, longer than a fault lasts here; the benchmark's pages and workers wait at most this long.
DATABASE_DEADLINE_SECONDS = 5
PASSWORD = "bench-faults-password"  # noqa: S105 -- a throwaway login of a throwaway database
# Variables of the calling shell that would point the stack's parts somewhere else.
INHERITED_PARTS = ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL", "DASHBOARD_SINGLE_MACHINE")


class StackError(RuntimeError):
    """A part did not start, or a step of the set-up failed; the message says which and why."""


def free_port(within: Iterable[int] = (0,)) -> int:
    """A port of 127.0.0.1 nothing listens on: the first free one of `within`, or any (0)."""
    for port in within:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise StackError(f"no free port in {within}")


class FaultStack:
    # Started after the demo is seeded, in this order; stopped in the reverse order, before the web server
    # and Redis. A stack of another benchmark may add parts of its own (devtools/alert_stack.py).
    LATE_PARTS: tuple[str, ...] = ("sync worker", "refresh worker", "beat")
    FOLDER_PREFIX = "bench-faults-"
    # The parts reach PostgreSQL through the cuttable proxy, so that a fault can cut or hang it. A stack that
    # breaks nothing and measures speed connects directly (devtools/load_stack.py).
    DATABASE_PROXY = True

    def __init__(
        self,
        *,
        admin_database_url: str,
        interval: int,
        organizations: int,
        encodings: int,
        speed: float,
        log: callable,
        database: str = DATABASE,
        arrivals_per_hour: int = ARRIVALS_PER_HOUR,
        ports: Iterable[int] | None = None,
        webhooks: bool = True,
        sync_concurrency: int = 2,
    ) -> None:
        self.admin_database_url = admin_database_url
        self.database = database
        self.arrivals_per_hour = arrivals_per_hour
        self.interval = interval
        self.organizations = organizations
        self.encodings = encodings
        self.speed = speed
        self.log = log
        # Off: the simulator's webhooks are not registered, and the dashboard learns of changes by syncing.
        self.webhooks = webhooks
        self.sync_concurrency = sync_concurrency
        self.folder = Path(tempfile.mkdtemp(prefix=self.FOLDER_PREFIX))
        # The stack's own ports: from `ports` when given (a range set aside for it), else any free ones.
        self._ports = list(ports) if ports is not None else None
        self.redis_port = self.free_port()
        self.web_port = self.free_port()
        database = urlsplit(admin_database_url)
        self.database_address = (database.hostname or "127.0.0.1", database.port or 5432)
        self.database_user = database.username or "postgres"
        self.proxy = (
            CuttableProxy(self.database_address, port=self.free_port() if self._ports else 0)
            if self.DATABASE_PROXY
            else None
        )
        # 0: a free port (from the stack's range when it has one).
        self.simulator_port = 0
        # gunicorn's worker processes (WEB_CONCURRENCY).
        self.web_workers = 2
        self.simulator: SimulatorProcess | None = None
        self.processes: dict[str, subprocess.Popen] = {}
        self.wall_url = ""

    # Addresses

    def free_port(self) -> int:
        if self._ports is None:
            return free_port()
        port = free_port(self._ports)
        self._ports.remove(port)  # taken: later parts of the stack get the next ones
        return port

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def direct_database_url(self) -> str:
        """The bench database without the proxy: what the benchmark itself reads, whatever the fault."""
        host, port = self.database_address
        return f"postgres://{self.database_user}@{host}:{port}/{self.database}"

    def parts_database_url(self) -> str:
        """The bench database as the stack's parts reach it: through the proxy when there is one."""
        if self.proxy is None:
            return self.direct_database_url()
        return f"postgres://{self.database_user}@127.0.0.1:{self.proxy.port}/{self.database}"

    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if k not in INHERITED_PARTS and not k.startswith("DJANGO_")
        }
        env.update(
            {
                "DASHBOARD_DEMO": "1",
                "DJANGO_DEBUG": "0",
                "DASHBOARD_DEVTOOLS": "1",
                "DASHBOARD_VAR_DIR": str(self.folder / "var"),
                "DATABASE_URL": self.parts_database_url(),
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "SYNC_INTERVAL_SECONDS": str(self.interval),
                "DATABASE_CLIENT_DEADLINE_SECONDS": str(DATABASE_DEADLINE_SECONDS),
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    # Start and stop

    def start(self) -> None:
        self._create_database()
        if self.proxy is not None:
            self.proxy.start()
        self.start_part("redis")
        self.simulator = SimulatorProcess(self.simulator_arguments(), startup_timeout=300).start()
        self._manage("migrate", "--noinput")
        self.start_part("web")
        self.seed()
        for part in self.LATE_PARTS:
            self.start_part(part)

    def simulator_arguments(self) -> list[str]:
        """One account whose tenants API_KEY reaches."""
        return [
            *("--port", str(self.simulator_port or (self.free_port() if self._ports else 0)), "--seed", "5"),
            *("--encodings", str(self.encodings), "--organizations", str(self.organizations)),
            *("--accounts", "1", "--speed", str(self.speed), "--arrival-rate", str(self.arrivals_per_hour)),
            *("--api-key", API_KEY),
        ]

    def seed(self) -> None:
        """The demo's logins and organizations (one per tenant), and a wall showing them all."""
        seeded = self._manage("seed_demo", *self.seed_arguments())
        self.log(seeded.strip().splitlines()[0])
        slugs = self.query("SELECT slug FROM encodings_app_organization ORDER BY id")
        link = self._manage("create_display_link", *[s for (s,) in slugs], "--base-url", self.web_url)
        self.wall_url = re.search(r"^(http\S+)$", link, re.M).group(1)

    def seed_arguments(self, api_key: str = API_KEY) -> list[str]:
        """seed_demo's arguments: the tenants `api_key` reaches, and their webhooks registered to the stack
        unless they are off."""
        arguments = ["--api-url", self.simulator.base_url, "--api-key", api_key, "--password", PASSWORD]
        return [*arguments, "--webhook-base", self.web_url] if self.webhooks else arguments

    def stop(self, *, keep_folder: bool = False) -> None:
        for name in (*reversed(self.LATE_PARTS), "web", "redis"):
            self._end(name)
        if self.simulator is not None:
            self.simulator.stop()
        if self.proxy is not None:
            self.proxy.stop()
        try:
            with psycopg.connect(self.admin_database_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except psycopg.Error as exc:
            self.log(f"the bench database could not be dropped: {exc}")
        if keep_folder:
            self.log(f"The stack's logs are kept in {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _create_database(self) -> None:
        with psycopg.connect(self.admin_database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.database}"')

    def _manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise StackError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    # Parts

    def command(self, name: str) -> list[str]:
        celery = [sys.executable, "-m", "celery", "-A", "dashboard"]
        worker = [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"]
        sync_worker = [*celery, "worker", "--loglevel", "INFO", "--concurrency", str(self.sync_concurrency)]
        return {
            "redis": [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:dashboard.gunicorn_config",
                "dashboard.wsgi",
            ],
            "sync worker": [*sync_worker, "--queues", "sync", "-n", "sync@%h"],
            "refresh worker": [*worker, "--queues", "refresh,alerts", "-n", "refresh@%h"],
            "beat": [*celery, "beat", "--loglevel", "INFO"],
        }[name]

    def start_part(self, name: str) -> None:
        if name == "redis" and shutil.which("redis-server") is None:
            raise StackError("redis-server is not installed: the benchmark restarts a Redis of its own")
        env = {
            **self.env(),
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "WEB_CONCURRENCY": str(self.web_workers),
            **self.part_env(name),
        }
        log = open(self.folder / f"{name.replace(' ', '-')}.log", "a")  # noqa: SIM115 -- the child owns it
        self.processes[name] = subprocess.Popen(
            self.command(name), cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        if name == "redis":
            self._wait_for_port(self.redis_port, name)
        if name == "web":
            self._wait_for_port(self.web_port, name)

    def part_env(self, name: str) -> dict[str, str]:
        """Variables of one part's own, beside the stack's (env)."""
        return {}

    def kill_part(self, name: str) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine ends a process: no clean-up runs."""
        process = self.processes.get(name)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)

    def _end(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def dead_parts(self) -> dict[str, int]:
        """Parts that exited by themselves, with their exit codes."""
        return {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}

    def part_log_tail(self, name: str, lines: int = 15) -> str:
        path = self.folder / f"{name.replace(' ', '-')}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def _wait_for_port(self, port: int, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise StackError(f"{name} exited at start:\n{self.part_log_tail(name)}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise StackError(f"{name} did not listen on port {port} within {timeout:.0f} s")

    # Reading

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """One read of the bench database, around the proxy (a fault on the path must not blind the bench)."""
        with psycopg.connect(self.direct_database_url(), connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()

    def wait_for_syncs(self, *, since: float, timeout: float) -> float | None:
        """Seconds from `since` until every organization had a successful sync started after it (0 when
        `since` is 0); None if that did not happen within `timeout` seconds."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                rows = self.query(
                    "SELECT o.id, min(r.finished_at) FROM encodings_app_organization o "
                    "LEFT JOIN encodings_app_syncrun r ON r.organization_id = o.id AND r.outcome = 'ok' "
                    "AND r.started_at >= to_timestamp(%s) GROUP BY o.id",
                    (since,),
                )
            except psycopg.Error as exc:  # the benchmarks read around faults: try again
                self.log(f"(bench read failed: {exc})")
                rows = []
            if rows and all(finished is not None for _, finished in rows):
                return round(max(finished.timestamp() for _, finished in rows) - since, 1) if since else 0.0
            time.sleep(0.5)
        return None

    def cache(self):
        """The stack's cache as its processes use it (a Django cache on the stack's Redis), for the bench to
        read what they recorded there."""
        from django.core.cache.backends.redis import RedisCache

        return RedisCache(
            f"redis://127.0.0.1:{self.redis_port}/0", {"OPTIONS": {"socket_connect_timeout": 2}}
        )

    def signed_in_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        login = session.get(f"{self.web_url}/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        session.post(
            f"{self.web_url}/login/",
            {"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token},
            timeout=10,
        )
        return session
