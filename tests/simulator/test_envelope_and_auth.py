"""Envelopes, authentication and tenant switching, seen through plain HTTP."""

from __future__ import annotations

import requests

from tests.simulator.conftest import Http, error_of
from tests.support.simulator import RunningSimulator


def test_success_envelope_has_request_id_status_and_result(http: Http) -> None:
    response = http.get("/encoding/encodings", limit=1)
    body = response.json()

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert body["status"] == "SUCCESS" and body["data"]["result"]["items"]
    assert body["requestId"] == response.headers["X-Request-Id"]


def test_every_response_gets_a_fresh_request_id(http: Http) -> None:
    ids = {http.get("/account/information").json()["requestId"] for _ in range(5)}

    assert len(ids) == 5


def test_error_envelope_has_code_messages_links_and_details(http: Http) -> None:
    body = http.get("/encoding/encodings/unknown-id").json()

    assert body["status"] == "ERROR" and body["requestId"]
    data = body["data"]
    assert data["code"] == 1001 and data["message"] and "unknown-id" in data["developerMessage"]
    assert data["links"][0]["href"] and data["links"][0]["title"]
    assert data["details"][0]["type"] == "ERROR" and data["details"][0]["id"] and data["details"][0]["date"]


def test_unknown_path_is_404_with_code_1005(http: Http, sim: RunningSimulator) -> None:
    assert error_of(http.get("/encoding/nothing-here")) == (404, 1005)
    outside = requests.get(f"{sim.root_url}/v2/encoding/encodings", timeout=10)
    assert error_of(outside) == (404, 1005)


def test_wrong_method_is_405_with_code_1006(http: Http) -> None:
    response = http.request("PATCH", "/encoding/encodings")

    assert error_of(response) == (405, 1006)
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_missing_or_unknown_key_is_401_with_code_1002(sim: RunningSimulator) -> None:
    missing = requests.get(f"{sim.base_url}/encoding/encodings", timeout=10)
    wrong = requests.get(f"{sim.base_url}/encoding/encodings", headers={"X-Api-Key": "nope"}, timeout=10)

    assert error_of(missing) == (401, 1002)
    assert error_of(wrong) == (401, 1002)


def test_key_is_accepted_in_the_url_and_in_lowercase_headers(sim: RunningSimulator) -> None:
    in_url = requests.get(f"{sim.base_url}/encoding/encodings?X-Api-Key={sim.api_key}&limit=2", timeout=10)
    lowercase = requests.get(
        f"{sim.base_url}/encoding/encodings", headers={"x-api-key": sim.api_key}, timeout=10
    )

    assert in_url.status_code == 200 and lowercase.status_code == 200
    assert sim.api_key not in in_url.json()["data"]["result"]["next"]


def test_generated_key_reaches_only_its_own_account(sim: RunningSimulator) -> None:
    accounts = sim.accounts()["accounts"]
    own, other = accounts[0], accounts[1]
    key = own["apiKeys"][0]
    assert key in sim.generated_keys
    client = Http(sim.base_url, key)

    own_sub = own["organizations"][1]["id"]
    assert client.get("/encoding/encodings", limit=1).status_code == 200
    assert (
        client.request("GET", "/encoding/encodings", headers={"X-Tenant-Org-Id": own_sub}).status_code == 200
    )
    foreign = client.request(
        "GET", "/encoding/encodings", headers={"X-Tenant-Org-Id": other["organizations"][0]["id"]}
    )
    assert error_of(foreign) == (403, 1003)
    assert {o["id"] for o in client.result("GET", "/account/organizations")["items"]} == {
        o["id"] for o in own["organizations"]
    }


def test_each_organization_has_its_own_encodings(sim: RunningSimulator, http: Http) -> None:
    org_ids = [o["id"] for a in sim.accounts()["accounts"] for o in a["organizations"]]
    seen: set[str] = set()
    for org_id in org_ids:
        items = http.result("GET", "/encoding/encodings", headers={"X-Tenant-Org-Id": org_id})["items"]
        ids = {i["id"] for i in items}
        assert ids and not ids & seen
        seen |= ids
        outsider = next(iter(ids))
        for other in org_ids:
            if other != org_id:
                response = http.request(
                    "GET", f"/encoding/encodings/{outsider}", headers={"X-Tenant-Org-Id": other}
                )
                assert error_of(response) == (404, 1001)


def test_organization_of_another_account_is_403_for_its_key(sim: RunningSimulator) -> None:
    accounts = sim.accounts()["accounts"]
    client = Http(sim.base_url, accounts[0]["apiKeys"][0])

    assert error_of(client.get(f"/account/organizations/{accounts[1]['organizations'][0]['id']}")) == (
        403,
        1003,
    )
    assert error_of(client.get("/account/organizations/no-such-org")) == (404, 1001)


def test_invalid_json_body_is_400_with_code_1001(http: Http) -> None:
    response = http.request(
        "POST", "/encoding/encodings", data="{not json", headers={"Content-Type": "application/json"}
    )

    assert error_of(response) == (400, 1001)


def test_control_endpoints_need_no_key(sim: RunningSimulator) -> None:
    response = requests.get(f"{sim.root_url}/_sim/health", timeout=10)

    assert response.status_code == 200 and response.json()["data"]["result"]["status"] == "ok"
