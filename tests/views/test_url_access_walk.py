"""Every URL pattern of the site, with every kind of visitor: the statuses follow from who may do what.

The routes come from Django's URL resolver, so a new view cannot be left out: a route that is missing from
ROUTES (or listed there but gone) fails `test_every_route_is_described`. Each route says who may use it
and with which methods; `expected` turns that into the status each persona must get:

- an anonymous visitor is sent to log in (302) on the site and gets 401 in the API;
- a user of another organization gets 404 for anything of this organization, as if it did not exist;
- a member whose role is too low gets 403;
- a Bitmovin account's pages are the superusers' and its account admins': anyone else gets 404 for one
  account (as if it did not exist) and 403 for the list;
- a method the view does not answer is 405;
- everyone else is served: 200 for a GET, and for a POST anything but a refusal or a server error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from encodings_app.models import AccountMembership, Role
from encodings_app.services.alert_channels.targets import channel_add
from encodings_app.services.api_tokens import api_token_create
from encodings_app.services.bulk_actions import bulk_job_create, bulk_plan
from encodings_app.services.display_links import display_link_create
from encodings_app.services.saved_views import saved_view_save
from tests.factories import failed_encoding, make_incident, make_silence, make_user, running_encoding
from tests.support.api_client import point_at

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "outsider", "viewer", "operator", "admin", "account_admin", "superuser")
# How far each persona reaches in Acme; the outsider is an admin, but of Globex. The account admin has no
# membership of Acme: they are an admin of it through its account.
RANK = {"viewer": 1, "operator": 2, "admin": 3, "account_admin": 3, "superuser": 4}
NEEDS_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3, "superuser": 4}
REFUSALS = {401, 403, 404, 405}


@dataclass(frozen=True)
class Route:
    """Who may use a route: `needs` is a role in Acme, "login", "account" (an account admin of Acme's
    connection), "superuser", "staff" or "public"."""

    needs: str
    methods: tuple[str, ...] = ("GET",)
    path: str = ""  # for regex routes, which cannot be filled from their converters
    data: dict = field(default_factory=dict)
    api: bool = False
    # Public routes and the admin site answer the same to everybody (or by their own rule): spelled out.
    fixed: dict = field(default_factory=dict)


ORG = Role.VIEWER
ROUTES: dict[str, Route] = {
    # Public: no login.
    "login/": Route("public", ("GET", "POST"), fixed={"GET": {200, 302}, "POST": {200, 302}}),
    "healthz": Route("public", fixed={"GET": {200}, "POST": {405}}),
    "favicon.ico": Route("public", fixed={"GET": {301}, "POST": {405}}),
    "readyz": Route("public", fixed={"GET": {200}, "POST": {405}}),
    # Off unless METRICS_TOKEN or METRICS_ALLOWED_NETWORKS is set (tests/metrics/ turns it on).
    "metrics": Route("public", fixed={"GET": {404}, "POST": {404}}),
    "webhooks/bitmovin/<slug:organization_slug>/": Route(
        "public", ("POST",), fixed={"GET": {405}, "POST": {401}}
    ),
    # A display link trades its token for a cookie and moves to a token-free address (303); that address
    # serves only a screen holding the cookie (see test_wall.py), so without it everybody gets 403.
    "wall/<str:token>/": Route("public", fixed={"GET": {303}, "POST": {405}}),
    "wall/d/<int:link_id>/": Route("public", fixed={"GET": {403}, "POST": {405}}),
    # Any logged-in user.
    "": Route("login"),
    # Searches only the user's own organizations (tests/views/test_site_search.py): served to everyone.
    "search/": Route("login"),
    "logout/": Route("login", ("POST",)),
    "account/": Route("login", ("GET", "POST"), data={"name": ""}),
    "account/password/": Route("login", ("GET", "POST"), data={"old_password": ""}),
    # The token belongs to the admin: anybody else's revoke finds nothing (404), see expected().
    "account/tokens/<int:token_id>/revoke/": Route("login", ("POST",)),
    "organizations/new/": Route("superuser", ("GET", "POST")),
    "connections/": Route("account"),
    "usage/": Route("account"),
    "connections/new/": Route("superuser", ("GET", "POST")),
    "connections/<uuid:public_id>/": Route("account", ("GET", "POST")),
    # Posted without a key: the form says what is missing (400), which is served, not refused.
    "connections/<uuid:public_id>/key/": Route("account", ("POST",)),
    "connections/<uuid:public_id>/members/": Route("account", ("POST",)),
    "connections/<uuid:public_id>/members/<int:user_id>/role/": Route("account", ("POST",)),
    "connections/<uuid:public_id>/members/<int:user_id>/remove/": Route("account", ("POST",)),
    # Members of Acme.
    "o/<slug:slug>/": Route(ORG),
    "o/<slug:slug>/switch/": Route(ORG),
    "o/<slug:slug>/wall/": Route(ORG),
    "o/<slug:slug>/encodings/": Route(ORG),
    "o/<slug:slug>/export/encodings.csv": Route(ORG),
    "o/<slug:slug>/export/failures.csv": Route(ORG),
    "o/<slug:slug>/list-view/": Route(ORG, ("POST",), data={"view-columns": "labels", "view-per_page": "25"}),
    "o/<slug:slug>/saved-views/": Route(ORG, ("POST",), data={"saved-name": "Walk", "back": "status=ERROR"}),
    # The view is a shared one: deleting it is for admins, picking it as one's default for every member.
    "o/<slug:slug>/saved-views/<int:view_id>/delete/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/saved-views/<int:view_id>/default/": Route(ORG, ("POST",)),
    "o/<slug:slug>/saved-views/default/clear/": Route(ORG, ("POST",)),
    "o/<slug:slug>/encodings/<str:bitmovin_id>/": Route(ORG),
    # Asks for the confirmation of stopping the running encoding (nothing is sent before "confirm").
    "o/<slug:slug>/bulk/": Route(Role.OPERATOR, ("POST",), data={"action": "stop", "scope": "matching"}),
    "o/<slug:slug>/bulk/<int:job_id>/": Route(Role.OPERATOR),
    "o/<slug:slug>/bulk/jobs/": Route(Role.OPERATOR),
    "o/<slug:slug>/encodings/<str:bitmovin_id>/refresh/": Route(ORG, ("POST",)),
    "o/<slug:slug>/encodings/<str:bitmovin_id>/actions/<slug:action>/": Route(Role.OPERATOR, ("GET", "POST")),
    "o/<slug:slug>/trends/": Route(ORG),
    "o/<slug:slug>/incidents/": Route(ORG),
    "o/<slug:slug>/usage/": Route(ORG),
    "o/<slug:slug>/incidents/<int:incident_id>/": Route(ORG),
    "o/<slug:slug>/settings/": Route(Role.ADMIN, ("GET", "POST")),
    "o/<slug:slug>/settings/test-connection/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/webhooks/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/webhooks/secret/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/members/": Route(Role.ADMIN, ("POST",), data={"username": "", "role": "viewer"}),
    "o/<slug:slug>/settings/members/<int:user_id>/": Route(Role.ADMIN, ("POST",), data={"role": "viewer"}),
    "o/<slug:slug>/settings/members/<int:user_id>/remove/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/walls/": Route(Role.ADMIN, ("POST",), data={"label": ""}),
    "o/<slug:slug>/settings/alerts/": Route(Role.ADMIN),
    "o/<slug:slug>/settings/alerts/channels/": Route(Role.ADMIN, ("POST",), data={"kind": "email"}),
    "o/<slug:slug>/settings/alerts/channels/<int:channel_id>/test/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/alerts/channels/<int:channel_id>/remove/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/alerts/rules/<slug:kind>/": Route(
        Role.ADMIN, ("POST",), data={"spike-enabled": "on", "spike-threshold": "30"}
    ),
    "o/<slug:slug>/settings/alerts/rules/<slug:kind>/reset/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/alerts/silences/": Route(
        Role.ADMIN, ("POST",), data={"kind": "", "duration": "1h", "reason": "maintenance"}
    ),
    "o/<slug:slug>/settings/alerts/silences/<int:silence_id>/end/": Route(Role.ADMIN, ("POST",)),
    "o/<slug:slug>/settings/walls/<int:link_id>/revoke/": Route(Role.ADMIN, ("POST",)),
    # The REST API (sessions work there too; tokens are covered in tests/api).
    # The schema and its docs describe the API, not anybody's data: public, like Bitmovin's reference.
    "api/v1/schema/": Route("public", api=True, fixed={"GET": {200}, "POST": {405}}),
    "api/v1/docs/": Route("public", api=True, fixed={"GET": {200}, "POST": {405}}),
    "api/v1/organizations": Route("login", api=True),
    "api/v1/organizations/<slug:slug>": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/failures": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/trends": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/export/encodings": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/export/failures": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/incidents": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/usage": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/silences": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/audit": Route(Role.ADMIN, api=True),
    "api/v1/organizations/<slug:slug>/encodings": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/encodings/<str:encoding_id>": Route(ORG, ("GET", "DELETE"), api=True),
    "api/v1/organizations/<slug:slug>/encodings/<str:encoding_id>/status": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/encodings/<str:encoding_id>/messages": Route(ORG, api=True),
    "api/v1/organizations/<slug:slug>/encodings/<str:encoding_id>/start": Route(
        Role.OPERATOR, ("POST",), api=True
    ),
    "api/v1/organizations/<slug:slug>/encodings/<str:encoding_id>/stop": Route(
        Role.OPERATOR, ("POST",), api=True
    ),
    "api/v1/organizations/<slug:slug>/encodings/<str:encoding_id>/reprioritize": Route(
        Role.OPERATOR, ("POST",), api=True, data={"priority": 10}
    ),
    "api/v1/organizations/<slug:slug>/encodings/<str:encoding_id>/live/restart": Route(
        Role.OPERATOR, ("POST",), api=True
    ),
    # Unknown API paths answer 404 in the envelope to everybody, before any authentication.
    "api/v1/^": Route("public", path="/api/v1/no-such-thing", fixed={"GET": {404}, "POST": {404}}),
}
# The admin site is Django's: staff only, everybody else is sent to its own login page.
ADMIN_REGEX_PATHS = {
    "admin/^(?P<app_label>": "/admin/auth/",
    "admin/(?P<url>.*)$": "/admin/no-such-page/",
}


def site_routes() -> list[tuple[str, URLPattern]]:
    def walk(resolver: URLResolver, prefix: str):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    return list(walk(get_resolver(), ""))


ROUTE_KEYS = [key for key, _pattern in site_routes()]


def test_every_route_is_described():
    admin = {key for key in ROUTE_KEYS if key.startswith("admin/")}
    assert sorted(set(ROUTE_KEYS) - admin - set(ROUTES)) == [], "describe the new route in ROUTES"
    assert sorted(set(ROUTES) - set(ROUTE_KEYS)) == [], "ROUTES names a route that no longer exists"


@pytest.fixture(scope="module")
def walk_key(simulator) -> str:
    # One key for the whole walk: it makes few API calls, and the pool of keys is shared by the page tests.
    return next(simulator.key_pool)


@pytest.fixture
def scene(world, simulator, walk_key):
    """The world's organizations speak to the simulator, so a permitted write really runs."""
    for organization in (world.acme, world.globex):
        point_at(organization, base_url=simulator.base_url, api_key=walk_key)
    superuser = make_user("root", is_superuser=True, is_staff=True)
    account_admin = make_user("acct")
    AccountMembership.objects.create(user=account_admin, connection=world.acme.connection, role=Role.ADMIN)
    # The viewer is also a viewer across the account: the account's member routes have someone to change.
    AccountMembership.objects.create(user=world.viewer, connection=world.acme.connection, role=Role.VIEWER)
    link, token = display_link_create(
        label="Ops room", organizations=[world.acme], created_by=world.admin, poll_seconds=10
    )
    api_token, _secret = api_token_create(user=world.admin, name="nightly")
    channel = channel_add(organization=world.acme, kind="email", target="ops@example.com").channel
    silence = make_silence(world.acme)
    running = running_encoding(world.acme)
    job = bulk_job_create(
        organization=world.acme,
        user=world.operator,
        plan=bulk_plan(organization=world.acme, action="stop", ids=[running.bitmovin_id]),
    )
    shared_view = saved_view_save(
        organization=world.acme, user=world.admin, name="Team", query="status=ERROR", columns=[], shared=True
    )
    values = {
        "slug": "acme",
        "organization_slug": "acme",
        "bitmovin_id": running.bitmovin_id,
        "job_id": str(job.pk),
        "encoding_id": failed_encoding(world.acme).bitmovin_id,
        "action": "stop",
        "user_id": str(world.viewer.pk),
        "link_id": str(link.pk),
        "token": token,
        "token_id": str(api_token.pk),
        "channel_id": str(channel.pk),
        "incident_id": str(make_incident(world.acme).pk),
        "kind": "spike",
        "silence_id": str(silence.pk),
        "view_id": str(shared_view.pk),
        "object_id": str(world.viewer.pk),
        "id": str(world.viewer.pk),
        "content_type_id": "1",
        "public_id": str(world.acme.connection.public_id),
    }
    users = {
        "outsider": world.outsider,
        "viewer": world.viewer,
        "operator": world.operator,
        "admin": world.admin,
        "account_admin": account_admin,
        "superuser": superuser,
    }
    return values, users


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values[match.group(1)], route)


