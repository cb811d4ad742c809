"""The organizations and the display link the wall tests look at."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import Organization
from encodings_app.services.display_links import display_link_create
from tests.factories import make_encoding, make_organization


@pytest.fixture
def acme():
    organization = make_organization("acme", name="Acme Media")
    Organization.objects.filter(pk=organization.pk).update(last_sync_succeeded_at=timezone.now())
    now = timezone.now()
    make_encoding(
        organization, name="Evening news", status="RUNNING", progress=37, running_at=now, eta_seconds=252
    )
    make_encoding(organization, name="Late show", status="QUEUED", progress=0, queued_at=now)
    make_encoding(
        organization,
        name="Broken ladder",
        status="ERROR",
        error_code=2100,
        error_category="Input",
        error_text="input file not found",
        error_retry_hint="NO_RETRY",
        finished_at=now - timedelta(minutes=5),
    )
    make_encoding(organization, name="Old stuck job", status="QUEUED", queued_at=now - timedelta(days=1))
    return Organization.objects.get(pk=organization.pk)


@pytest.fixture
def globex():
    organization = make_organization("globex", name="Globex")
    make_encoding(organization, name="Globex secret project", status="RUNNING", progress=50)
    return organization


@pytest.fixture
def link(acme):
    return display_link_create(label="Ops room", organizations=[acme])


@pytest.fixture
def renders_every_change(settings):
    """No settling (views/wall_board.py): every change of the data is rendered at the next poll, for the
    tests about what a change does to the board and its tag."""
    settings.WALL_BOARD_SETTLE_SECONDS = 0
