"""The product's pages, as the browser tests visit them: who opens each one, how it is reached, what proves
that it is the page meant, and the routes of tests/views/test_url_access_walk.py's ROUTES it stands for
(those that are not pages say why)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import get_resolver
from playwright.sync_api import Page, expect

from encodings_app.models import DisplayToken
from encodings_app.services.action_registry import ACTIONS
from encodings_app.services.display_links import display_link_revoke
from tests.factories import PASSWORD
from tests.views.test_url_access_walk import ROUTES

VIEWPORTS = {
    "1440x900": {"width": 1440, "height": 900},
    "1920x1080": {"width": 1920, "height": 1080},
    "3840x2160": {"width": 3840, "height": 2160},
    "390x844": {"width": 390, "height": 844},
}
AXE_VIEWPORT = "1440x900"

# Who opens the pages, in this order: the admin's visits change the organization (a rejected key, a new
# display link), so they come last. "anonymous" is also the wall's screen: no login, a display link's cookie.
ROLES = {
    "anonymous": None,
    "viewer": "vera",
    "operator": "otto",
    "superuser": "root",
    "newcomer": "newcomer",
    "admin": "ada",
}

Reach = Callable[[Page, str, dict], None]


@dataclass(frozen=True)
class Visit:
    name: str  # of the screenshots
    role: str
    shows: str  # text the page shows: proof that it is the page meant, not a login form or an error
    path: str = ""  # opened directly (formatted with the scene's values) and answered with `status` ...
    status: int = 200
    reach: Reach | None = None  # ... or reached as a person does: a form's answer, a button's page
    routes: tuple[str, ...] = ()  # the ROUTES it shows; none for a page no route answers (404, 500)
    heading: bool = False  # `shows` is the page's <h1>, where its words also stand elsewhere (a menu)
    # axe rules not run on this page, each with why it cannot be fixed here.
    excluded_rules: tuple[tuple[str, str], ...] = ()


# --- pages that are a form's answer -----------------------------------------------------------------------


def sign_in_wrongly(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"not-{PASSWORD}")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def locked_out(page: Page, base: str, scene: dict) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_wrongly(page, base, "mallory")


def form_expired(page: Page, base: str, scene: dict) -> None:
    """The login form sent without its CSRF cookie (cookies blocked, or the session long gone)."""
    page.goto(f"{base}/login/")
    page.context.clear_cookies()
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def error_handler_page(status: int) -> Reach:
    """The 400 and 500 pages cannot be asked for from a browser on purpose: the site's own handler for the
    status answers, and its page is served at an address of the site, so that its styles load."""

    def reach(page: Page, base: str, scene: dict) -> None:
        request = RequestFactory().get("/")
        handler = get_resolver().resolve_error_handler(status)
        answer = handler(request, SuspiciousOperation("bad request")) if status == 400 else handler(request)
        assert answer.status_code == status
        url = f"{base}/error-page-{status}/"
        page.route(
            url, lambda route: route.fulfill(status=status, content_type="text/html", body=answer.content)
        )
        page.goto(url)
        page.unroute(url)

    return reach


def wall_revoked(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/wall/{scene['revoked_token']}/")
    expect(page.locator(".wall-org").first).to_be_visible()
    display_link_revoke(link=DisplayToken.objects.get(pk=scene["revoked_link_id"]))
    page.reload()


def settings_button(name: str, row: str = "") -> Reach:
    def reach(page: Page, base: str, scene: dict) -> None:
        page.goto(f"{base}/o/acme/settings/")
        scope = page.locator("tr", has_text=row) if row else page.locator("main")
        scope.get_by_role("button", name=name, exact=True).click()
        page.wait_for_load_state()

    return reach


def bitmovin_refuses(page: Page, base: str, scene: dict) -> None:
    """Both of the settings page's calls to Bitmovin, answered with a refused key: the API's evidence."""
    settings_button("Register webhooks")(page, base, scene)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result .alert, #connection-result .api-error").first).to_be_visible()


def new_display_link(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/o/acme/settings/")
    walls = page.locator("#walls")
    walls.get_by_label("Label").fill("Lobby")
    walls.get_by_role("button", name="Create display link").click()
    page.wait_for_load_state()


def new_alert_channel(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/o/acme/settings/alerts/")
    page.get_by_label("Kind").select_option("email")
    page.get_by_label("Address or URL").fill("ops@example.com")
    page.get_by_role("button", name="Add channel").click()
    page.wait_for_load_state()


def new_silence(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/o/acme/settings/alerts/")
    silences = page.locator("#silences")
    silences.get_by_label("For", exact=True).select_option("4h")
    silences.get_by_label("Reason", exact=True).fill("maintenance window")
    silences.get_by_role("button", name="Mute").click()
    page.wait_for_load_state()


def rule_refused(page: Page, base: str, scene: dict) -> None:
    """A threshold past the limit, sent past the browser's own check of the field's maximum (as a script
    or an old browser would send it): the page again, with the error next to the field."""
    page.goto(f"{base}/o/acme/settings/alerts/")
    page.locator("#id_spike-threshold").evaluate("field => { field.removeAttribute('max'); }")
    page.locator("#id_spike-threshold").fill("20000")
    page.locator("#rule-spike").get_by_role("button", name="Save “Failure spike”").click()
    page.wait_for_load_state()


def alert_channel_remove(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/o/acme/settings/alerts/")
    page.locator("#channels tr", has_text="E-mail").get_by_role("button", name="Remove").click()
    page.wait_for_load_state()


def token_revoked(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/account/")
    page.get_by_role("button", name="Revoke nightly export").click()


def view_choice_refused(page: Page, base: str, scene: dict) -> None:
    """The list's view options posted with a column the list does not have (a tampered form): the list
    again, with the menu open and the error in it."""
    page.goto(f"{base}/o/acme/encodings/")
    page.locator(".view-options summary").click()
    page.locator('.view-options-panel input[value="labels"]').evaluate("box => { box.value = 'password'; }")
    page.get_by_role("button", name="Save for me").click()
    page.wait_for_load_state()


def saved_view_refused(page: Page, base: str, scene: dict) -> None:
    """A view saved under a name the user already gave one: the list again, with the Views menu open and
    the error next to the name as typed."""
    for _ in range(2):
        page.goto(f"{base}/o/acme/encodings/?status=ERROR")
        page.locator(".saved-views summary").click()
        page.locator(".saved-views-panel #id_saved-name").fill("Failures")
        page.get_by_role("button", name="Save view").click()
        page.wait_for_load_state()


def new_api_token(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/account/")
    page.get_by_label("Token name").fill("chat bot")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()


def bulk_review(page: Page, base: str, scene: dict) -> None:
    """Two rows of the list ticked, then "Review…": the confirmation of a bulk stop."""
    page.goto(f"{base}/o/acme/encodings/?status=RUNNING&status=QUEUED")
    page.get_by_label("Select Evening news", exact=True).check()
    page.get_by_label("Select Trailer 4K", exact=True).check()
    page.locator("#bulk-form").get_by_role("button", name="Review…").click()
    page.wait_for_load_state()


def bulk_nothing_ticked(page: Page, base: str, scene: dict) -> None:
    page.goto(f"{base}/o/acme/encodings/")
    page.locator("#bulk-form").get_by_role("button", name="Review…").click()
    page.wait_for_load_state()


# --- every page -------------------------------------------------------------------------------------------

LIST = "o/<slug:slug>/encodings/"
BULK = "o/<slug:slug>/bulk/"
BULK_JOB = "o/<slug:slug>/bulk/<int:job_id>/"
BULK_JOBS = "o/<slug:slug>/bulk/jobs/"
DETAIL = "o/<slug:slug>/encodings/<str:bitmovin_id>/"
ACTION = "o/<slug:slug>/encodings/<str:bitmovin_id>/actions/<slug:action>/"
SETTINGS = "o/<slug:slug>/settings/"
ALERTS = "o/<slug:slug>/settings/alerts/"
WALL_ROUTES = ("wall/<str:token>/", "wall/d/<int:link_id>/")
INCIDENTS = "o/<slug:slug>/incidents/"
INCIDENT = "o/<slug:slug>/incidents/<int:incident_id>/"

VISITS: list[Visit] = [
    Visit("login", "anonymous", "Log in", "/login/", routes=("login/",)),
    Visit(
        "login-failed",
        "anonymous",
        "Please enter a correct",
        reach=lambda page, base, scene: sign_in_wrongly(page, base, "nobody"),
        routes=("login/",),
    ),
    Visit("login-locked-out", "anonymous", "Sign-in paused", reach=locked_out, routes=("login/",)),
    Visit("form-expired", "anonymous", "The form expired", reach=form_expired, routes=("login/",)),
    Visit("not-found", "anonymous", "Not found", "/no/such/page/", status=404),
    Visit("bad-request", "anonymous", "could not be understood", reach=error_handler_page(400)),
    Visit("server-error", "anonymous", "Something went wrong", reach=error_handler_page(500)),
    Visit(
        "api-docs",
        "anonymous",
        "Encodings Dashboard API",
        "/api/v1/docs/",
        routes=("api/v1/docs/",),
        excluded_rules=(
            (
                "nested-interactive",
                "Swagger UI (drf-spectacular-sidecar) builds each operation's summary as a button holding "
                "other controls; its script makes that markup, so it cannot be changed from a template",
            ),
        ),
    ),
    Visit(
        "wall-link-needed",
        "anonymous",
        "Open this screen's display link once more",
        "/wall/d/{link_id}/",
        status=403,
        routes=WALL_ROUTES[1:],
    ),
    Visit("wall-display", "anonymous", "Globex Broadcasting", "/wall/{token}/", routes=WALL_ROUTES),
    Visit(
        "wall-revoked", "anonymous", "This display link was revoked", reach=wall_revoked, routes=WALL_ROUTES
    ),
    Visit("overview", "viewer", "Overview", "/o/acme/", heading=True, routes=("o/<slug:slug>/",)),
    Visit("wall-member", "viewer", "Acme Media", "/o/acme/wall/", routes=("o/<slug:slug>/wall/",)),
    Visit("incidents", "viewer", "Incidents", "/o/acme/incidents/", heading=True, routes=(INCIDENTS,)),
    Visit("trends", "viewer", "Trends", "/o/acme/trends/", heading=True, routes=("o/<slug:slug>/trends/",)),
    # A file when its filters are sound; the list with the refusal's note when one is not.
    Visit(
        "export-refused",
        "viewer",
        "Nothing was exported",
        "/o/acme/export/encodings.csv?code=not-a-code",
        status=400,
        routes=("o/<slug:slug>/export/encodings.csv",),
    ),
    Visit("incident", "viewer", "Why they failed", "/o/acme/incidents/{incident}/", routes=(INCIDENT,)),
    Visit("usage", "viewer", "Usage", "/o/acme/usage/", heading=True, routes=("o/<slug:slug>/usage/",)),
    Visit(
        "usage-months",
        "viewer",
        "By customer label",
        "/o/acme/usage/?by=month&type=wrong",
        routes=("o/<slug:slug>/usage/",),
    ),
    Visit("forbidden", "viewer", "You cannot do this", "/o/acme/settings/", status=403, routes=(SETTINGS,)),
    Visit(
        "not-found-signed-in",
        "viewer",
        "Not found",
        "/o/globex/encodings/{elsewhere}/",
        status=404,
        routes=(DETAIL,),
    ),
    Visit("home", "operator", "All organizations", "/", routes=("",)),
    Visit(
        "home-one-account",
        "operator",
        "Organizations of Acme Media",
        "/?account={connection}",
        heading=True,
        routes=("",),
    ),
    Visit("encodings", "operator", "Encodings", "/o/acme/encodings/", heading=True, routes=(LIST,)),
    Visit("bulk-confirm", "operator", "Stop 2 encodings?", reach=bulk_review, routes=(BULK,), heading=True),
    Visit(
        "bulk-nothing-ticked",
        "operator",
        "Select at least one encoding, or all that match the filter.",
        reach=bulk_nothing_ticked,
        routes=(BULK,),
    ),
    Visit("bulk-progress", "operator", "did not go as asked", "/o/acme/bulk/{bulk_job}/", routes=(BULK_JOB,)),
    Visit("bulk-jobs", "operator", "Went as asked", "/o/acme/bulk/jobs/", routes=(BULK_JOBS,)),
    Visit(
        "encodings-filtered",
        "operator",
        "Encodings",
        "/o/acme/encodings/?status=ERROR&status=TRANSFER_ERROR&q=name%3AEpisode*&sort=name",
        heading=True,
        routes=(LIST,),
    ),
    Visit(
        "encodings-stuck", "operator", "Encodings", "/o/acme/encodings/?stuck=1", heading=True, routes=(LIST,)
    ),
    Visit(
        "encodings-view-refused",
        "operator",
        "is not a column of the list",
        reach=view_choice_refused,
        routes=("o/<slug:slug>/list-view/",),
    ),
    Visit(
        "encodings-saved-view-refused",
        "operator",
        "is already the name of one of your views",
        reach=saved_view_refused,
        routes=("o/<slug:slug>/saved-views/",),
    ),
    Visit("search", "operator", "Evening news", "/search/?q=Evening", routes=("search/",)),
    Visit("encoding-running", "operator", "Evening news", "/o/acme/encodings/{running}/", routes=(DETAIL,)),
    Visit(
        "encoding-failed", "operator", "Encoding step failed", "/o/acme/encodings/{failed}/", routes=(DETAIL,)
    ),
    Visit("encoding-live", "operator", "Main stage live", "/o/acme/encodings/{live}/", routes=(DETAIL,)),
    *[
        Visit(
            f"confirm-{spec.key}",
            "operator",
            spec.question,
            f"/o/acme/encodings/{{offered_{spec.key}}}/actions/{spec.key}/",
            routes=(ACTION,),
        )
        for spec in ACTIONS.values()
        if spec.confirm
    ],
    Visit(
        "organization-new",
        "superuser",
        "Add an organization",
        "/organizations/new/",
        routes=("organizations/new/",),
    ),
    Visit(
        "connections",
        "superuser",
        "Bitmovin accounts",
        "/connections/",
        routes=("connections/",),
        heading=True,
    ),
    Visit("usage-across", "superuser", "Usage in", "/usage/", routes=("usage/",)),
    Visit(
        "connection-new",
        "superuser",
        "Connect a Bitmovin account",
        "/connections/new/",
        routes=("connections/new/",),
    ),
    # Acme's key is one Bitmovin refuses (the scene): the page says so, in plain words.
    Visit(
        "connection",
        "superuser",
        "Bitmovin did not accept this key",
        "/connections/{connection}/",
        routes=("connections/<uuid:public_id>/",),
    ),
    Visit("home-no-organization", "newcomer", "Welcome, newcomer", "/", routes=("",)),
    Visit("account", "admin", "Personal API tokens", "/account/", routes=("account/",)),
    Visit("account-new-token", "admin", "Your new API token", reach=new_api_token, routes=("account/",)),
    Visit("settings", "admin", "Audit log", "/o/acme/settings/", routes=(SETTINGS,)),
    Visit(
        "settings-new-display-link",
        "admin",
        "Display link “Lobby” created",
        reach=new_display_link,
        routes=("o/<slug:slug>/settings/walls/",),
    ),
    Visit("settings-alerts", "admin", "Delivery log", "/o/acme/settings/alerts/", routes=(ALERTS,)),
    Visit(
        "settings-alert-channel-added",
        "admin",
        "Channel “E-mail” added",
        reach=new_alert_channel,
        routes=(ALERTS, "o/<slug:slug>/settings/alerts/channels/"),
    ),
    Visit(
        "settings-alert-silenced",
        "admin",
        "Every rule muted until",
        reach=new_silence,
        routes=(ALERTS, "o/<slug:slug>/settings/alerts/silences/"),
    ),
    Visit(
        "settings-alert-rule-refused",
        "admin",
        "The threshold can be at most 10,000.",
        reach=rule_refused,
        routes=("o/<slug:slug>/settings/alerts/rules/<slug:kind>/",),
    ),
    Visit(
        "confirm-alert-channel-remove",
        "admin",
        "Remove the alert channel “E-mail”?",
        reach=alert_channel_remove,
        routes=("o/<slug:slug>/settings/alerts/channels/<int:channel_id>/remove/",),
    ),
    Visit(
        "account-token-revoked",
        "admin",
        "“nightly export”",
        reach=token_revoked,
        routes=("account/tokens/<int:token_id>/revoke/",),
    ),
    Visit(
        "confirm-display-link-revoke",
        "admin",
        "Revoke the display link “Ops room”?",
        reach=settings_button("Revoke", row="Ops room"),
        routes=("o/<slug:slug>/settings/walls/<int:link_id>/revoke/",),
    ),
    Visit(
        "confirm-secret-replace",
        "admin",
        "Replace the webhook signing secret?",
        reach=settings_button("Replace the signing secret"),
        routes=("o/<slug:slug>/settings/webhooks/secret/",),
    ),
    Visit(
        "settings-bitmovin-refused",
        "admin",
        "API key not accepted",
        reach=bitmovin_refuses,
        routes=("o/<slug:slug>/settings/webhooks/", "o/<slug:slug>/settings/test-connection/"),
    ),
]

# Routes that answer no page of their own, and why.
NOT_PAGES = {
    "connections/<uuid:public_id>/key/": "a POST that ends on the account's page",
    "connections/<uuid:public_id>/members/": "a POST that ends on the account's page",
    "connections/<uuid:public_id>/members/<int:user_id>/role/": "a POST that ends on the account's page",
    "connections/<uuid:public_id>/members/<int:user_id>/remove/": "a POST that ends on the account's page",
    "healthz": "a plain-text probe for load balancers",
    "readyz": "a plain-text probe for load balancers",
    "metrics": "Prometheus's plain text, off unless a token or networks are configured",
    "favicon.ico": "a redirect to the icon",
    "webhooks/bitmovin/<slug:organization_slug>/": "where Bitmovin posts its JSON events",
    "logout/": "a POST that ends on the login page",
    "account/password/": "a POST back to the account page (its form is on the account page, visited)",
    # The message shows as on the account page after a token's revocation (visited).
    "o/<slug:slug>/settings/members/": "a POST back to the settings page with a message",
    "o/<slug:slug>/saved-views/<int:view_id>/delete/": "a POST that ends on the list",
    "o/<slug:slug>/saved-views/<int:view_id>/default/": "a POST that ends on the view's list",
    "o/<slug:slug>/saved-views/default/clear/": "a POST that ends on the list",
    "o/<slug:slug>/switch/": "the switcher's redirect to the same kind of page in another organization",
    "o/<slug:slug>/encodings/<str:bitmovin_id>/refresh/": "a POST back to the detail page with a message",
    "o/<slug:slug>/settings/members/<int:user_id>/": "a POST back to the settings page with a message",
    "o/<slug:slug>/settings/members/<int:user_id>/remove/": "a POST back to the settings page with a message",
    # With htmx, the channel list in place (tests/e2e/test_alert_settings.py).
    "o/<slug:slug>/settings/alerts/channels/<int:channel_id>/test/": "a POST back to the alerts page with a "
    "message",
    "o/<slug:slug>/settings/alerts/rules/<slug:kind>/reset/": "a POST back to the alerts page with a message",
    "o/<slug:slug>/settings/alerts/silences/<int:silence_id>/end/": "a POST back to the alerts page with a "
    "message",
    "api/v1/schema/": "the OpenAPI document the API docs page reads",
    "o/<slug:slug>/export/failures.csv": "a CSV file",
    **{
        key: "JSON for scripts"
        for key in ROUTES
        if key.startswith("api/v1/") and key not in ("api/v1/schema/", "api/v1/docs/")
    },
}
