"""Display links' heartbeat: when a screen last showed fresh content, written at most once a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import DisplayToken
from encodings_app.services.display_links import display_link_create, display_link_seen
from tests.factories import make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def link() -> DisplayToken:
    made, _ = display_link_create(label="Ops room", organizations=[make_organization("acme")])
    return made


def seen_at(link: DisplayToken):
    return DisplayToken.objects.values_list("last_seen_at", flat=True).get(pk=link.pk)


def test_a_screen_is_stamped_seen_at_most_once_a_minute(link):
    first = timezone.now()
    assert display_link_seen(link_id=link.pk, now=first)
    assert not display_link_seen(link_id=link.pk, now=first + timedelta(seconds=59))
    assert seen_at(link) == first, "polls within the minute leave the stamp alone"
    later = first + timedelta(seconds=61)
    assert display_link_seen(link_id=link.pk, now=later)
    assert seen_at(link) == later


def test_stamping_one_link_leaves_the_others_alone(link):
    other, _ = display_link_create(label="Lobby", organizations=link.organizations.all())
    display_link_seen(link_id=link.pk, now=timezone.now())
    assert seen_at(other) is None
