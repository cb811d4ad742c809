import pytest

from encodings_app.models import Role
from tests.api.helpers import ApiCaller, token_for
from tests.factories import make_member, make_organization, make_user


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The real hasher is slow on purpose; these tests make many users and never test hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class People:
    def __init__(self) -> None:
        self.acme = make_organization("acme", name="Acme Media")
        self.globex = make_organization("globex", name="Globex Broadcasting")
        self.admin = make_member(self.acme, Role.ADMIN, user=make_user("ada"))
        self.operator = make_member(self.acme, Role.OPERATOR, user=make_user("otto"))
        self.viewer = make_member(self.acme, Role.VIEWER, user=make_user("vera"))
        self.outsider = make_member(self.globex, Role.ADMIN, user=make_user("gus"))

    def api(self, user) -> ApiCaller:
        return ApiCaller(token_for(user))


@pytest.fixture
def people(db) -> People:
    return People()


def pytest_terminal_summary(terminalreporter):
    from tests.api import fuzz_summary

    for line in fuzz_summary.lines():
        terminalreporter.write_line(line)
