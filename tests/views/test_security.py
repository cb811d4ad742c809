"""Secrets never reach a page, every POST needs its CSRF token, and pages obey the Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import TEST_API_KEY, failed_encoding, make_user, populate, running_encoding

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(world):
    populate(world.acme, encodings=12, messages=20)
    running = running_encoding(world.acme)
    failed = failed_encoding(world.acme)
    return [
        "/",
        "/o/acme/",
        "/o/acme/encodings/",
        "/o/acme/encodings/?status=ERROR&q=name:x*",
        f"/o/acme/encodings/{running.bitmovin_id}/",
        f"/o/acme/encodings/{running.bitmovin_id}/?types=DEBUG,TRACE",
        f"/o/acme/encodings/{failed.bitmovin_id}/",
        f"/o/acme/encodings/{running.bitmovin_id}/actions/stop/",
        f"/o/acme/encodings/{running.bitmovin_id}/actions/reprioritize/",
        "/o/acme/settings/",
        "/organizations/new/",
    ]


def every_response(world, pages):
    root = make_user("root", is_superuser=True)
    for user in (world.admin, world.operator, world.viewer, root):
        client = Client()
        client.force_login(user)
        for url in pages:
            yield url, client.get(url)
            yield url, client.get(url, headers={"HX-Request": "true"})


@pytest.mark.slow
def test_no_page_contains_the_api_key(world, pages):
    for url, response in every_response(world, pages):
        body = response.content.decode()
        assert TEST_API_KEY not in body, url
        assert TEST_API_KEY[:-4] not in body, url


def test_viewers_never_see_even_the_masked_key(world, login, pages):
    client = login(world.viewer)
    for url in pages:
        assert "e1f0" not in client.get(url).content.decode(), url


def test_pages_have_no_inline_script_style_or_event_handlers(world, pages):
    for url, response in every_response(world, pages):
        if response.status_code not in (200, 286):
            continue
        body = response.content.decode()
        assert "style=" not in body, url
        assert "<style" not in body, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert "hx-on" not in body, url
        assert not re.search(r"\son[a-z]+=", body), url
        # A message's javascript: link may only appear as plain text, never as a link.
        assert "javascript:" not in body.replace('<span class="link-text">javascript:alert(1)</span>', ""), (
            url
        )
        assert not re.search(r'hx-trigger="[^"]*\[', body), url


def test_pages_are_sent_with_the_content_security_policy(world, login, pages):
    client = login(world.admin)
    for url in pages:
        response = client.get(url)
        if response.status_code == 200:
            assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_every_post_without_a_csrf_token_is_refused(world):
    encoding = running_encoding(world.acme)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.admin)
    posts = [
        f"/o/acme/encodings/{encoding.bitmovin_id}/actions/{action}/"
        for action in ("start", "stop", "delete", "reprioritize", "restart-live")
    ] + [
        f"/o/acme/encodings/{encoding.bitmovin_id}/refresh/",
        "/o/acme/settings/",
        "/o/acme/settings/test-connection/",
        "/o/acme/settings/webhooks/",
        "/o/acme/settings/members/",
        f"/o/acme/settings/members/{world.viewer.pk}/",
        f"/o/acme/settings/members/{world.viewer.pk}/remove/",
        "/organizations/new/",
    ]
    for url in posts:
        assert strict.post(url, {"priority": "5", "role": "admin"}).status_code == 403, url


def test_a_post_with_the_csrf_token_from_the_page_goes_through(world, enqueued):
    encoding = running_encoding(world.acme)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.viewer)
    page = strict.get(f"/o/acme/encodings/{encoding.bitmovin_id}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    assert header_token
    response = strict.post(
        f"/o/acme/encodings/{encoding.bitmovin_id}/refresh/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert enqueued == [(world.acme.pk, encoding.bitmovin_id)]


def test_error_pages_are_friendly(world, login):
    client = login(world.viewer)
    not_found = client.get("/o/unknown/")
    assert not_found.status_code == 404 and "Not found" in not_found.content.decode()
    forbidden = client.get("/o/acme/settings/")
    assert forbidden.status_code == 403 and "admin role" in forbidden.content.decode()
