"""The wheel installs and runs away from the source tree: built from this checkout, installed into a fresh
virtual environment in a temporary folder, and run from there as production runs it (debug off, the
`dashboard` command, collectstatic, gunicorn with WhiteNoise) on a fresh SQLite database.

The wheel's dependencies come from this test run's environment, so that nothing is downloaded: a path file
in the new environment appends this environment's site-packages after its own. Python reads path files only
in site directories, so the editable install's path file in there, which would put the checkout on sys.path,
is never read; a test below checks that the checkout is not on the new environment's path.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.support.web_server import DashboardServer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "wheel-test-password-7319"
ENCODING_NAME = "Evening news, from the installed wheel"

pytestmark = pytest.mark.slow

# Who the wheel's pages are for, and what they show: the same calls a deployment's operator would make.
CREATE_DATA = f"""
from django.contrib.auth import get_user_model
from django.utils import timezone
from encodings_app.models import AccountConnection, Encoding, Membership, Organization, Role

user = get_user_model().objects.create_user(username="operator", password={PASSWORD!r})
connection = AccountConnection(name="Acme Media")
connection.set_api_key("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
connection.save()
acme = Organization.objects.create(slug="acme", name="Acme Media", connection=connection)
Membership.objects.create(user=user, organization=acme, role=Role.ADMIN)
now = timezone.now()
Encoding.objects.create(
    organization=acme, bitmovin_id="enc-wheel-1", name={ENCODING_NAME!r}, type="VOD", status="FINISHED",
    progress=100, created_at=now, modified_at=now,
)
"""


@dataclass
class Installed:
    wheel: Path
    env_dir: Path
    site_packages: Path
    workdir: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.env_dir / "bin" / "python"

    def dashboard(self, *args: str) -> subprocess.CompletedProcess:
        """The installed `dashboard` command, run from the working folder; a failure shows its output."""
        result = subprocess.run(
            [str(self.env_dir / "bin" / "dashboard"), *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"dashboard {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result


class InstalledServer(DashboardServer):
    """gunicorn with the installed package's configuration, as the README's production start runs it."""

    def __init__(self, installed: Installed) -> None:
        super().__init__(env=installed.env)
        self.installed = installed

    def command(self) -> list[str]:
        gunicorn = [str(self.installed.python), "-m", "gunicorn"]
        return [*gunicorn, "-c", "python:dashboard.gunicorn_config", "dashboard.wsgi"]

    def environment(self) -> dict[str, str]:
        return {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1"}


def production_environment() -> dict[str, str]:
    """This process's environment without anything of the test run's or of a database server (the
    installed copy keeps its SQLite database under the new environment), plus production's settings over
    plain HTTP on 127.0.0.1."""
    removed = ("DJANGO_", "SECRET_KEY", "FIELD_", "DASHBOARD_", "STATIC_", "ALLOWED_HOSTS", "SECURE_")
    removed += (
        "DATABASE_URL",
        "REDIS_URL",
        "CACHE_URL",
        "CELERY_BROKER_URL",
        "BITMOVIN_",
        "PYTHON",
        "GUNICORN_",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(removed)}
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            # Plain HTTP on loopback; a deployment keeps the redirect (or its proxy's).
            "SECURE_SSL_REDIRECT": "0",
            # Knowingly on one machine: SQLite, the file cache and the filesystem broker under the new
            # environment, which production refuses otherwise.
            "DASHBOARD_SINGLE_MACHINE": "1",
            # Where alert messages link to (check --deploy warns without it).
            "DASHBOARD_PUBLIC_URL": "http://127.0.0.1",
        }
    )
    return env


def run(*command: object, **options) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=180, **options
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("installed-wheel")
    assert not root.is_relative_to(PROJECT_ROOT)
    dist = root / "dist"
    # No build isolation: the build backend pinned in [build-system] is in the test extra, so no download.
    run(
        *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation"),
        *("--wheel-dir", dist, PROJECT_ROOT),
    )
    (wheel,) = dist.glob("encodings_dashboard-*.whl")

    env_dir = root / "env"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir)
    probe = run(env_dir / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    site_packages = Path(probe.stdout.strip())
    ours = dict.fromkeys(sysconfig.get_path(name) for name in ("purelib", "platlib"))
    (site_packages / "wheel-test-dependencies.pth").write_text("\n".join(ours) + "\n")
    run(
        *(sys.executable, "-m", "pip", "--python", env_dir / "bin" / "python", "install", "--quiet"),
        *("--no-deps", "--no-index", wheel),
    )

    workdir = root / "work"
    workdir.mkdir()
    return Installed(
        wheel=wheel,
        env_dir=env_dir,
        site_packages=site_packages,
        workdir=workdir,
        env=production_environment(),
    )


def test_the_wheel_holds_the_product_with_its_templates_and_static_files_and_nothing_else(installed):
    names = zipfile.ZipFile(installed.wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"dashboard", "encodings_app"}, top_level

    for folder in ("templates", "static"):
        in_source = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / folder).rglob("*")}
        shipped = {
            name.removeprefix("dashboard/") for name in names if name.startswith(f"dashboard/{folder}/")
        }
        assert shipped == {name for name in in_source if (PROJECT_ROOT / name).is_file()}, folder
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]

    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "dashboard = dashboard.cli:main" in zipfile.ZipFile(installed.wheel).read(entry_points).decode()


def test_the_installed_environment_imports_the_installed_copy_not_the_checkout(installed):
    probe = "import dashboard, importlib.util, json, sys; print(json.dumps([dashboard.__file__, sys.path, "
    probe += "[bool(importlib.util.find_spec(n)) for n in ('simulator', 'devtools', 'tests')]]))"
    result = run(installed.python, "-c", probe, cwd=installed.workdir, env=installed.env)
    package_file, path, found = json.loads(result.stdout)
    assert Path(package_file).is_relative_to(installed.env_dir)
    assert str(PROJECT_ROOT) not in path
    assert found == [False, False, False]


def test_the_installed_wheel_serves_its_pages_and_static_files_with_debug_off(installed):
    installed.dashboard("check", "--deploy", "--fail-level", "WARNING")
    commands = installed.dashboard("help").stdout
    assert "sync_org" in commands and "createsuperuser" in commands
    assert not any(devtool in commands for devtool in ("run_stack", "seed_demo", "bench_sync", "bench_pages"))
    installed.dashboard("migrate", "--noinput")
    collected = installed.dashboard("collectstatic", "--noinput").stdout
    assert re.search(r"\d+ static files? copied", collected), collected
    installed.dashboard("shell", "-c", CREATE_DATA)

    # The embedded defaults' files live under the new environment, none beside the installed package.
    var_dir = installed.env_dir / "var" / "encodings-dashboard"
    assert (var_dir / "db.sqlite3").is_file() and (var_dir / "staticfiles" / "staticfiles.json").is_file()
    assert (installed.site_packages / "dashboard" / "settings.py").is_file()
    assert not (installed.site_packages / "var").exists()

    server = InstalledServer(installed)
    try:
        server.start(cwd=installed.workdir)
        base = server.url
        login = requests.get(f"{base}/login/", timeout=10)
        assert login.status_code == 200
        assert '<h1 id="login-title">Log in</h1>' in login.text

        # Static files: hashed names from collectstatic's manifest, served by WhiteNoise from STATIC_ROOT.
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text).group(1)
        css = requests.get(f"{base}{stylesheet}", timeout=10)
        assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
        icon = re.search(r'href="(/static/img/favicon\.[0-9a-f]{12}\.svg)"', login.text).group(1)
        assert (
            requests.get(f"{base}{icon}", timeout=10).content
            == (PROJECT_ROOT / "static/img/favicon.svg").read_bytes()
        )
        htmx = re.search(r'src="(/static/django_htmx/[^"]+\.js)"', login.text).group(1)
        assert requests.get(f"{base}{htmx}", timeout=10).status_code == 200

        # Session and CSRF cookies are Secure (debug is off), which a client keeps to HTTPS; this one talks
        # plain HTTP to loopback, so it hands them back itself.
        cookies = dict(login.cookies)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        signed_in = requests.post(
            f"{base}/login/",
            {"username": "operator", "password": PASSWORD, "csrfmiddlewaretoken": token},
            cookies=cookies,
            allow_redirects=False,
            timeout=10,
        )
        assert signed_in.status_code == 302, signed_in.text
        cookies.update(dict(signed_in.cookies))

        listing = requests.get(f"{base}/o/acme/encodings/", cookies=cookies, timeout=10)
        assert listing.status_code == 200
        assert ENCODING_NAME in listing.text and "Acme Media" in listing.text
        detail = requests.get(f"{base}/o/acme/encodings/enc-wheel-1/", cookies=cookies, timeout=10)
        assert detail.status_code == 200 and ENCODING_NAME in detail.text
    finally:
        server.stop()
    log = server.output()
    server.close()
    assert "Traceback" not in log and "TemplateDoesNotExist" not in log, log
