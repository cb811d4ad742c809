"""Every page of the admin site, as an account admin: each renders and shows no secret; what the dashboard
records by itself, and what only a service may change, cannot be added, changed or deleted there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from encodings_app.models import (
    AccountConnection,
    ApiToken,
    AuditEvent,
    DisplayToken,
    Incident,
    Membership,
    Organization,
    PendingRefresh,
    Role,
    SyncRun,
    WebhookDelivery,
)
from encodings_app.services.alerts import alerts_evaluate
from encodings_app.services.api_tokens import api_token_create
from encodings_app.services.display_links import display_link_create
from tests.factories import (
    PASSWORD,
    TEST_API_KEY,
    failed_encodings,
    make_delivery,
    make_member,
    make_organization,
    make_sync_run,
    make_user,
)
from tests.support.listener import Listener
from tests.views.admin.conftest import secrets_in
from tests.views.test_organization_settings import NEW_KEY, form_data

pytestmark = pytest.mark.django_db

READ_ONLY = [
    Organization,
    AccountConnection,
    ApiToken,
    DisplayToken,
    SyncRun,
    WebhookDelivery,
    PendingRefresh,
    AuditEvent,
    Incident,
]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_changelist_and_change_page_renders_without_a_secret(admin_client, everything):
    assert all(everything.secrets.values())
    visited = []
    for model, model_admin in admin.site._registry.items():
        urls = [admin_url(model, "changelist")]
        if model_admin.search_fields:
            urls.append(admin_url(model, "changelist") + "?q=a")
        first = model.objects.order_by("pk").first()
        if model._meta.app_label == "encodings_app":
            assert first is not None, f"no {model.__name__} to look at"
        if first is not None:
            urls.append(admin_url(model, "change", first.pk))
        for url in urls:
            response = admin_client.get(url)
            assert response.status_code == 200, url
            assert secrets_in(response.content.decode(), everything.secrets) == [], url
            visited.append(url)
    index = admin_client.get("/admin/")
    assert index.status_code == 200
    assert secrets_in(index.content.decode(), everything.secrets) == []
    for model in READ_ONLY:
        assert admin_url(model, "changelist") in visited


def test_the_filters_of_the_lists_work(admin_client, everything):
    for url in (
        admin_url(ApiToken, "changelist") + "?state=active",
        admin_url(DisplayToken, "changelist") + "?state=revoked",
        admin_url(SyncRun, "changelist") + "?outcome__exact=ok",
        admin_url(WebhookDelivery, "changelist") + "?verdict__exact=valid",
        admin_url(AuditEvent, "changelist") + "?action__exact=member.role",
        admin_url(Organization, "changelist") + "?key_rejected__exact=0",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "errornote" not in response.content.decode(), url
    active = admin_client.get(admin_url(ApiToken, "changelist") + "?state=active").content.decode()
    revoked = admin_client.get(admin_url(ApiToken, "changelist") + "?state=revoked").content.decode()
    assert "nightly report" in active and "nightly report" not in revoked


def test_an_organization_shows_its_key_masked_and_leads_to_its_settings_page(admin_client, world, everything):
    html = admin_client.get(admin_url(Organization, "change", world.acme.pk)).content.decode()
    assert world.acme.connection.masked_api_key in html
    assert "set (never shown)" in html
    assert 'href="/o/acme/settings/"' in html
    listed = admin_client.get(admin_url(Organization, "changelist")).content.decode()
    assert world.acme.connection.masked_api_key in listed


def test_a_connection_shows_its_key_masked_and_the_organizations_it_reaches(admin_client, world, everything):
    connection = world.acme.connection
    make_organization("initech", name="Initech", connection=connection)
    html = admin_client.get(admin_url(AccountConnection, "change", connection.pk)).content.decode()
    assert connection.masked_api_key in html
    assert "Acme Media, Initech" in html
    assert connection.api_key_encrypted not in html and "api_key_encrypted" not in html
    listed = admin_client.get(admin_url(AccountConnection, "changelist")).content.decode()
    assert connection.masked_api_key in listed and connection.api_key_encrypted not in listed


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_nothing_is_changed_or_deleted_where_the_admin_is_read_only(model, admin_client, everything):
    row = model.objects.order_by("pk").first()
    count = model.objects.count()
    page = admin_client.get(admin_url(model, "change", row.pk)).content.decode()
    assert 'name="_save"' not in page
    assert 'value="delete_selected"' not in admin_client.get(admin_url(model, "changelist")).content.decode()

    changed = admin_client.post(admin_url(model, "change", row.pk), {"name": "Changed", "label": "Changed"})
    deleted = admin_client.post(admin_url(model, "delete", row.pk), {"post": "yes"})

    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert model.objects.count() == count
    assert str(model.objects.get(pk=row.pk)) == str(row)
    if model is not Organization:  # see the next test
        assert admin_client.get(admin_url(model, "add")).status_code == 403


def test_adding_an_organization_in_the_admin_leads_to_the_page_that_checks_its_key(admin_client, root):
    asked = admin_client.get(admin_url(Organization, "add"))
    posted = admin_client.post(
        admin_url(Organization, "add"),
        {"name": "Elsewhere", "slug": "elsewhere", "api_base_url": "https://api.example.org/v1"},
    )
    assert asked.status_code == 302 and asked["Location"] == "/organizations/new/"
    assert posted.status_code == 302 and posted["Location"] == "/organizations/new/"
    assert not Organization.objects.filter(slug="elsewhere").exists()
    staff = make_user("sam", is_staff=True)
    staff.user_permissions.add(*_permissions("add_organization", "view_organization"))
    client = Client()
    client.force_login(staff)
    assert client.get(admin_url(Organization, "add")).status_code == 403


def test_a_key_replaced_in_the_admin_is_refused_and_its_settings_page_keeps_the_allow_list(
    admin_client, world, settings
):
    """The admin does not take a key at all; the page it links to refuses a destination off the allow-list,
    and nothing, not even a connection, reaches it."""
    settings.BITMOVIN_ALLOW_LOOPBACK = False
    change_url = admin_url(Organization, "change", world.acme.pk)
    with Listener() as listener:
        elsewhere = listener.url + "/v1"
        in_admin = admin_client.post(
            change_url, {**form_data(world.acme, api_base_url=elsewhere, api_key=NEW_KEY), "slug": "acme"}
        )
        settings_url = "/o/acme/settings/"
        assert f'href="{settings_url}"' in admin_client.get(change_url).content.decode()
        on_page = admin_client.post(
            settings_url, form_data(world.acme, api_base_url=elsewhere, api_key=NEW_KEY)
        )

        assert in_admin.status_code == 403
        assert on_page.status_code == 400
        assert "may only send API keys to https://api.bitmovin.com/v1" in on_page.content.decode()
        assert listener.connections == 0
    world.acme.refresh_from_db()
    assert world.acme.connection.api_base_url == "https://api.bitmovin.com/v1"
    assert world.acme.connection.decrypt_api_key() == TEST_API_KEY
    assert not AuditEvent.objects.filter(outcome=AuditEvent.Outcome.OK).exists()


def test_people_who_are_not_staff_never_reach_the_admin(world, login, everything):
    membership = world.acme.memberships.get(user=world.admin)
    for user in (world.admin, world.viewer):
        client = login(user)
        for url in ("/admin/", admin_url(Organization, "changelist"), admin_url(AuditEvent, "changelist")):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
        deleted = client.post(
            reverse("admin:encodings_app_membership_delete", args=[membership.pk]), {"post": "yes"}
        )
        assert deleted.status_code == 302 and deleted["Location"].startswith("/admin/login/")
    assert world.acme.memberships.filter(pk=membership.pk).exists()


def test_the_admin_login_turns_away_someone_who_is_not_staff(world):
    client = Client()
    response = client.post("/admin/login/", {"username": world.admin.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account." in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_staff_without_permissions_see_no_organization(world):
    staff = make_user("sam", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get(admin_url(Organization, "changelist")).status_code == 403
    assert client.get(admin_url(AuditEvent, "changelist")).status_code == 403


def _permissions(*codenames: str):
    return Permission.objects.filter(content_type__app_label="encodings_app", codename__in=codenames)


def test_the_lists_cost_the_same_queries_for_a_few_rows_and_for_many(admin_client, world, everything):
    """No query per row: each list reads its related rows (users, organizations) with it."""
    lists = [
        admin_url(model, "changelist")
        for model in (
            Membership,
            ApiToken,
            DisplayToken,
            SyncRun,
            WebhookDelivery,
            AuditEvent,
            Organization,
            Incident,
        )
    ]

    def queries() -> dict[str, int]:
        counts = {}
        for url in lists:
            with CaptureQueriesContext(connection) as captured:
                assert admin_client.get(url).status_code == 200
            counts[url] = len(captured)
        return counts

    few = queries()
    for number in range(12):
        organization = make_organization(f"more-{number}")
        member = make_member(organization, Role.ADMIN)
        api_token_create(user=member, name=f"token {number}")
        display_link_create(label=f"Room {number}", organizations=[organization], created_by=member)
        make_sync_run(organization)
        make_delivery(organization, event_type="ENCODING_FINISHED")
        failed_encodings(organization, 1, code=2016)
        alerts_evaluate(organization=organization)
    assert queries() == few
