"""Links that Bitmovin sends with an action's error, as the REST API and the detail page pass them on: only
http(s) ones reach the API's JSON, and a page makes only bitmovin.com ones clickable.

The simulator's errors carry one well-formed docs link; a rewriting proxy on 127.0.0.1 puts hostile ones
beside it on the way, so the client, the action service, the API and the page all run for real.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from encodings_app.models import Role
from tests.api.helpers import ApiCaller, error_of, token_for
from tests.factories import make_encoding, make_member, make_organization, make_user
from tests.support.rewriting_proxy import RewritingProxy
from tests.support.simulator import RunningSimulator

pytestmark = pytest.mark.slow

HOSTILE = [
    {"href": "javascript:alert(1)", "title": "Contact Bitmovin support"},
    {"href": "data:text/html,<script>alert(1)</script>", "title": "Contact Bitmovin support"},
    {"href": "vbscript:msgbox(1)", "title": "Contact Bitmovin support"},
    {"href": "//evil.example/x", "title": "Contact Bitmovin support"},
    {"href": "https://bitmovin.com.evil.example/x", "title": "Contact Bitmovin support"},
    {"href": "https://evil.example", "title": "Contact Bitmovin support"},
]
GOOD = {"href": "https://developer.bitmovin.com/encoding/docs/error-codes", "title": "Error codes"}


def add_hostile_links(method: str, path: str, document):
    if isinstance(document, dict) and document.get("status") == "ERROR":
        data = document.setdefault("data", {})
        data["links"] = [*HOSTILE, GOOD]
    return document


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=20, seed=31, organizations=1, args=["--rate-limits", "off"]) as running:
        yield running


@pytest.fixture
def refused(simulator, transactional_db):
    """An encoding that Bitmovin will refuse to reprioritize (it is FINISHED), and an operator."""
    cache.clear()
    tenant = simulator.accounts()["accounts"][0]["organizations"][0]
    encoding_id = simulator.sdk(tenant_org_id=tenant["id"]).encoding.encodings.list().items[0].id
    simulator.force_state(encoding_id, "FINISHED")
    with RewritingProxy(simulator.root_url, rewrite=add_hostile_links) as proxy:
        organization = make_organization(
            "sim", api_key=simulator.api_key, api_base_url=proxy.base_url, tenant_org_id=tenant["id"]
        )
        make_encoding(organization, bitmovin_id=encoding_id, status="QUEUED")
        operator = make_member(organization, Role.OPERATOR, user=make_user("sim-operator"))
        yield encoding_id, operator


def test_the_api_answers_an_action_error_with_web_links_only(refused):
    encoding_id, operator = refused
    api = ApiCaller(token_for(operator))

    response = api.post(f"/organizations/sim/encodings/{encoding_id}/reprioritize", {"priority": 80})

    data = error_of(response, 409, 2030)
    hrefs = [link["href"] for link in data["links"]]
    assert GOOD["href"] in hrefs
    assert all(href.startswith(("https://", "http://")) for href in hrefs), hrefs
    assert not any(scheme in response.content for scheme in (b"javascript:", b"data:text", b"vbscript:"))
    assert b"//evil.example/x" not in response.content


def test_the_detail_page_shows_an_action_errors_links_without_following_them(refused):
    encoding_id, operator = refused
    client = Client()
    client.force_login(operator)

    client.post(f"/o/sim/encodings/{encoding_id}/actions/reprioritize/", {"priority": 80})
    html = client.get(f"/o/sim/encodings/{encoding_id}/").content.decode()

    block = html.split('<div class="api-error" role="alert">')[1].split("</details>")[0]
    assert f'<a href="{GOOD["href"]}" rel="noopener noreferrer" target="_blank">Error codes</a>' in block
    hrefs = re.findall(r'href="([^"]*)"', block)
    assert all(href.startswith("https://developer.bitmovin.com/") for href in hrefs), hrefs
    shown = re.findall(r'<span class="link-text">([^<]*)</span>', block)
    assert "javascript:alert(1)" in shown and "https://evil.example" in shown
    assert "https://bitmovin.com.evil.example/x" in shown and "//evil.example/x" in shown
    assert "Contact Bitmovin support" not in block
