import re

import pytest
from django.conf import settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# The htmx that {% htmx_script %} names: htmx.min.js up to django-htmx 1.27, htmx-2.min.js since (the lowest
# version pyproject.toml allows and the locked one both pass).
HTMX_SCRIPT = re.compile(r'<script src="/static/(django_htmx/htmx[-\w]*\.min\.js)"')


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/")


def test_login_page_is_styled_and_loads_htmx_from_this_server(client):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert HTMX_SCRIPT.search(html), html
    assert "http://" not in html.split("<body")[0] and "https://" not in html.split("<body")[0]


def test_htmx_ships_with_django_htmx_as_a_static_file(client):
    from django.contrib.staticfiles import finders

    path = finders.find(HTMX_SCRIPT.search(client.get("/login/").content.decode()).group(1))
    assert path is not None
    with open(path, "rb") as handle:
        assert b"htmx" in handle.read(4096)


def test_user_logs_in_and_sees_the_home_page(client, user):
    response = client.post("/login/", {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert b"olivia" in home.content


def test_wrong_password_shows_an_error_on_the_login_page(client, user):
    response = client.post("/login/", {"username": "olivia", "password": "wrong"})
    assert response.status_code == 200
    assert b"alert-error" in response.content


def test_logout_is_a_post_and_ends_the_session(client, user):
    client.force_login(user)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_pages_carry_the_csrf_token_for_htmx_and_a_content_security_policy(client, user):
    client.force_login(user)
    response = client.get("/")
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.content.decode()
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_login_post_without_csrf_token_is_refused(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 403
