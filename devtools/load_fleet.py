"""bench_load's screens and operators, made in the stack's own database by one `manage.py shell` call.

Display links for the wall screens (one organization, two, or four on a screen, as rooms have them; many
screens may share a link, as several TVs in one room show the same board) and sign-ins for the operators
(each an operator of two organizations). Printed as one JSON line for the benchmark to read; the links'
tokens go only to the load generator, which plays the TVs.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse

from encodings_app.models import Organization, Role
from encodings_app.services.display_links import display_link_create
from encodings_app.services.memberships import membership_set

OPERATOR_PREFIX = "bench-operator-"
# How many organizations the links show, in turn: a room per organization, pairs, and a 2x2 board.
LINK_SIZES = (1, 2, 4)
ORGANIZATIONS_PER_OPERATOR = 2


def fleet_create(
    *, links: int, poll_seconds: int | None, operators: int, password: str, base_url: str
) -> str:
    """Make the links and the operators' sign-ins; returns the JSON line that describes them."""
    organizations = list(Organization.objects.order_by("name", "pk"))
    count = len(organizations)
    link_urls = []
    with transaction.atomic():
        for number in range(links):
            size = min(LINK_SIZES[number % len(LINK_SIZES)], count)
            shown = [organizations[(number + offset) % count] for offset in range(size)]
            options = {"poll_seconds": poll_seconds} if poll_seconds else {}
            _, token = display_link_create(label=f"Bench screen {number + 1}", organizations=shown, **options)
            link_urls.append(base_url.rstrip("/") + reverse("wall", args=[token]))
        # One hash for every sign-in: hashing is made slow on purpose, and a hundred of them would take a
        # minute. Each sign-in still checks its password in full.
        hashed = make_password(password)
        users = get_user_model().objects.bulk_create(
            [
                get_user_model()(username=f"{OPERATOR_PREFIX}{number + 1}", password=hashed)
                for number in range(operators)
            ]
        )
        logins = []
        for number, user in enumerate(users):
            theirs = [
                organizations[(number + offset) % count]
                for offset in range(min(ORGANIZATIONS_PER_OPERATOR, count))
            ]
            for organization in theirs:
                membership_set(organization=organization, user=user, role=Role.OPERATOR)
            logins.append({"username": user.username, "organizations": [o.slug for o in theirs]})
    return json.dumps(
        {"links": link_urls, "operators": logins, "organizations": [o.slug for o in organizations]}
    )
