"""Personal API tokens: created on the account page or by command, shown once, revocable by their owner."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from encodings_app.models import ApiToken
from tests.api.helpers import ApiCaller, error_of, result_of

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def created_token(response) -> str:
    match = re.search(r'id="new-token"[^>]*value="([^"]+)"', response.content.decode())
    assert match, "the new token is on the page"
    return match.group(1)


def test_the_account_page_needs_a_login(db):
    response = Client().get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_token_created_on_the_page_is_shown_once_and_works(world):
    client = logged_in(world.operator)
    response = client.post("/account/", {"name": "nightly report"})
    assert response.status_code == 200
    token = created_token(response)
    assert "no-store" in response["Cache-Control"]

    row = ApiToken.objects.get(user=world.operator)
    assert row.name == "nightly report" and row.hint in response.content.decode()
    assert result_of(ApiCaller(token).get("/organizations"))["items"][0]["role"] == "operator"

    again = client.get("/account/").content.decode()
    assert token not in again and row.hint in again and "nightly report" in again


def test_a_token_without_a_name_is_not_created(world):
    response = logged_in(world.viewer).post("/account/", {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token_and_the_api_refuses_it(world):
    client = logged_in(world.viewer)
    token = created_token(client.post("/account/", {"name": "bot"}))
    row = ApiToken.objects.get(user=world.viewer)

    response = client.post(f"/account/tokens/{row.pk}/revoke/")

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    error_of(ApiCaller(token).get("/organizations"), 401, 1002)
    assert "Revoked" in client.get("/account/").content.decode()


def test_nobody_revokes_another_users_token(world):
    token = created_token(logged_in(world.viewer).post("/account/", {"name": "mine"}))
    row = ApiToken.objects.get(user=world.viewer)
    response = logged_in(world.admin).post(f"/account/tokens/{row.pk}/revoke/")
    assert response.status_code == 404
    result_of(ApiCaller(token).get("/organizations"))


def test_the_account_page_is_content_security_policy_safe(world):
    client = logged_in(world.admin)
    client.post("/account/", {"name": "a"})
    html = client.get("/account/").content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "no inline event handlers"


def test_the_command_prints_a_working_token_once(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "ada", "--name", "chat bot", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("edk_") and "\n" not in token
    assert token not in err.getvalue()
    assert ApiToken.objects.get(user=world.admin).name == "chat bot"
    assert result_of(ApiCaller(token).get("/organizations"))["items"][0]["slug"] == "acme"


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named"):
        call_command("create_api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
