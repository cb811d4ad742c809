"""Sign-in throttling: a user name is locked from one address after the configured number of failures, on
the site's login form and on /admin/login/ alike; the lockout is the product's own page and is audited."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from encodings_app.models import AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_FORMS = ["/login/", "/admin/login/"]


@pytest.fixture
def staff(db):
    # Staff, so that /admin/login/ would let the right password in.
    return make_user("olivia", is_staff=True)


def sign_in(client: Client, url: str, username: str, password: str, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def fail_until_locked(client: Client, url: str, username: str = "olivia", **extra):
    """Wrong passwords up to the limit; every one before the last is an ordinary form error."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, url, username, "wrong-password", **extra)
        assert response.status_code == 200, "an ordinary wrong password shows the form again"
    return sign_in(client, url, username, "wrong-password", **extra)


def is_signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_the_right_password_is_refused_once_a_user_name_is_locked(staff, url):
    client = Client()
    locked = fail_until_locked(client, url)
    assert locked.status_code == 429
    refused = sign_in(client, url, "olivia", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert not is_signed_in(client)


def test_the_limit_and_the_wait_come_from_the_settings(staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=40)
    client = Client()
    assert sign_in(client, "/login/", "olivia", "wrong-password").status_code == 200
    locked = sign_in(client, "/login/", "olivia", "wrong-password")
    assert locked.status_code == 429
    assert "try again in 40 minutes" in locked.content.decode()
    assert locked["Retry-After"] == str(40 * 60)


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_the_lockout_is_the_products_own_page_in_plain_words(staff, url):
    response = fail_until_locked(Client(), url)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    assert "Too many failed sign-ins for this user name from your address." in html
    assert f"try again in {minutes} minutes" in html
    assert settings.PRODUCT_NAME in html
    for technical in ("Traceback", "axes", "Account locked", "Forbidden"):
        assert technical not in html
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_after_the_lockout_time_the_right_password_works(staff, url):
    client = Client()
    assert fail_until_locked(client, url).status_code == 429
    # The failures were made a whole lockout time (and a second) ago.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = sign_in(client, url, "olivia", PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_successful_sign_in_forgets_the_failures_before_it(staff):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "/login/", "olivia", "typo").status_code == 200
    assert sign_in(client, "/login/", "olivia", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "/login/", "olivia", "typo").status_code == 200, "counting starts again"


def test_a_locked_user_name_and_address_lock_no_one_else(staff):
    make_user("bruno")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    assert fail_until_locked(attacker, "/login/").status_code == 429
    assert sign_in(attacker, "/login/", "olivia", PASSWORD).status_code == 429

    colleague = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(colleague, "/login/", "bruno", PASSWORD).status_code == 302, (
        "another user, another address"
    )
    olivia_at_her_desk = Client(REMOTE_ADDR="198.51.100.21")
    assert sign_in(olivia_at_her_desk, "/login/", "olivia", PASSWORD).status_code == 302, (
        "an attacker elsewhere cannot lock olivia out"
    )
    assert sign_in(attacker, "/login/", "bruno", PASSWORD).status_code == 302, "the lock is per user name"


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(staff):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(settings.AXES_FAILURE_LIMIT):
        # A new made-up address each time: without a trusted proxy the header counts for nothing.
        response = sign_in(client, "/login/", "olivia", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    assert response.status_code == 429
    response = sign_in(client, "/login/", "olivia", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    # What the client puts in the header is kept to the left of what the proxy appends: it is not believed.
    locked = fail_until_locked(proxy, "/login/", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    spoofing = sign_in(proxy, "/login/", "olivia", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.5, 203.0.113.7")
    assert spoofing.status_code == 429
    elsewhere = sign_in(proxy, "/login/", "olivia", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.5")
    assert elsewhere.status_code == 302, "olivia from her own address, through the same proxy"


def test_a_lockout_is_audited_once_with_the_user_name_and_address(staff):
    client = Client(REMOTE_ADDR="203.0.113.7")
    fail_until_locked(client, "/login/")
    for _ in range(3):
        assert sign_in(client, "/login/", "olivia", "wrong-password").status_code == 429
    events = list(AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_LOCKOUT))
    assert len(events) == 1, "further tries during the same lockout add nothing"
    event = events[0]
    assert event.username == "olivia"
    assert event.source_ip == "203.0.113.7"
    assert event.outcome == AuditEvent.Outcome.REFUSED
    assert "wrong-password" not in f"{event.target} {event.detail}"


def test_a_lockout_of_an_unknown_user_name_is_audited_too(db):
    fail_until_locked(Client(REMOTE_ADDR="203.0.113.9"), "/admin/login/", username="root")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_LOCKOUT)
    assert (event.username, event.source_ip, event.user) == ("root", "203.0.113.9", None)


def test_api_tokens_are_not_throttled_by_the_sign_in_lockout(staff):
    from encodings_app.services.api_tokens import api_token_create

    fail_until_locked(Client(), "/login/")
    _, token = api_token_create(user=staff, name="script")
    assert Client().get("/api/v1/organizations", HTTP_X_API_KEY=token).status_code == 200
