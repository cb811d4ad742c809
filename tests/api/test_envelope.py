"""Every answer of the API is in the Bitmovin envelope, with the seed's codes and a request id."""

import logging

import pytest

from encodings_app.api.views import organizations as organization_views
from tests.api.helpers import API, ApiCaller, envelope_of, error_of, result_of
from tests.factories import failed_encoding, make_encoding, make_message


@pytest.fixture
def acme_encoding(world):
    encoding = failed_encoding(world.acme)
    make_message(encoding, type="INFO", text="Started")
    return encoding


def test_every_read_endpoint_answers_success_in_the_envelope(world, api_for, acme_encoding):
    api = api_for(world.viewer)
    enc = f"/organizations/acme/encodings/{acme_encoding.bitmovin_id}"
    for path in (
        "/organizations",
        "/organizations/acme",
        "/organizations/acme/encodings",
        "/organizations/acme/failures",
        enc,
        f"{enc}/status",
        f"{enc}/messages",
    ):
        body = envelope_of(api.get(path), 200)
        assert body["status"] == "SUCCESS", path
        assert "result" in body["data"], path


def test_unknown_urls_under_the_api_answer_404_with_code_1005_for_any_method(world, api_for):
    api = api_for(world.admin)
    for method, path in (
        ("GET", "/nothing-here"),
        ("POST", "/organizations/acme/encodings/x/explode"),
        ("PUT", "/"),
        ("DELETE", "/organizations/acme/encodings/x/y/z"),
        ("GET", "/organizations/%C2%A9%0A"),
    ):
        data = error_of(api.call(method, path), 404, 1005)
        assert data["message"] == "The requested URL does not match any available API resource."


def test_unknown_url_answers_in_the_envelope_even_without_credentials(db):
    error_of(ApiCaller(None).get("/no/such/thing"), 404, 1005)


def test_a_trailing_slash_is_pointed_out_in_the_developer_message(world, api_for):
    api = api_for(world.admin)
    assert (
        f"Did you mean {API}/organizations?"
        in error_of(api.get("/organizations/"), 404, 1005)["developerMessage"]
    )
    assert f"Did you mean {API}/schema/?" in error_of(api.get("/schema"), 404, 1005)["developerMessage"]


def test_a_wrong_method_is_405_with_code_1006(world, api_for, acme_encoding):
    api = api_for(world.admin)
    error_of(api.call("PUT", "/organizations"), 405, 1006)
    error_of(api.call("OPTIONS", "/organizations"), 405, 1006)
    error_of(api.post(f"/organizations/acme/encodings/{acme_encoding.bitmovin_id}/status"), 405, 1006)
    error_of(api.get(f"/organizations/acme/encodings/{acme_encoding.bitmovin_id}/stop"), 405, 1006)


def test_missing_credentials_are_401_with_code_1002_not_a_login_redirect(db):
    response = ApiCaller(None).get("/organizations")
    data = error_of(response, 401, 1002)
    assert "X-Api-Key" in data["developerMessage"]
    assert response["WWW-Authenticate"] == "X-Api-Key"


def test_an_unexpected_failure_is_a_500_with_code_1004_and_no_traceback(world, api_for, monkeypatch, caplog):
    def explode(user, organization):
        raise RuntimeError("database on fire at /srv/secret/path.py line 12")

    monkeypatch.setattr(organization_views, "organization_with_role", explode)
    caplog.set_level(logging.ERROR, logger="encodings_app.api.errors")
    response = api_for(world.admin).get("/organizations/acme")

    data = error_of(response, 500, 1004)
    text = response.content.decode()
    assert "Traceback" not in text and "database on fire" not in text and "secret" not in text
    request_id = response["X-Request-Id"]
    assert request_id in data["developerMessage"]
    assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)


def test_the_request_id_is_fresh_and_the_same_in_header_body_and_log_line(world, api_for, caplog):
    caplog.set_level(logging.INFO, logger="encodings_app.api.requests")
    api = api_for(world.viewer)
    first = api.get("/organizations")
    second = api.get("/organizations/globex")

    assert first["X-Request-Id"] == first.json()["requestId"]
    assert second["X-Request-Id"] == second.json()["requestId"]
    assert first["X-Request-Id"] != second["X-Request-Id"]
    lines = [r for r in caplog.records if r.name == "encodings_app.api.requests"]
    assert len(lines) == 2
    assert lines[0].request_id == first["X-Request-Id"]
    assert lines[0].getMessage().startswith("GET /api/v1/organizations 200 ")
    assert first["X-Request-Id"] in lines[0].getMessage()
    assert lines[1].status == 404 and lines[1].path == "/api/v1/organizations/globex"
    assert lines[1].duration_ms >= 0


def test_the_log_line_never_holds_the_token_headers_or_query(world, api_for, caplog):
    caplog.set_level(logging.INFO, logger="encodings_app.api.requests")
    token_api = api_for(world.viewer)
    token_api.get("/organizations/acme/encodings", {"search": "name:private-show"})
    line = next(r for r in caplog.records if r.name == "encodings_app.api.requests")
    logged = line.getMessage() + repr(vars(line))
    assert token_api.token not in logged
    assert "private-show" not in logged
    assert "X-Api-Key" not in logged


def test_a_client_asking_for_html_still_gets_the_json_envelope(world, api_for):
    response = api_for(world.viewer).get("/organizations", headers={"Accept": "text/html"})
    assert result_of(response)["items"]


def test_malformed_json_body_is_a_400_with_code_1001(world, api_for):
    encoding = make_encoding(world.acme, status="QUEUED")
    response = api_for(world.operator).client.post(
        f"{API}/organizations/acme/encodings/{encoding.bitmovin_id}/reprioritize",
        "{not json",
        content_type="application/json",
        headers={"X-Api-Key": api_for(world.operator).token},
    )
    error_of(response, 400, 1001)


def test_a_form_encoded_body_is_refused_with_415(world, api_for):
    encoding = make_encoding(world.acme, status="QUEUED")
    api = api_for(world.operator)
    response = api.client.post(
        f"{API}/organizations/acme/encodings/{encoding.bitmovin_id}/reprioritize",
        {"priority": "5"},
        headers={"X-Api-Key": api.token},
    )
    error_of(response, 415, 1001)


def test_pages_outside_the_api_carry_the_request_id_header_too(client):
    response = client.get("/healthz")
    assert len(response["X-Request-Id"]) == 36
