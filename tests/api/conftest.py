import pytest

from tests.api.helpers import ApiCaller, token_for


@pytest.fixture
def api_for():
    """An API caller for the given user, with a personal token of its own, as a script would call."""

    def as_user(user) -> ApiCaller:
        return ApiCaller(token_for(user))

    return as_user


def pytest_terminal_summary(terminalreporter):
    from tests.api import fuzz_summary

    for line in fuzz_summary.lines():
        terminalreporter.write_line(line)
