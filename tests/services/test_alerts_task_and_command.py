"""Beat's task and send_alerts run the same evaluation over every organization."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from encodings_app import tasks
from encodings_app.models import Incident
from tests.factories import failed_encodings, make_organization

pytestmark = pytest.mark.django_db


def send_alerts(*args) -> str:
    out = StringIO()
    call_command("send_alerts", *args, stdout=out)
    return out.getvalue()


def test_beat_runs_the_evaluation_on_the_alerts_queue():
    scheduled = settings.CELERY_BEAT_SCHEDULE["alerts-evaluate"]
    assert scheduled["task"] == "alerts.evaluate"
    assert scheduled["schedule"] == float(settings.ALERTS_EVALUATE_SECONDS)
    route = tasks.alerts_evaluate.app.amqp.router.route({}, "alerts.evaluate")
    assert route["queue"].name == "alerts"


def test_the_task_evaluates_every_organization(organization):
    other = make_organization("other")
    failed_encodings(organization, 2, code=2001)
    failed_encodings(other, 3, code=2016)

    assert tasks.alerts_evaluate() == 2
    assert tasks.alerts_evaluate() == 0
    assert sorted(Incident.objects.values_list("organization__slug", "cause")) == [
        ("acme", "failed:code:2001"),
        ("other", "failed:code:2016"),
    ]


def test_send_alerts_prints_what_it_opened_updated_and_resolved(organization):
    failed_encodings(organization, 2, code=2001)

    first = send_alerts()
    failed_encodings(organization, 1, code=2001)
    second = send_alerts("--organization", "acme")

    assert (
        "acme: opened 2 encodings failed: Input configuration not usable (error 2001) [failed:code:2001]"
        in first
    )
    assert "Evaluated 1 organization: 1 opened, 0 updated, 0 resolved." in first
    assert "acme: updated 3 encodings failed" in second
    assert "No alert channels yet: incidents are recorded, not sent." in second


def test_send_alerts_refuses_an_unknown_organization(organization):
    with pytest.raises(CommandError, match="no organization with slug 'nope'"):
        send_alerts("--organization", "nope")
