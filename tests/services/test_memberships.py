"""The last-admin rule holds under concurrency: two admins demoting themselves at once leave one admin.

Run on PostgreSQL (DATABASE_URL=postgres://...) this is the real race; on SQLite the same test passes
because SQLite serializes writing transactions.
"""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest
from django.db import connection

from encodings_app.models import Membership, Role
from encodings_app.services import memberships
from encodings_app.services.memberships import LastAdminError, membership_remove, membership_set
from tests.factories import make_member, make_organization, make_user

ROUNDS = 20


def active_admins(organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.ADMIN, user__is_active=True).count()


def at_once(*calls) -> list[str]:
    """Run the calls in threads released together; each ends "ok" or "refused"."""
    start = threading.Barrier(len(calls))
    results: list[str] = []

    def run(call) -> None:
        try:
            start.wait()
            call()
            results.append("ok")
        except LastAdminError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the window between counting the admins and writing the change, so that without the lock both
    demotions would pass the count every time, not only by bad luck."""
    original = memberships._keep_an_admin

    def counted_then_wait(*args, **kwargs):
        original(*args, **kwargs)
        time.sleep(0.05)

    monkeypatch.setattr(memberships, "_keep_an_admin", counted_then_wait)


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_themselves_at_once_leave_exactly_one_admin(slow_check):
    for round_number in range(ROUNDS):
        organization = make_organization()
        first = make_member(organization, Role.ADMIN)
        second = make_member(organization, Role.ADMIN)

        results = at_once(
            partial(membership_set, organization=organization, user=first, role=Role.VIEWER, actor=first),
            partial(membership_set, organization=organization, user=second, role=Role.VIEWER, actor=second),
        )

        assert sorted(results) == ["ok", "refused"], f"round {round_number}: {results}"
        assert active_admins(organization) == 1, f"round {round_number}"


@pytest.mark.django_db(transaction=True)
def test_a_demotion_and_a_removal_at_once_leave_exactly_one_admin(slow_check):
    for round_number in range(ROUNDS // 2):
        organization = make_organization()
        first = make_member(organization, Role.ADMIN)
        second = make_member(organization, Role.ADMIN)

        results = at_once(
            partial(membership_set, organization=organization, user=first, role=Role.OPERATOR, actor=first),
            partial(membership_remove, organization=organization, user=second, actor=second),
        )

        assert sorted(results) == ["ok", "refused"], f"round {round_number}: {results}"
        assert active_admins(organization) == 1, f"round {round_number}"


@pytest.mark.django_db
def test_a_deactivated_admin_does_not_count_as_the_remaining_admin():
    organization = make_organization()
    active = make_member(organization, Role.ADMIN)
    make_member(organization, Role.ADMIN, user=make_user(is_active=False))

    with pytest.raises(LastAdminError, match="at least one active admin"):
        membership_set(organization=organization, user=active, role=Role.VIEWER, actor=active)
    with pytest.raises(LastAdminError):
        membership_remove(organization=organization, user=active, actor=active)
    assert Membership.objects.get(organization=organization, user=active).role == Role.ADMIN


@pytest.mark.django_db
def test_a_deactivated_admin_can_be_removed_while_an_active_one_remains():
    organization = make_organization()
    active = make_member(organization, Role.ADMIN)
    gone = make_member(organization, Role.ADMIN, user=make_user(is_active=False))
    membership_remove(organization=organization, user=gone, actor=active)
    assert active_admins(organization) == 1
    assert not Membership.objects.filter(organization=organization, user=gone).exists()


@pytest.mark.django_db
def test_a_superuser_is_not_the_organizations_admin_unless_a_member():
    organization = make_organization()
    only_admin = make_member(organization, Role.ADMIN)
    root = make_user(is_superuser=True, is_staff=True)

    with pytest.raises(LastAdminError):
        membership_set(organization=organization, user=only_admin, role=Role.VIEWER, actor=root)

    membership_set(organization=organization, user=root, role=Role.ADMIN, actor=root)
    change = membership_set(organization=organization, user=only_admin, role=Role.VIEWER, actor=root)
    assert change.previous_role == Role.ADMIN and change.role == Role.VIEWER
    assert active_admins(organization) == 1
