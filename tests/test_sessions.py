"""A session cookie that Django never issued is no session, whatever it holds, on PostgreSQL as on SQLite."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from dashboard.sessions import SessionStore

pytestmark = pytest.mark.django_db

FORGED = ["abcdefgh\x00ijkl", "ABCDEFGHIJKLMNOP", "abcdefgh'; --", "abcdefgh/../ijkl"]


@pytest.mark.parametrize("cookie", FORGED)
def test_a_forged_session_cookie_is_no_session(cookie):
    assert SessionStore(cookie).session_key is None


@pytest.mark.parametrize("cookie", FORGED)
def test_a_forged_session_cookie_reads_as_a_signed_out_visitor(cookie):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    page = client.get("/o/acme/encodings/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")
    api = client.get("/api/v1/organizations")
    assert api.status_code == 401


def test_a_real_session_still_signs_in(user, login):
    client = login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(key).session_key == key
    assert client.get("/").status_code == 200
