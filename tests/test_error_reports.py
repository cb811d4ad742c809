"""Error pages: the product's own when debug is off, and no secret on Django's debug page when it is on."""

import sys

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.views.debug import technical_500_response
from django.views.decorators.debug import sensitive_variables
from django.views.defaults import bad_request, permission_denied, server_error

from dashboard.debug import SecretsReporterFilter

API_KEY = "bmv-live-api-key-0123456789abcdef"
WEBHOOK_SECRET = "whsec-do-not-show-9876543210"
DB_PASSWORD = "pg-hunter2-password"
REDIS_PASSWORD = "redis-sw0rdfish"


@sensitive_variables("api_key")
def _set_key_and_fail(api_key: str) -> None:
    raise RuntimeError("the API refused the key")


def _view_that_sets_a_key(request) -> None:
    cleaned = {"api_key": request.POST["api_key"], "name": request.POST["name"]}
    _set_key_and_fail(cleaned["api_key"])


def _fail_holding_secrets_without_marks(request) -> None:
    webhook_secret = WEBHOOK_SECRET  # noqa: F841 - what the debug page must not show
    broker = f"redis://:{REDIS_PASSWORD}@cache:6379/0"  # noqa: F841
    raise RuntimeError("something broke")


def debug_page(request, view) -> str:
    try:
        view(request)
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info()).content.decode()
    raise AssertionError("the function did not fail")


@override_settings(DEBUG=True)
def test_debug_page_hides_a_key_held_by_a_sensitive_function():
    request = RequestFactory().post("/o/acme/settings/", {"api_key": API_KEY, "name": "Acme"})
    html = debug_page(request, _view_that_sets_a_key)
    assert "the API refused the key" in html, "it is the technical page"
    assert API_KEY not in html
    assert "Acme" in html, "fields that hold no secret are still shown"


@override_settings(DEBUG=True)
def test_debug_page_hides_locals_named_like_secrets_and_passwords_inside_urls():
    request = RequestFactory().get("/o/acme/")
    html = debug_page(request, _fail_holding_secrets_without_marks)
    assert "something broke" in html
    assert WEBHOOK_SECRET not in html
    assert REDIS_PASSWORD not in html
    assert "redis://:***@cache:6379/0" in html


@override_settings(DEBUG=True)
def test_debug_page_hides_passwords_tokens_and_cookies_of_the_request():
    request = RequestFactory().post(
        "/login/",
        {"username": "olivia", "password": "correct-horse-battery", "token": "tok-123456"},
        HTTP_X_API_KEY="api-key-in-header",
    )
    request.COOKIES["wall_token"] = "wall_cookie-token-value"
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "session-id-value"
    html = debug_page(request, _fail_holding_secrets_without_marks)
    for secret in (
        "correct-horse-battery",
        "tok-123456",
        "api-key-in-header",
        "wall_cookie-token-value",
        "session-id-value",
    ):
        assert secret not in html, secret
    assert "olivia" in html


@override_settings(
    DEBUG=True,
    DATABASE_URL=f"postgres://dashboard:{DB_PASSWORD}@db:5432/dashboard",
    REDIS_URL=f"redis://:{REDIS_PASSWORD}@cache:6379/0",
    CELERY_BROKER_URL=f"redis://:{REDIS_PASSWORD}@cache:6379/1",
)
def test_debug_page_settings_show_no_key_and_no_password_inside_a_url():
    html = debug_page(RequestFactory().get("/"), _fail_holding_secrets_without_marks)
    assert "DATABASE_URL" in html
    for secret in (DB_PASSWORD, REDIS_PASSWORD, settings.SECRET_KEY, *settings.FIELD_ENCRYPTION_KEYS):
        assert secret not in html


def test_the_filter_is_the_one_django_uses_and_applies_with_debug_on_too():
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER == "dashboard.debug.SecretsReporterFilter"
    with override_settings(DEBUG=True):
        assert SecretsReporterFilter().is_active(None)


@override_settings(DEBUG=True)
def test_the_site_login_and_the_account_token_form_mark_their_post_as_sensitive(db, user):
    # Django's LoginView (the site's and the admin's) and the account page mark every POST field.
    for url, data in (("/login/", {"username": "olivia", "password": "wrong"}), ("/account/", {"name": "x"})):
        client = Client()
        if url == "/account/":
            client.force_login(user)
        response = client.post(url, data)
        assert response.wsgi_request.sensitive_post_parameters == "__ALL__", url


@pytest.mark.django_db
def test_error_pages_are_the_products_own():
    request = RequestFactory().get("/")
    assert "Something went wrong on our side" in server_error(request).content.decode()
    assert "could not be understood" in bad_request(request, Exception("x")).content.decode()
    assert "You cannot do this" in permission_denied(request, Exception("")).content.decode()
    not_found = Client().get("/no-such-page/")
    assert not_found.status_code == 404
    assert "There is nothing here" in not_found.content.decode()


def test_a_form_without_its_csrf_token_gets_the_products_page(db):
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form expired" in html
    assert "CSRF verification failed" not in html
