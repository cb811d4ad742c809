"""Who may read /metrics: nobody until a token or networks are set; then who presents or comes from them."""

import ipaddress
import re

import pytest

from tests.metrics.conftest import TOKEN
from tests.test_settings import PRODUCTION_ENV, run_manage

pytestmark = pytest.mark.django_db

BEARER = f"Bearer {TOKEN}"


def test_metrics_are_off_by_default_and_the_path_looks_like_any_unknown_one(client, settings):
    assert not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_NETWORKS
    for method in (client.get, client.post):
        response = method("/metrics", HTTP_AUTHORIZATION=BEARER)
        assert response.status_code == 404
        assert b"# TYPE" not in response.content

    # The product's own 404 page, like any other unknown path (but for the CSRF token each page gets).
    def page(content: bytes) -> str:
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", content.decode())

    assert page(response.content) == page(client.get("/no-such-page").content)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-of-some-length", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN, "Bearer"],
    ids=["none", "wrong", "other-scheme", "longer", "no-scheme", "empty"],
)
def test_a_scrape_without_the_token_is_refused(client, metrics_on, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"dashboard_" not in response.content


def test_a_scrape_with_the_token_is_answered_uncached_without_a_login(client, metrics_on):
    response = client.get("/metrics", HTTP_AUTHORIZATION=BEARER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"# TYPE dashboard_celery_queue_length gauge" in response.content
    assert "sessionid" not in response.cookies
    assert client.post("/metrics", HTTP_AUTHORIZATION=BEARER).status_code == 405


def test_a_scrape_is_answered_over_plain_http_with_an_ip_address_as_host(client, settings, metrics_on):
    # Prometheus scrapes each machine directly, like a load balancer's probe.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["dashboard.example.com"]
    response = client.get("/metrics", HTTP_HOST="10.1.2.3:8000", HTTP_AUTHORIZATION=BEARER)
    assert response.status_code == 200
    refused = client.get("/metrics", HTTP_HOST="10.1.2.3:8000")
    assert refused.status_code == 401, "the host check is skipped, never the token check"


def test_allowed_networks_alone_admit_their_addresses_only(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="fd00::5").status_code == 200
    # An IPv4 client on a dual-stack socket.
    assert client.get("/metrics", REMOTE_ADDR="::ffff:10.1.1.1").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION=BEARER)
    assert refused.status_code == 403
    assert b"dashboard_" not in refused.content


def test_behind_proxies_the_network_is_checked_on_the_forwarded_client_address(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    settings.TRUSTED_PROXY_COUNT = 1
    inside = client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert inside.status_code == 200
    # What the client wrote into the header itself (the left entry) is not believed.
    spoofed = client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")
    assert spoofed.status_code == 403


def test_with_both_set_a_scrape_needs_both(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION=BEARER).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 401
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION=BEARER).status_code == 403


@pytest.mark.slow
def test_the_token_comes_from_the_environment_or_a_file_and_a_short_one_is_refused(tmp_path):
    token_file = tmp_path / "metrics_token"
    token_file.write_text(TOKEN + "\n")
    code = (
        "from django.conf import settings; "
        "print(settings.METRICS_TOKEN == {!r}, settings.METRICS_ALLOWED_NETWORKS)"
    )
    from_file = run_manage(
        ["shell", "-c", code.format(TOKEN)],
        {
            **PRODUCTION_ENV,
            "METRICS_TOKEN_FILE": str(token_file),
            "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8, fd00::1",
        },
        tmp_path,
    )
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout.strip().splitlines()[-1] == (
        "True [IPv4Network('10.0.0.0/8'), IPv6Network('fd00::1/128')]"
    )

    short = run_manage(["check"], {**PRODUCTION_ENV, "METRICS_TOKEN": "short-secret"}, tmp_path)
    assert short.returncode != 0
    assert "METRICS_TOKEN must be at least 16 characters long" in short.stderr
    assert "short-secret" not in short.stderr

    bad_network = run_manage(
        ["check"], {**PRODUCTION_ENV, "METRICS_ALLOWED_NETWORKS": "10.0.0.0/33"}, tmp_path
    )
    assert bad_network.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS entries must be networks like 10.0.0.0/8" in bad_network.stderr
