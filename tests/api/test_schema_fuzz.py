"""Schemathesis against the live schema, in-process through the WSGI app: every operation, with an admin's
token on an organization that has data, checked for server errors and for answers the schema does not
describe. Derandomized, with a bounded number of examples per operation, so a run is repeatable and short.

The actions reach no real Bitmovin: the organization's API base URL is a closed port on 127.0.0.1, so an
action on a real encoding answers the documented 502 envelope, the one 5xx allowed (and only for them).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import dashboard
import encodings_app
import simulator
from dashboard.wsgi import application
from encodings_app.models import Role
from encodings_app.services import clients
from tests.api import fuzz_summary
from tests.api.helpers import token_for
from tests.factories import (
    failed_encoding,
    labelled_encoding,
    make_encoding,
    make_member,
    make_message,
    make_organization,
    make_user,
)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]


def only_bitmovins_failures_are_5xx(ctx, response, case) -> None:
    """not_a_server_error for the actions: their one 5xx is the documented 502 or 504 saying that Bitmovin
    (here a closed port) failed, in the envelope; any other 5xx is the API's own fault."""
    if response.status_code < 500:
        return
    body = response.json()
    upstream = response.status_code in (502, 504) and body["status"] == "ERROR"
    if not (upstream and "Bitmovin" in body["data"]["developerMessage"]):
        raise AssertionError(f"server error {response.status_code}: {response.text[:300]}")


ACTION_CHECKS = [only_bitmovins_failures_are_5xx, *CHECKS[1:]]
POSITIVE_EXAMPLES = 30
NEGATIVE_EXAMPLES = 12
UNREACHABLE_API = "http://127.0.0.1:9/v1"


@pytest.fixture
def in_process_requests():
    """Like Django's test client: requests share the test's database connection (and its transaction),
    which the WSGI handler would otherwise close at the end of every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def every_project_module_imported():
    """Hypothesis mixes constants from the project's loaded modules into its examples, so derandomized
    runs would differ with the tests that ran before. With every module loaded, they do not."""
    for package in (dashboard, encodings_app, simulator):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


@pytest.fixture
def fuzzed_world(db, monkeypatch, in_process_requests, every_project_module_imported):
    # A refused connection fails at once; a small budget keeps the client's retries from adding up.
    monkeypatch.setattr(clients, "INTERACTIVE_RETRY_BUDGET_S", 0.05)
    acme = make_organization("acme", name="Acme Media", api_base_url=UNREACHABLE_API)
    globex = make_organization("globex", name="Globex", api_base_url=UNREACHABLE_API)
    admin = make_member(acme, Role.ADMIN, user=make_user("ada"))
    now = timezone.now()
    # Fixed ids: the derandomized examples depend on the strategies, and so on the ids in them.
    encodings = [
        labelled_encoding(
            acme,
            ["news", "customer1"],
            bitmovin_id="fuzz-running",
            name="Evening news",
            status="RUNNING",
            progress=40,
            eta_seconds=120.0,
            running_at=now - timedelta(minutes=5),
            subtasks=[{"name": "muxing", "status": "RUNNING", "progress": 40}],
        ),
        labelled_encoding(
            acme,
            ["sport"],
            bitmovin_id="fuzz-queued",
            name="Match of the day",
            status="QUEUED",
            type="LIVE",
            progress=0,
            queued_at=now - timedelta(hours=1),
        ),
        failed_encoding(acme, 2100, bitmovin_id="fuzz-failed", name="Broken trailer"),
        failed_encoding(
            acme,
            None,
            bitmovin_id="fuzz-transfer-error",
            name="Unexplained",
            error_category="",
            error_text="",
            status="TRANSFER_ERROR",
        ),
        make_encoding(
            acme,
            bitmovin_id="fuzz-created",
            name="Not started",
            status="CREATED",
            progress=None,
            custom_data={"team": "promo"},
        ),
    ]
    for number, kind in enumerate(("INFO", "WARNING", "DEBUG")):
        make_message(encodings[0], bitmovin_id=f"fuzz-message-{number}", type=kind, more={"step": number})
    make_encoding(globex, bitmovin_id="globex-only", name="Another organization's")
    return {"token": token_for(admin), "ids": [e.bitmovin_id for e in encodings] + ["globex-only"]}


def _strategy(operation, generation_mode, ids):
    """Most cases on real data (slug acme, the known encoding ids), the rest on generated path parameters."""
    names = set(re.findall(r"{(\w+)}", operation.path))
    fixed = []
    if names:
        for encoding_id in ids if "encoding_id" in names else [None]:
            path_parameters = {"slug": "acme"}
            if encoding_id is not None:
                path_parameters["encoding_id"] = encoding_id
            fixed.append(
                operation.as_strategy(generation_mode=generation_mode, path_parameters=path_parameters)
            )
    return st.one_of(*fixed, operation.as_strategy(generation_mode=generation_mode))


def _run(
    operation, generation_mode, examples: int, token: str, ids: list[str], statuses: Counter
) -> tuple[int, str | None]:
    count = 0

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, generation_mode, ids))
    def check(case):
        nonlocal count
        count += 1
        checks = CHECKS if operation.method.upper() == "GET" else ACTION_CHECKS
        response = case.call(headers={"X-Api-Key": token})
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks, headers={"X-Api-Key": token})

    try:
        check()
    except Exception as failure:  # every operation runs; the failures are reported together below
        return count, f"{operation.label} ({generation_mode.value}): {failure}"
    return count, None


@pytest.mark.slow
def test_every_operation_answers_as_the_schema_says(fuzzed_world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11, [operation.label for operation in operations]

    examples, failures, statuses = 0, [], Counter()
    for operation in operations:
        for mode, budget in (
            (schemathesis.GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (schemathesis.GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):
            ran, failure = _run(operation, mode, budget, fuzzed_world["token"], fuzzed_world["ids"], statuses)
            examples += ran
            if failure:
                failures.append(failure)

    fuzz_summary.record(
        operations=len(operations), examples=examples, failures=len(failures), statuses=dict(statuses)
    )
    assert not failures, "\n\n".join(failures)
