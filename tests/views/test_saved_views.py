"""Saved views of the encodings list: a user saves the list as shown under a name (admins may share it with
the organization), picks it from the list page, and may make one their default, which the list opened
without parameters shows."""

from __future__ import annotations

import pytest

from encodings_app.models import AuditEvent, DefaultView, Role, SavedView
from encodings_app.services.list_preferences import list_preference_set
from encodings_app.services.saved_views import saved_view_default_set, saved_view_save
from tests.factories import make_encoding, make_member

pytestmark = pytest.mark.django_db

LIST = "/o/acme/encodings/"
SAVE = "/o/acme/saved-views/"
FAILED_BY_NAME = "status=ERROR&sort=name"


def save(client, name: str, back: str = FAILED_BY_NAME, shared: bool = False, slug: str = "acme"):
    data = {"saved-name": name, "back": back}
    if shared:
        data["saved-shared"] = "on"
    return client.post(f"/o/{slug}/saved-views/", data)


def a_view(organization, owner, name="Failures", *, shared=False, query=FAILED_BY_NAME, columns=("labels",)):
    return saved_view_save(
        organization=organization, user=owner, name=name, query=query, columns=columns, shared=shared
    )


def picker_names(response) -> list[str]:
    return [choice.view.name for choice in response.context["saved_views"]]


def test_saving_keeps_the_filters_sort_and_columns_shown_and_opens_the_view(world, login):
    list_preference_set(user=world.operator, columns=["labels", "created"], page_size=50)
    client = login(world.operator)
    response = save(client, "  Failures by name ", back="status=ERROR&sort=name&page=3&bogus=1")
    view = SavedView.objects.get()
    assert (view.name, view.shared, view.owner, view.query) == (
        "Failures by name",
        False,
        world.operator,
        "status=ERROR&sort=name",
    )
    assert view.columns == ["created", "labels"]
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=ERROR&sort=name&columns=created%2Clabels"
    page = client.get(response["Location"])
    assert page.context["current_view"].view == view
    assert page.context["columns"] == ["created", "labels"]
    assert 'Views: <span class="saved-views-current">Failures by name</span>' in page.content.decode()


def test_a_personal_view_is_its_owners_only_and_a_shared_one_every_members(world, login):
    a_view(world.acme, world.operator, "Mine")
    a_view(world.acme, world.admin, "Team failures", shared=True)
    a_view(world.globex, world.outsider, "Globex's", shared=True)
    assert picker_names(login(world.operator).get(LIST)) == ["Mine", "Team failures"]
    assert picker_names(login(world.viewer).get(LIST)) == ["Team failures"]
    page = login(world.viewer).get(LIST).content.decode()
    assert "shared" in page and "Mine" not in page


def test_only_admins_share_a_view_and_sharing_is_audited(world, login):
    response = save(login(world.viewer), "Team", shared=True)
    assert response.status_code == 403
    response = save(login(world.operator), "Team", shared=True)
    assert response.status_code == 403
    assert not SavedView.objects.exists()
    # The sharing box is offered to admins only.
    assert 'name="saved-shared"' not in login(world.operator).get(LIST).content.decode()
    assert 'name="saved-shared"' in login(world.admin).get(LIST).content.decode()

    assert save(login(world.admin), "Team", shared=True).status_code == 302
    assert SavedView.objects.get().shared
    event = AuditEvent.objects.get(action=AuditEvent.Action.SAVED_VIEW_SHARE)
    assert (event.user, event.organization, event.target) == (world.admin, world.acme, "Team")
    # A personal view is not audited.
    save(login(world.viewer), "Mine")
    assert AuditEvent.objects.filter(action__startswith="saved_view").count() == 1


def test_an_account_admin_may_share_views(world, login):
    from tests.factories import make_account_admin

    account_admin = make_account_admin(world.acme.connection)
    assert save(login(account_admin), "Account-wide", shared=True).status_code == 302
    assert SavedView.objects.get().shared


def test_deleting_a_shared_view_is_for_admins_and_audited(world, login):
    view = a_view(world.acme, world.admin, "Team", shared=True)
    url = f"/o/acme/saved-views/{view.pk}/delete/"
    assert login(world.viewer).post(url).status_code == 403
    assert login(world.operator).post(url).status_code == 403
    assert SavedView.objects.exists()
    response = login(world.admin).post(url, {"back": "status=ERROR"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=ERROR"
    assert not SavedView.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SAVED_VIEW_DELETE, target="Team").exists()


def test_a_personal_view_is_deleted_by_its_owner_and_is_a_404_to_everyone_else(world, login):
    view = a_view(world.acme, world.operator, "Mine")
    url = f"/o/acme/saved-views/{view.pk}/delete/"
    # Another member (even an admin) cannot know of it; another organization's user cannot either.
    assert login(world.admin).post(url).status_code == 404
    assert login(world.viewer).post(url).status_code == 404
    assert login(world.outsider).post(url).status_code == 404
    assert login(world.admin).post(f"/o/acme/saved-views/{view.pk}/default/").status_code == 404
    assert login(world.operator).post(url).status_code == 302
    assert not SavedView.objects.exists()


def test_another_organizations_view_id_is_a_404(world, login):
    theirs = a_view(world.globex, world.outsider, "Globex team", shared=True)
    both = make_member(world.globex, Role.ADMIN, user=world.admin)
    assert both == world.admin
    # Even for a member of both, through the other organization's address.
    for action in ("delete", "default"):
        assert login(world.admin).post(f"/o/acme/saved-views/{theirs.pk}/{action}/").status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()
    assert not DefaultView.objects.exists()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Give the view a name"),
        ("   ", "Give the view a name"),
        ("x" * 61, "at most 60 characters"),
        ("bad\x07name", "no control characters"),
        ("failures", "is already the name of one of your views"),  # in any case
    ],
)
def test_a_refused_name_shows_the_list_again_with_the_error_and_nothing_lost(world, login, name, error):
    a_view(world.acme, world.operator, "Failures")
    response = save(login(world.operator), name, back="status=RUNNING&sort=-started")
    assert response.status_code == 400
    assert error in " ".join(response.context["saved_form"].errors["name"])
    assert response.context["views_open"]
    # The list as it was, and the name as typed.
    assert response.context["filters"].statuses == ["RUNNING"]
    assert response.context["back"] == "status=RUNNING&sort=-started"
    if name.strip() and "\x07" not in name:
        assert f'value="{name[:61]}"' in response.content.decode()
    assert SavedView.objects.count() == 1


