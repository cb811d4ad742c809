"""The all-organizations page narrowed to one Bitmovin account (?account=<its public id>): only that
account's organizations, a way back to all of them, a link per account the user sees, and plain words for
an account in the address that cannot be used."""

from __future__ import annotations

import re

import pytest

from encodings_app.models import Role
from tests.factories import make_member, make_organization, make_user
from tests.support.accounts_fleet import make_accounts_fleet

pytestmark = pytest.mark.django_db


def main_of(page: str) -> str:
    return page.split('<main id="main"')[1].split("</main>")[0]


def card_names(page: str) -> list[str]:
    return re.findall(r'<h2 class="org-card-title">.*?>([^<]+)</a></h2>', main_of(page))


def account_links(page: str) -> list[tuple[str, str, bool]]:
    """(href, account name, current) for each link of the account choice."""
    nav = main_of(page).split('<nav class="account-narrowing"')[1].split("</nav>")[0]
    return [
        (href.replace("&amp;", "&"), name.strip(), bool(current))
        for href, current, name in re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)', nav)
    ]


@pytest.fixture
def fleet():
    return make_accounts_fleet()


@pytest.fixture
def superuser():
    return make_user("root", is_superuser=True)


def test_the_page_narrowed_to_an_account_shows_only_its_organizations_and_the_way_back(
    fleet, superuser, login
):
    mondo = fleet["Mondo account"]

    response = login(superuser).get(f"/?account={mondo.public_id}")

    assert response.status_code == 200
    page = response.content.decode()
    assert sorted(card_names(page)) == ["Mondo", "Mondo East", "Mondo Lab", "Mondo West"]
    assert "<h1>Organizations of Mondo account</h1>" in page
    assert "<title>Organizations of Mondo account" in page
    assert '<a href="/">All organizations</a>' in main_of(page)
    assert f'hx-get="/?account={mondo.public_id}"' in page, "the poll keeps the account"
    assert "Some of the address could not be used" not in page


def test_its_poll_answers_with_the_same_account_only(fleet, superuser, login):
    acme = fleet["Acme account"]

    fragment = login(superuser).get(f"/?account={acme.public_id}", headers={"HX-Request": "true"})

    body = fragment.content.decode()
    assert "<html" not in body and 'id="all-live"' in body
    assert sorted(re.findall(r'<h2 class="org-card-title">.*?>([^<]+)</a></h2>', body)) == [
        "Acme Archive",
        "Acme HQ",
        "Acme Live",
        "Acme Studios",
    ]
    assert f'hx-get="/?account={acme.public_id}"' in body


def test_each_account_the_user_sees_is_offered_as_a_link_with_the_chosen_one_current(fleet, superuser, login):
    client = login(superuser)
    expected = [
        ("/", "All accounts"),
        *(
            (f"/?account={fleet[name].public_id}", name)
            for name in ("Acme account", "Mondo account", "Zephyr Broadcast")
        ),
    ]

    links = account_links(client.get("/").content.decode())
    assert [(href, name) for href, name, _current in links] == expected
    assert [current for _href, _name, current in links] == [True, False, False, False]

    links = account_links(client.get(f"/?account={fleet['Zephyr Broadcast'].public_id}").content.decode())
    assert [current for _href, _name, current in links] == [False, False, False, True]


def test_no_account_links_with_a_single_account(fleet, login):
    user = make_user("member")
    make_member(fleet["Acme HQ"], Role.VIEWER, user=user)
    make_member(fleet["Acme Live"], Role.VIEWER, user=user)
    make_organization("keyless", name="Keyless", api_key=None)

    page = login(user).get("/").content.decode()

    assert sorted(card_names(page)) == ["Acme HQ", "Acme Live"]
    assert "account-narrowing" not in page


NOT_YOURS = "You see no organization of the Bitmovin account in the address"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("not-an-id", "“not-an-id” is not the id of a Bitmovin account; showing every organization."),
        # A fixed id that no account has: the same test on every worker.
        (
            "00000000-0000-4000-8000-000000000000",
            "You see no organization of the Bitmovin account in the address",
        ),
        ("elsewhere", "You see no organization of the Bitmovin account in the address"),
    ],
    ids=["malformed", "unknown", "another-account"],
)
def test_an_account_that_cannot_be_used_is_said_in_plain_words_and_all_are_shown(fleet, login, value, words):
    user = make_user("member")
    for name in ("Acme HQ", "Mondo"):
        make_member(fleet[name], Role.VIEWER, user=user)
    if value == "elsewhere":
        # An account that exists, of which this user sees nothing: answered as one that does not.
        value = str(fleet["Zephyr Broadcast"].public_id)

    response = login(user).get(f"/?account={value}")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some of the address could not be used" in page and words in page
    assert "Zephyr" not in main_of(page)
    assert sorted(card_names(page)) == ["Acme HQ", "Mondo"]
    assert 'hx-get="/"' in page, "the poll does not ask for it again"
    assert "<h1>All organizations</h1>" in page
