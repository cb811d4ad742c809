import pytest

from encodings_app.views import health


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_readyz_reports_every_dependency_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "cache"}
    assert all(entry["ok"] for entry in body["checks"].values())


@pytest.mark.django_db
def test_readyz_answers_503_and_names_the_failing_dependency(client, monkeypatch):
    def broken_broker():
        raise ConnectionRefusedError("connection to redis://:secret@broker:6379 refused")

    monkeypatch.setitem(health.CHECKS, "broker", broken_broker)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"] == {
        "ok": False,
        "error": "ConnectionRefusedError",
        "ms": body["checks"]["broker"]["ms"],
    }
    assert body["checks"]["database"]["ok"] is True
    assert b"secret" not in response.content
