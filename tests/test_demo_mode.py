"""`make run`'s demo answers every error with the product's own page, never Django's technical one."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from encodings_app.models import Role
from tests.factories import PASSWORD, make_encoding, make_member, make_organization
from tests.support.web_server import DashboardServer

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# What Django's technical 404 and 500 pages, and its CSRF debug page, say.
TECHNICAL_MARKERS = ("Using the URLconf", "Traceback", "DJANGO_DEBUG", "technical_", "Django tried these")

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def demo_environment(var_dir: Path) -> dict[str, str]:
    """The environment `make run` gives run_stack (and so its web server): the Makefile's exports on top of
    a shell without the test run's own secrets and conveniences."""
    exports = re.findall(
        r"^run migrate: export (\w+) = (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), re.M
    )
    assert exports, "the Makefile sets the demo's environment for `make run`"
    test_run_only = {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "ALLOWED_HOSTS", "STATIC_FROM_SOURCE"}
    test_run_only |= {"SECURE_SSL_REDIRECT", "DASHBOARD_DEVTOOLS", "BITMOVIN_ALLOW_LOOPBACK"}
    env = {k: v for k, v in os.environ.items() if k not in test_run_only and not k.startswith("DJANGO_")}
    return {**env, **dict(exports), "DASHBOARD_VAR_DIR": str(var_dir)}


def sign_in_on_the_demo(user) -> None:
    """The tests hash with MD5 for speed; the demo's web server knows only the real hashers."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])


def log_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{base}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    answer = session.post(
        f"{base}/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        timeout=10,
    )
    assert "/login/" not in answer.url, "logged in"
    return session


def assert_product_page(answer: requests.Response, status: int, heading: str) -> None:
    assert answer.status_code == status
    assert f"<h1>{heading}</h1>" in answer.text
    for marker in TECHNICAL_MARKERS:
        assert marker not in answer.text


def test_the_demo_answers_errors_with_the_products_pages(tmp_path):
    acme = make_organization("acme")
    globex = make_organization("globex")
    elsewhere = make_encoding(globex, name="Their encoding")
    viewer = make_member(acme, Role.VIEWER)
    sign_in_on_the_demo(viewer)
    server = DashboardServer(env=demo_environment(tmp_path / "var")).start()
    try:
        base = server.url
        assert_product_page(requests.get(f"{base}/no/such/page/", timeout=10), 404, "Not found")
        assert_product_page(requests.get(f"{base}/wall/not-a-token/", timeout=10), 404, "Not found")
        bad_host = requests.get(f"{base}/login/", headers={"Host": "evil.example"}, timeout=10)
        assert bad_host.status_code == 400
        assert not any(marker in bad_host.text for marker in TECHNICAL_MARKERS)
        forged = requests.post(f"{base}/login/", {"username": "x", "password": "y"}, timeout=10)
        assert forged.status_code == 403
        assert not any(marker in forged.text for marker in TECHNICAL_MARKERS)

        session = log_in(base, viewer.username)
        other = session.get(f"{base}/o/globex/encodings/{elsewhere.bitmovin_id}/", timeout=10)
        assert_product_page(other, 404, "Not found")
        assert_product_page(session.get(f"{base}/o/acme/settings/", timeout=10), 403, "You cannot do this")
        server.stop()
        log = server.output()
    finally:
        server.close()
    assert any("Forbidden" in line and "/o/acme/settings/" in line for line in log.splitlines()), log
    assert "Traceback" not in log, "a client error is one log line"


def test_the_demo_answers_favicon_requests_with_the_static_icon(tmp_path):
    server = DashboardServer(env=demo_environment(tmp_path / "var")).start()
    try:
        redirect = requests.get(f"{server.url}/favicon.ico", allow_redirects=False, timeout=10)
        icon = requests.get(f"{server.url}/favicon.ico", timeout=10)
    finally:
        server.close()
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "/static/img/favicon.svg"
    assert icon.status_code == 200
    assert icon.headers["Content-Type"].startswith("image/svg+xml")