def expected(key: str, route: Route, persona: str, method: str) -> set[int] | None:
    """The statuses this persona may get; None means "served": anything but a refusal or a 5xx."""
    if route.fixed:
        return route.fixed[method]
    if persona == "anonymous":
        return {401} if route.api else {302}
    if method not in route.methods:
        return {405}
    if route.needs == "login":
        if key == "account/tokens/<int:token_id>/revoke/" and persona != "admin":
            return {404}
        return None
    if route.needs == "superuser":
        return None if persona == "superuser" else {403}
    if route.needs == "account":
        if persona in ("superuser", "account_admin"):
            return None
        return {403} if key in ("connections/", "usage/") else {404}
    if persona == "outsider":
        return {404}
    return None if RANK[persona] >= NEEDS_RANK[route.needs] else {403}


def request(client: Client, method: str, path: str, route: Route):
    if route.api and method != "GET":
        return client.generic(method, path, data=json.dumps(route.data), content_type="application/json")
    if method == "POST":
        return client.post(path, route.data)
    return client.get(path)


@pytest.mark.parametrize("key", [key for key in ROUTE_KEYS if not key.startswith("admin/")])
def test_each_route_answers_each_persona_as_its_access_rule_says(key, scene):
    values, users = scene
    route = ROUTES[key]
    path = route.path or fill(key, values)
    wrong = []
    for persona in PERSONAS:
        for method in ("GET", "POST"):
            client = Client()
            if persona != "anonymous":
                client.force_login(users[persona])
            # Each answer is seen on the same data: what one persona's write changed is rolled back.
            with transaction.atomic():
                status = request(client, method, path, route).status_code
                transaction.set_rollback(True)
            allowed = expected(key, route, persona, method)
            if allowed is None:
                if status in REFUSALS or status >= 500:
                    wrong.append(f"{persona} {method} {path}: {status}, expected to be served")
            elif status not in allowed:
                wrong.append(f"{persona} {method} {path}: {status}, expected {sorted(allowed)}")
    assert wrong == []


@pytest.mark.parametrize("key", [key for key in ROUTE_KEYS if key.startswith("admin/")])
def test_only_staff_reach_the_admin_site(key, scene):
    values, users = scene
    regex_path = [path for prefix, path in ADMIN_REGEX_PATHS.items() if key.startswith(prefix)]
    path = regex_path[0] if regex_path else fill(key, values)
    login_page = key == "admin/login/"
    wrong = []
    for persona in PERSONAS:
        client = Client()
        if persona != "anonymous":
            client.force_login(users[persona])
        status = client.get(path).status_code
        if persona == "superuser":
            if status >= 500:
                wrong.append(f"superuser GET {path}: {status}")
        elif login_page:
            if status != 200:
                wrong.append(f"{persona} GET {path}: {status}, expected the login form")
        elif status != 302:
            wrong.append(f"{persona} GET {path}: {status}, expected a redirect to the admin login")
    assert wrong == []
