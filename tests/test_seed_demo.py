import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from encodings_app.models import Membership, Organization, Role
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def simulator():
    with RunningSimulator(encodings=20, seed=4, api_key="demo-key-for-tests") as running:
        yield running


def test_seed_demo_creates_logins_and_an_organization_per_tenant_idempotently(simulator, capsys):
    arguments = ["--api-url", simulator.base_url, "--api-key", "demo-key-for-tests"]
    call_command("seed_demo", *arguments, "--password", "pw-one")
    call_command("seed_demo", *arguments, "--password", "pw-two")

    tenants = [org for account in simulator.accounts()["accounts"] for org in account["organizations"]]
    organizations = Organization.objects.all()
    assert sorted(organizations.values_list("tenant_org_id", flat=True)) == sorted(t["id"] for t in tenants)
    assert all(org.api_base_url == simulator.base_url for org in organizations)
    assert all(org.decrypt_api_key() == "demo-key-for-tests" for org in organizations)

    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.check_password("pw-two")
    operator, viewer = users.get(username="operator"), users.get(username="viewer")
    assert not operator.is_superuser
    assert list(Membership.objects.filter(user=operator).values_list("role", flat=True)) == [Role.OPERATOR]
    assert list(Membership.objects.filter(user=viewer).values_list("role", flat=True)) == [Role.VIEWER]
    assert (
        Membership.objects.get(user=operator).organization != Membership.objects.get(user=viewer).organization
    )
    out = capsys.readouterr().out
    assert "admin / pw-two" in out and "operator / pw-two" in out and "viewer / pw-two" in out


def test_seed_demo_says_clearly_when_the_api_is_unreachable():
    with pytest.raises(CommandError, match="cannot read the demo tenants"):
        call_command("seed_demo", "--api-url", "http://127.0.0.1:9/v1", "--api-key", "k")
