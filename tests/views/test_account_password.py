"""Changing one's own password on the account page: Django's validators, the session kept, every other
session of the user ended, an audit entry without the password, and wrong current passwords counted towards
the sign-in lockout."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from encodings_app.models import AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-orchard-velvet-42"
URL = "/account/password/"


def signed_in(user) -> Client:
    """A real sign-in through the login form, as a browser does it (so axes sees this address)."""
    client = Client()
    assert client.post("/login/", {"username": user.get_username(), "password": PASSWORD}).status_code == 302
    return client


def change(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None):
    return client.post(
        URL, {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
    )


def password_is(user, password: str) -> bool:
    return get_user_model().objects.get(pk=user.pk).check_password(password)


def test_the_account_page_has_the_form(user):
    html = signed_in(user).get("/account/").content.decode()
    assert 'id="password-title">Change password</h2>' in html
    assert f'action="{URL}"' in html
    assert 'autocomplete="current-password"' in html and 'autocomplete="new-password"' in html
    assert "autofocus" not in html
    assert ">Current password</label>" in html and ">New password again</label>" in html
    assert "Your password must contain at least 8 characters." in html


def test_a_user_changes_their_password_and_stays_signed_in(user):
    client = signed_in(user)
    response = change(client)
    assert response.status_code == 302 and response["Location"] == "/account/"
    page = client.get("/account/")
    assert page.status_code == 200
    assert "Your password was changed." in page.content.decode()
    assert password_is(user, NEW_PASSWORD)
    assert Client().post("/login/", {"username": "olivia", "password": NEW_PASSWORD}).status_code == 302


def test_every_other_session_of_the_user_ends_and_other_users_stay(user):
    laptop, phone = signed_in(user), signed_in(user)
    colleague = signed_in(make_user("pat"))
    assert change(laptop).status_code == 302

    assert laptop.get("/account/").status_code == 200
    signed_out = phone.get("/account/")
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/login/")
    assert colleague.get("/account/").status_code == 200


def test_the_change_is_audited_and_the_password_written_nowhere(user, caplog):
    with caplog.at_level(logging.DEBUG):
        change(signed_in(user))
    entry = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGE)
    assert (entry.username, entry.target, entry.outcome, entry.organization) == (
        "olivia",
        "olivia",
        "ok",
        None,
    )
    assert entry.source_ip == "127.0.0.1"
    for value in (entry.target, entry.detail, caplog.text):
        assert NEW_PASSWORD not in value and PASSWORD not in value


def test_a_wrong_current_password_changes_nothing(user):
    client = signed_in(user)
    response = change(client, old="not-my-password")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your old password was entered incorrectly. Please enter it again." in html
    assert NEW_PASSWORD not in html and "not-my-password" not in html
    assert password_is(user, PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGE).exists()
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    ("new", "again", "said"),
    [
        ("12345678", None, ["This password is too common.", "This password is entirely numeric."]),
        ("short", None, ["This password is too short. It must contain at least 8 characters."]),
        ("olivia12", None, ["The password is too similar to the username."]),
        (NEW_PASSWORD, "lantern-orchard-velvet-43", ["The two password fields didn\u2019t match."]),
    ],
)
def test_a_new_password_the_validators_refuse_is_refused_in_their_words(user, new, again, said):
    response = change(signed_in(user), new=new, again=again)
    assert response.status_code == 400
    html = response.content.decode()
    for words in said:
        assert words in html
    assert password_is(user, PASSWORD)


def test_wrong_current_passwords_count_towards_the_sign_in_lockout(user):
    client = signed_in(user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(client, old="a-guess").status_code == 400
    locked = change(client, old="a-guess")

    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    # The right password is refused too, here and on the login page, from this address.
    assert change(client).status_code == 429
    assert password_is(user, PASSWORD)
    assert Client().post("/login/", {"username": "olivia", "password": PASSWORD}).status_code == 429
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_LOCKOUT, target="olivia").count() == 1
    # The lockout page's way back leads to the form.
    back = client.get(URL)
    assert back.status_code == 302 and back["Location"] == "/account/#password"