def test_a_shared_name_is_unique_in_the_organization_and_a_personal_one_per_owner(world, login):
    a_view(world.acme, world.admin, "Team", shared=True)
    response = save(login(world.admin), "TEAM", shared=True)
    assert response.status_code == 400
    assert "a shared view of this organization" in response.content.decode()
    # The same name as a shared view, or as another member's own view, is fine.
    assert save(login(world.operator), "Team").status_code == 302
    assert save(login(world.viewer), "Team").status_code == 302
    assert save(login(world.admin), "Team").status_code == 302
    assert SavedView.objects.filter(name="Team").count() == 4


def test_the_default_view_opens_when_the_list_is_opened_bare(world, login):
    view = a_view(world.acme, world.operator, "Failures")
    client = login(world.operator)
    response = client.post(f"/o/acme/saved-views/{view.pk}/default/")
    assert response.status_code == 302
    bare = client.get(LIST)
    assert bare.status_code == 302
    assert bare["Location"] == f"{LIST}?status=ERROR&sort=name&columns=labels"
    page = client.get(bare["Location"])
    assert page.context["default_view"].view == view
    # Any parameter is a list of its own; a poll never moves; the whole list is a link away.
    assert client.get(f"{LIST}?status=RUNNING").status_code == 200
    assert client.get(LIST, headers={"HX-Request": "true"}).status_code == 200
    assert page.context["all_url"] == f"{LIST}?sort=-created"
    assert client.get(page.context["all_url"]).status_code == 200
    # Other members, and the user in another organization, are not affected.
    assert login(world.viewer).get(LIST).status_code == 200


def test_the_default_is_per_organization_and_can_be_cleared(world, login):
    make_member(world.globex, Role.VIEWER, user=world.operator)
    saved_view_default_set(
        user=world.operator, organization=world.acme, view=a_view(world.acme, world.operator)
    )
    client = login(world.operator)
    assert client.get("/o/globex/encodings/").status_code == 200
    cleared = client.post("/o/acme/saved-views/default/clear/")
    assert cleared.status_code == 302
    assert cleared["Location"] == f"{LIST}?sort=-created"
    assert client.get(LIST).status_code == 200
    assert not DefaultView.objects.exists()


def test_deleting_the_default_view_opens_the_whole_list_again(world, login):
    view = a_view(world.acme, world.operator)
    saved_view_default_set(user=world.operator, organization=world.acme, view=view)
    client = login(world.operator)
    client.post(f"/o/acme/saved-views/{view.pk}/delete/")
    assert client.get(LIST).status_code == 200


def test_columns_in_the_address_override_the_users_own_and_stay_in_every_link(world, login):
    make_encoding(world.acme, name="One", status="ERROR")
    list_preference_set(user=world.viewer, columns=["started"], page_size=50)
    client = login(world.viewer)
    response = client.get(LIST, {"columns": "region,labels", "status": "ERROR"})
    assert response.context["columns"] == ["labels", "region"]
    page = response.content.decode()
    assert '<input type="hidden" name="columns" value="labels,region">' in page
    assert "columns=labels%2Cregion" in response.context["poll_url"]
    assert all("columns=labels%2Cregion" in h["href"] for h in response.context["headers"] if h["href"])
    none = client.get(LIST, {"columns": "none"})
    assert none.context["columns"] == []


def test_an_unknown_column_in_the_address_is_named_in_a_note_and_ignored(world, login):
    list_preference_set(user=world.viewer, columns=["started"], page_size=50)
    response = login(world.viewer).get(LIST, {"columns": "labels,secret"})
    assert response.status_code == 200
    assert response.context["columns"] == ["started"]
    assert any("“secret” is not a column of the list" in note for note in response.context["notes"])
    assert "columns=" not in response.context["poll_url"]


def test_saving_my_columns_drops_the_columns_of_the_address(world, login):
    response = login(world.viewer).post(
        "/o/acme/list-view/", {"view-columns": ["labels"], "view-per_page": "50", "back": "columns=region"}
    )
    assert "columns" not in response["Location"]


def test_the_list_costs_the_same_queries_with_many_saved_views(world, login, django_assert_num_queries):
    client = login(world.operator)
    client.get(LIST)  # warm: the session's first write
    from tests.views.test_query_counts import LIST as LIST_QUERIES

    with django_assert_num_queries(LIST_QUERIES):
        client.get(LIST)
    for number in range(12):
        a_view(world.acme, world.operator, f"Mine {number}")
        a_view(world.acme, world.admin, f"Team {number}", shared=True)
    saved_view_default_set(user=world.operator, organization=world.acme, view=SavedView.objects.first())
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(f"{LIST}?sort=name")
    assert len(response.context["saved_views"]) == 24
