"""Test data builders: small functions with sensible defaults, overridden by keyword."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from encodings_app.models import Encoding, Membership, Message, Organization, Role

_sequence = itertools.count(1)

TEST_API_KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def make_user(username: str | None = None, **fields):
    username = username or f"user{next(_sequence)}"
    return get_user_model().objects.create_user(username=username, password="correct-horse-battery", **fields)


def make_organization(
    slug: str | None = None, *, api_key: str | None = TEST_API_KEY, **fields
) -> Organization:
    number = next(_sequence)
    slug = slug or f"org-{number}"
    organization = Organization(slug=slug, name=fields.pop("name", f"Organization {number}"), **fields)
    if api_key:
        organization.set_api_key(api_key)
    organization.save()
    return organization


def make_member(organization: Organization, role: str = Role.OPERATOR, user=None):
    user = user or make_user()
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def make_encoding(organization: Organization, **fields) -> Encoding:
    number = next(_sequence)
    now = timezone.now()
    defaults = {
        "bitmovin_id": f"enc-{number:06d}",
        "name": f"encoding {number}",
        "type": "VOD",
        "status": "FINISHED",
        "progress": 100,
        "created_at": now - timedelta(hours=1),
        "modified_at": now,
    }
    defaults.update(fields)
    return Encoding.objects.create(organization=organization, **defaults)


def make_message(encoding: Encoding, **fields) -> Message:
    number = next(_sequence)
    defaults = {
        "bitmovin_id": f"msg-{number}",
        "type": "INFO",
        "text": f"message {number}",
        "date": timezone.now(),
    }
    defaults.update(fields)
    return Message.objects.create(encoding=encoding, **defaults)
