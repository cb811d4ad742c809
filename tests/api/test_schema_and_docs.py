"""The OpenAPI schema describes the envelope and X-Api-Key; the Swagger UI works under the site's CSP."""

import json
import os
import re

import pytest
from django.test import Client

# Playwright's sync API runs an event loop in this thread; the ORM calls around it are plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def schema(db) -> dict:
    response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_public_and_served_as_yaml_by_default(db):
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response.content.startswith(b"openapi: 3.")


def test_the_schema_declares_the_x_api_key_scheme_on_every_operation(schema):
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "A personal API token from the account page (/account/); it acts as its user.",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"ApiKeyAuth": []} in operation["security"], (method, path)


def test_every_response_is_described_in_the_envelope_with_its_request_id_header(schema):
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status == "200" and path.startswith("/api/v1/organizations/{slug}/export/"):
                    # A file: only its errors come in the envelope.
                    assert set(response["content"]) == {"text/csv"}, (method, path)
                    assert "X-Request-Id" in response["headers"], (method, path)
                    continue
                ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                envelope = components[ref]
                assert set(envelope["required"]) == {"requestId", "status", "data"}, (method, path, status)
                status_enum = components[envelope["properties"]["status"]["$ref"].rsplit("/", 1)[1]]["enum"]
                assert status_enum == (["SUCCESS"] if status == "200" else ["ERROR"]), (method, path, status)
                data = components[envelope["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
                expected = (
                    {"result", "messages"} if status == "200" else {"code", "message", "developerMessage"}
                )
                assert expected <= set(data["properties"]), (method, path, status)
                assert response["headers"]["X-Request-Id"] == {"$ref": "#/components/headers/X-Request-Id"}


def test_the_schema_lists_every_endpoint_of_the_api(schema):
    operations = {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}
    encoding = "/api/v1/organizations/{slug}/encodings/{encoding_id}"
    assert operations == {
        ("GET", "/api/v1/organizations"),
        ("GET", "/api/v1/organizations/{slug}"),
        ("GET", "/api/v1/organizations/{slug}/failures"),
        ("GET", "/api/v1/organizations/{slug}/trends"),
        ("GET", "/api/v1/organizations/{slug}/export/encodings"),
        ("GET", "/api/v1/organizations/{slug}/export/failures"),
        ("GET", "/api/v1/organizations/{slug}/incidents"),
        ("GET", "/api/v1/organizations/{slug}/silences"),
        ("GET", "/api/v1/organizations/{slug}/usage"),
        ("GET", "/api/v1/organizations/{slug}/audit"),
        ("GET", "/api/v1/organizations/{slug}/encodings"),
        ("GET", encoding),
        ("DELETE", encoding),
        ("GET", f"{encoding}/status"),
        ("GET", f"{encoding}/messages"),
        ("POST", f"{encoding}/start"),
        ("POST", f"{encoding}/stop"),
        ("POST", f"{encoding}/reprioritize"),
        ("POST", f"{encoding}/live/restart"),
    }


def test_the_docs_page_loads_scripts_and_styles_from_files_only(db):
    response = Client().get("/api/v1/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"
    assert "<style" not in html and " style=" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = Client().get("/api/v1/docs/?script=")
    assert script["Content-Type"] == "application/javascript"
    assert b"SwaggerUIBundle" in script.content


# Every operation of the API (see test_the_schema_lists_every_endpoint_of_the_api).
OPERATIONS = 19


@pytest.mark.browser
def test_swagger_ui_renders_every_operation_under_the_content_security_policy(live_server):
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda m: (
                    refused.append(m.text)
                    if "Content Security Policy" in m.text or "Refused" in m.text
                    else None
                ),
            )
            response = page.goto(f"{live_server.url}/api/v1/docs/")
            assert "script-src 'self'" in response.headers["content-security-policy"]
            # Swagger UI adds the operations one after another: wait for all of them, not the first.
            page.locator(".opblock").nth(OPERATIONS - 1).wait_for(timeout=15_000)
            count = page.locator(".opblock").count()
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
    assert refused == []
    assert count == OPERATIONS
    assert "Encodings Dashboard API" in title
