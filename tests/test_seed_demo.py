import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_an_account_admin_and_is_idempotent(capsys):
    call_command("seed_demo", "--password", "pw-one")
    call_command("seed_demo", "--password", "pw-two")
    users = get_user_model().objects.filter(username="admin")
    assert users.count() == 1
    admin = users.get()
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("pw-two")
    assert "admin / pw-two" in capsys.readouterr().out
