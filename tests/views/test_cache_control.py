"""No cache keeps one user's page for another: every answer to a logged-in user, and every API answer, is
`Cache-Control: private, no-store`; static files and the health probes keep their own headers."""

import pytest
from django.test import Client

from tests.api.helpers import token_for

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def assert_private(response) -> None:
    assert {"private", "no-store"} <= directives(response), response.get("Cache-Control")
    assert "public" not in directives(response)


def test_a_page_for_a_logged_in_user_is_private_and_never_stored(world, login):
    response = login(world.viewer).get("/o/acme/encodings/")
    assert response.status_code == 200
    assert_private(response)
    assert "Cookie" in response["Vary"]


def test_an_htmx_fragment_is_private_and_never_stored(world, login):
    fragment = login(world.viewer).get("/o/acme/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert not fragment.content.decode().lstrip().startswith("<!doctype")
    assert_private(fragment)


def test_an_error_page_for_a_logged_in_user_is_private(world, login):
    response = login(world.viewer).get("/o/globex/")
    assert response.status_code == 404
    assert_private(response)


def test_a_stricter_header_set_by_a_view_is_kept(world, login):
    response = login(world.viewer).get("/account/")
    # The account page may show a new token: the view itself forbids every kind of caching.
    assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= directives(response)


def test_api_answers_are_private_with_a_token_and_with_a_session(world, login):
    token = token_for(world.viewer)
    with_token = Client().get("/api/v1/organizations", HTTP_X_API_KEY=token)
    assert with_token.status_code == 200
    assert_private(with_token)
    with_session = login(world.viewer).get("/api/v1/organizations")
    assert with_session.status_code == 200
    assert_private(with_session)


def test_api_errors_are_private_too(world):
    no_credentials = Client().get("/api/v1/organizations")
    assert no_credentials.status_code == 401
    assert_private(no_credentials)
    token = token_for(world.viewer)
    not_found = Client().get("/api/v1/organizations/globex", HTTP_X_API_KEY=token)
    assert not_found.status_code == 404
    assert_private(not_found)


def test_health_probes_and_static_files_are_left_alone(world, login):
    client = login(world.viewer)
    for url in ("/healthz", "/readyz"):
        mine, anonymous = client.get(url), Client().get(url)
        assert mine.status_code == anonymous.status_code, url
        # Whatever the probe sends itself, the same for everyone: nothing is added for a logged-in caller.
        assert mine.get("Cache-Control") == anonymous.get("Cache-Control"), url
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert "private" not in directives(static)
    assert "no-store" not in directives(static)
