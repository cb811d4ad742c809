"""Personal API tokens in X-Api-Key, the browser's session, and CSRF on the session's writes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from encodings_app.models import ApiToken
from encodings_app.services.api_tokens import api_token_create, api_token_revoke
from encodings_app.tokens import token_hash
from tests.api.helpers import API, ApiCaller, error_of, result_of
from tests.factories import make_encoding


def test_a_token_reads_as_its_user(world, api_for):
    result = result_of(api_for(world.viewer).get("/organizations"))
    assert [(item["slug"], item["role"]) for item in result["items"]] == [("acme", "viewer")]


def test_a_token_is_stored_only_as_its_hash(world):
    row, token = api_token_create(user=world.admin, name="report")
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.token_hash == token_hash(token)
    assert token not in {stored.name, stored.hint, stored.token_hash}
    assert stored.hint == token[: len(stored.hint) - 1] + "…"


def test_an_unknown_key_is_401_with_code_1002(world):
    data = error_of(ApiCaller("edk_not-a-real-token").get("/organizations"), 401, 1002)
    assert data["message"] == "Invalid credentials"


def test_an_empty_key_is_401(world):
    error_of(ApiCaller(None).get("/organizations", headers={"X-Api-Key": "  "}), 401, 1002)


def test_a_revoked_token_is_refused(world):
    row, token = api_token_create(user=world.admin, name="old")
    api = ApiCaller(token)
    result_of(api.get("/organizations"))
    api_token_revoke(user=world.admin, token_id=row.pk)
    error_of(api.get("/organizations"), 401, 1002)


def test_a_deactivated_users_token_is_refused(world, api_for):
    api = api_for(world.admin)
    world.admin.is_active = False
    world.admin.save()
    error_of(api.get("/organizations"), 401, 1002)


def test_a_bad_key_wins_over_a_valid_session(world):
    client = Client()
    client.force_login(world.admin)
    error_of(client.get(f"{API}/organizations", headers={"X-Api-Key": "edk_wrong"}), 401, 1002)


def test_last_used_is_written_once_a_minute_at_most(world):
    row, token = api_token_create(user=world.viewer, name="bot")
    api = ApiCaller(token)
    result_of(api.get("/organizations"))
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first is not None

    result_of(api.get("/organizations"))
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first

    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    result_of(api.get("/organizations"))
    assert ApiToken.objects.get(pk=row.pk).last_used_at > first


def test_a_fresh_token_read_costs_no_write(world, api_for, django_assert_num_queries):
    api = api_for(world.viewer)
    result_of(api.get("/organizations"))
    # Token lookup with its user, then one page of organizations: no UPDATE of last_used_at.
    with django_assert_num_queries(2):
        result_of(api.get("/organizations"))


def test_the_session_reads_without_a_token(world):
    client = Client()
    client.force_login(world.viewer)
    response = client.get(f"{API}/organizations/acme")
    assert result_of(response)["slug"] == "acme"


def test_the_session_needs_the_csrf_token_to_act(world):
    encoding = make_encoding(world.acme, status="QUEUED")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)
    url = f"{API}/organizations/acme/encodings/{encoding.bitmovin_id}/reprioritize"

    refused = client.post(url, {"priority": 5}, content_type="application/json")
    data = error_of(refused, 403, 1003)
    assert "CSRF" in data["developerMessage"]

    client.get("/account/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    passed = client.post(
        url, {"priority": 500}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    # Past CSRF, the body is read: 500 is out of range, which proves the request got through.
    error_of(passed, 400, 1001)


def test_a_token_acts_without_csrf(world, api_for):
    encoding = make_encoding(world.acme, status="QUEUED")
    api = api_for(world.operator)
    api.client = Client(enforce_csrf_checks=True)
    response = api.post(
        f"/organizations/acme/encodings/{encoding.bitmovin_id}/reprioritize", {"priority": 101}
    )
    error_of(response, 400, 1001)


@pytest.mark.parametrize("who", ["viewer", "operator", "admin"])
def test_a_token_acts_with_exactly_its_users_role(world, api_for, who):
    encoding = make_encoding(world.acme, status="QUEUED")
    api = api_for(getattr(world, who))
    response = api.post(
        f"/organizations/acme/encodings/{encoding.bitmovin_id}/reprioritize", {"priority": -1}
    )
    if who == "viewer":
        error_of(response, 403, 1003)
    else:
        error_of(response, 400, 1001)
