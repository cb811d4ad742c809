"""A fixed number of SQL queries per API call, whatever the amount of data."""

import pytest

from encodings_app.services.alerts import alerts_evaluate
from tests.api.helpers import result_of
from tests.factories import failed_encoding, labelled_encoding, make_encoding, make_message, make_silence


@pytest.fixture
def busy(world):
    for number in range(30):
        encoding = labelled_encoding(world.acme, ["news", f"batch{number % 3}"], status="RUNNING")
        make_message(encoding, type="INFO")
    broken = failed_encoding(world.acme, 2100)
    for _ in range(5):
        make_message(broken, type="ERROR")
    failed_encoding(world.acme, 2001)
    alerts_evaluate(organization=world.acme)  # an open incident per code
    for kind in ("", "spike", "sync"):
        make_silence(world.acme, kind=kind, user=world.admin)
    return broken


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        # token (with its user), then the page
        ("/organizations", {}, 2),
        ("/organizations", {"includeTotalCount": "true"}, 3),
        # token, membership, annotated organization, counts by status
        ("/organizations/acme", {}, 4),
        # token, membership, one page
        ("/organizations/acme/encodings", {"label": "news", "search": "labels:batch1", "limit": 100}, 3),
        ("/organizations/acme/encodings", {"includeTotalCount": "true"}, 4),
        ("/organizations/acme/failures", {}, 3),
        ("/organizations/acme/incidents", {}, 4),  # and the silences muting them
        ("/organizations/acme/silences", {}, 3),
        # token, membership, the figures, the customer labels, the sync state
        ("/organizations/acme/usage", {"by": "month"}, 5),
        # token, membership, encoding (and for the status of a failed one, its first ERROR messages and the
        # request ids of the actions on it)
        ("/organizations/acme/encodings/{id}", {}, 3),
        ("/organizations/acme/encodings/{id}/status", {}, 5),
        ("/organizations/acme/encodings/{id}/messages", {"type": "ERROR,INFO"}, 4),
    ],
)
def test_reads_cost_a_fixed_number_of_queries(
    world, api_for, busy, django_assert_num_queries, path, params, queries
):
    api = api_for(world.viewer)
    path = path.format(id=busy.bitmovin_id)
    result_of(api.get(path, params))  # the token's last_used_at is written on first use only
    with django_assert_num_queries(queries):
        result_of(api.get(path, params))


def test_the_list_costs_the_same_for_one_encoding_or_a_hundred(world, api_for, django_assert_num_queries):
    api = api_for(world.viewer)
    make_encoding(world.acme)
    result_of(api.get("/organizations/acme/encodings"))
    with django_assert_num_queries(3):
        result_of(api.get("/organizations/acme/encodings"))
    for _ in range(99):
        make_encoding(world.acme)
    with django_assert_num_queries(3):
        assert len(result_of(api.get("/organizations/acme/encodings", {"limit": 100}))["items"]) == 100
