"""The audit log through the API (admins only), and the per-user action limit answered as 429 in the
envelope."""

from __future__ import annotations

import pytest

from encodings_app.models import AuditEvent
from encodings_app.services import clients
from encodings_app.services.audit import audit_record
from tests.api.helpers import error_of, result_of
from tests.factories import make_encoding
from tests.support.api_client import point_at


def record(world, count: int, **fields) -> None:
    for number in range(count):
        audit_record(
            action=AuditEvent.Action.ENCODING_STOP,
            user=world.operator,
            organization=world.acme,
            target=f"enc-{number}",
            request_id=f"bitmovin-request-{number}",
            **fields,
        )


def test_an_admin_reads_the_audit_log_newest_first_in_pages(world, api_for):
    record(world, 30)
    audit_record(action=AuditEvent.Action.MEMBER_ADD, user=world.outsider, organization=world.globex)
    api = api_for(world.admin)

    first = result_of(api.get("/organizations/acme/audit", {"limit": 25, "includeTotalCount": "true"}))

    assert first["totalCount"] == 30 and first["previous"] is None and first["next"]
    newest = first["items"][0]
    assert newest["target"] == "enc-29" and newest["bitmovinRequestId"] == "bitmovin-request-29"
    assert newest["user"] == "otto" and newest["action"] == "encoding.stop" and newest["outcome"] == "ok"
    assert set(newest) == {
        "id",
        "createdAt",
        "user",
        "action",
        "outcome",
        "target",
        "detail",
        "bitmovinRequestId",
    }
    rest = result_of(api.get("/organizations/acme/audit", {"offset": 25}))
    assert [item["target"] for item in rest["items"]] == [f"enc-{n}" for n in range(4, -1, -1)]
    assert rest["next"] is None
    assert all(item["action"] != "member.add" for item in first["items"] + rest["items"]), "globex's own"


@pytest.mark.parametrize("persona", ["operator", "viewer"])
def test_operators_and_viewers_may_not_read_the_audit_log(world, api_for, persona):
    data = error_of(api_for(getattr(world, persona)).get("/organizations/acme/audit"), 403, 1003)
    assert "admin" in data["message"]


def test_another_organizations_audit_log_is_not_found(world, api_for):
    error_of(api_for(world.outsider).get("/organizations/acme/audit"), 404, 1005)
    error_of(api_for(world.admin).get("/organizations/globex/audit"), 404, 1005)


def test_the_audit_log_costs_a_fixed_number_of_queries(world, api_for, django_assert_num_queries):
    api = api_for(world.admin)
    record(world, 3)
    result_of(api.get("/organizations/acme/audit"))  # the token's last_used_at is written on first use only
    with django_assert_num_queries(3):  # token, membership, one page
        result_of(api.get("/organizations/acme/audit"))
    record(world, 80)
    with django_assert_num_queries(3):
        result_of(api.get("/organizations/acme/audit", {"limit": 100}))


def test_actions_past_the_users_limit_answer_429_in_the_envelope(world, api_for, settings, monkeypatch):
    settings.ACTION_RATE_LIMIT = 2
    monkeypatch.setattr(clients, "INTERACTIVE_RETRY_BUDGET_S", 0.2)
    # Nobody answers there: the two actions within the limit are sent and fail; the third is not sent.
    point_at(world.acme, base_url="http://127.0.0.1:9/v1")
    encoding = make_encoding(world.acme, status="RUNNING")
    api = api_for(world.operator)
    path = f"/organizations/acme/encodings/{encoding.bitmovin_id}"
    error_of(api.post(f"{path}/stop"), 502, 1004)
    error_of(api.post(f"{path}/reprioritize", {"priority": 10}), 502, 1004)

    response = api.post(f"{path}/stop")

    data = error_of(response, 429, 1007)
    assert "more than 2 actions in a minute" in data["message"]
    assert "nothing was sent to Bitmovin" in data["message"]
    # The count is kept in 5-s slots over a window and two slots (services/ratelimit.py).
    assert 1 <= int(response["Retry-After"]) <= 70
    assert f"Retry after {response['Retry-After']} s" in data["developerMessage"]
    error_of(api.delete(path), 429, 1007)
    outcomes = list(
        AuditEvent.objects.filter(target=encoding.bitmovin_id)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["failed", "failed", "refused"], "one entry for the flood, not one per request"
    # The limit is the user's, not the organization's.
    error_of(api_for(world.admin).post(f"{path}/stop"), 502, 1004)
