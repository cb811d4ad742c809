import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from devtools.management.commands.seed_demo import receiver_channels, receiver_secrets
from encodings_app.models import AccountConnection, AlertChannel, Membership, Organization, Role
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
    (connection,) = AccountConnection.objects.all()
    assert set(organizations.values_list("connection", flat=True)) == {connection.pk}, "one key, stored once"
    assert connection.api_base_url == simulator.base_url
    assert connection.decrypt_api_key() == "demo-key-for-tests"

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


def test_seed_demo_gives_each_organization_one_receiver_channel_kept_across_runs(simulator, settings):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    arguments = ["--api-url", simulator.base_url, "--api-key", "demo-key-for-tests"]
    receiver = "http://127.0.0.1:8790/"
    call_command("seed_demo", *arguments, "--alert-receiver", receiver)
    first = {channel.organization_id: channel.decrypt_signing_secret() for channel in receiver_channels()}
    call_command("seed_demo", *arguments, "--alert-receiver", receiver)

    channels = list(receiver_channels())
    assert sorted(channel.organization_id for channel in channels) == sorted(
        Organization.objects.values_list("pk", flat=True)
    )
    assert AlertChannel.objects.count() == len(channels), "one channel per organization, after two runs"
    assert all(channel.decrypt_target() == receiver and channel.enabled for channel in channels)
    assert {channel.organization_id: channel.decrypt_signing_secret() for channel in channels} == first
    assert sorted(receiver_secrets()) == sorted(first.values())
    assert all(secret not in channel.target_hint for channel in channels for secret in first.values())


def test_seed_demo_moves_the_receiver_channels_to_a_new_port_with_new_secrets(simulator, settings):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = True
    arguments = ["--api-url", simulator.base_url, "--api-key", "demo-key-for-tests"]
    call_command("seed_demo", *arguments, "--alert-receiver", "http://127.0.0.1:8790/")
    before = set(receiver_secrets())
    call_command("seed_demo", *arguments, "--alert-receiver", "http://127.0.0.1:8791/")

    assert {channel.decrypt_target() for channel in receiver_channels()} == {"http://127.0.0.1:8791/"}
    assert AlertChannel.objects.count() == Organization.objects.count()
    assert not before & set(receiver_secrets())


def test_seed_demo_refuses_a_local_receiver_where_loopback_channels_are_not_allowed(simulator, settings):
    settings.ALERT_CHANNELS_ALLOW_LOOPBACK = False
    arguments = ["--api-url", simulator.base_url, "--api-key", "demo-key-for-tests"]
    with pytest.raises(CommandError, match=r"--alert-receiver: .*127\.0\.0\.1"):
        call_command("seed_demo", *arguments, "--alert-receiver", "http://127.0.0.1:8790/")
    assert not AlertChannel.objects.exists()


def test_seed_demo_leaves_every_organizations_usage_read(simulator, capsys):
    from encodings_app.models import UsageDay, UsageSync

    call_command("seed_demo", "--api-url", simulator.base_url, "--api-key", "demo-key-for-tests")

    organizations = Organization.objects.all()
    synced = UsageSync.objects.filter(synced_at__isnull=False).values_list("organization_id", flat=True)
    assert set(synced) == set(organizations.values_list("pk", flat=True))
    assert UsageDay.objects.filter(encoded_seconds__gt=0).exists()
    assert f"Usage read for {organizations.count()} organizations" in capsys.readouterr().out
