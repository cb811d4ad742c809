"""No API key in a log line, a stored error, an exception text or a debugging dump, whatever happens."""

import logging

import pytest
from django.core import serializers

from encodings_app.models import Organization, SyncRun
from encodings_app.services import sync
from encodings_app.services.clients import client_for
from encodings_app.services.organizations import organization_test_connection
from tests.factories import make_organization
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

GOOD_KEY = "leak-scan-good-key-7f3a9c"
WRONG_KEY = "leak-scan-wrong-key-52e1bd"


def test_api_keys_never_reach_logs_errors_or_stored_rows(caplog):
    caplog.set_level(logging.DEBUG)
    with RunningSimulator(
        encodings=30, seed=8, api_key=GOOD_KEY, args=["--faults", "503=0.2,html=0.05"]
    ) as sim:
        good = make_organization("good", api_key=GOOD_KEY, api_base_url=sim.base_url)
        wrong = make_organization("wrong", api_key=WRONG_KEY, api_base_url=sim.base_url)

        runs = [sync.organization_sync(organization_id=org.pk) for org in (good, wrong)]
        check = organization_test_connection(organization=Organization.objects.get(slug="wrong"))
        with client_for(Organization.objects.get(slug="good")) as client:
            dumped = repr(client) + repr(vars(client))

    assert runs[1].outcome == SyncRun.Outcome.FAILED
    assert check.ok is False and check.error is not None
    texts = [
        caplog.text,
        str(check.error),
        repr(check.error),
        dumped,
        serializers.serialize("json", SyncRun.objects.all()),
        serializers.serialize("json", Organization.objects.all()),
    ]
    for text in texts:
        assert GOOD_KEY not in text
        assert WRONG_KEY not in text
    assert "1002" in caplog.text or runs[1].error_code == 1002
