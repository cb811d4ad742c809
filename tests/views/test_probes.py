"""Probes answer a load balancer: plain HTTP, the machine's address as Host, before any redirect."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_over_plain_http_with_an_ip_address_as_host(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["dashboard.example.com"]
    response = client.get(path, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200, response.content
    assert "no-cache" in response["Cache-Control"]


def test_pages_still_redirect_to_https_and_refuse_unknown_hosts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["dashboard.example.com"]
    assert client.get("/login/", HTTP_HOST="dashboard.example.com").status_code == 301
    assert client.get("/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="10.1.2.3:8000").status_code == 400, "only the exact paths"
