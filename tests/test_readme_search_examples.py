"""Every search example in the READMEs finds something in the demo, on the list page and in the API.

The demo is built as `make run` builds it: the simulator with the demo's seed and size, `seed_demo`, a full
sync. The examples are read from the READMEs themselves, so an example that stops matching the demo's data
(or a new one that never did) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from devtools.management.commands.run_stack import DEMO_API_KEY, DEMO_ENCODINGS, DEMO_SEED, DEMO_SPEED
from encodings_app.api.views.encodings import LIST_PARAMETERS
from encodings_app.models import Organization
from encodings_app.services.sync import organization_sync
from tests.api.helpers import ApiCaller, result_of, token_for
from tests.support.simulator import RunningSimulator

pytestmark = [pytest.mark.django_db(transaction=True)]

READMES = [Path(settings.BASE_DIR) / "README.md", Path(settings.BASE_DIR) / "encodings_app/api/README.md"]
# An inline code span that is a search: a name: or labels: term with a value, maybe more terms after it.
EXAMPLE = re.compile(r"`((?:name|labels?):[^`\s][^`]*)`")


def readme_examples() -> list[str]:
    """The examples of both READMEs and of the OpenAPI schema's description of ``search``."""
    texts = [readme.read_text(encoding="utf-8") for readme in READMES]
    texts += [parameter.description for parameter in LIST_PARAMETERS if parameter.name == "search"]
    found = [example for text in texts for example in EXAMPLE.findall(text)]
    return list(dict.fromkeys(found))


@pytest.fixture(scope="module")
def demo_simulator():
    with RunningSimulator(
        encodings=DEMO_ENCODINGS, seed=DEMO_SEED, speed=DEMO_SPEED, api_key=DEMO_API_KEY
    ) as running:
        yield running


@pytest.fixture
def demo(demo_simulator) -> Organization:
    """The operator's organization of the seeded demo (the first one), mirrored by a full sync."""
    call_command("seed_demo", "--api-url", demo_simulator.base_url, "--api-key", DEMO_API_KEY)
    operator = get_user_model().objects.get(username="operator")
    organization = Organization.objects.get(memberships__user=operator)
    run = organization_sync(organization_id=organization.pk, full=True)
    assert run is not None and run.outcome == "ok", run and run.error_message
    return organization


def test_the_readmes_have_search_examples():
    examples = readme_examples()
    assert len(examples) >= 4, examples
    assert any(" AND " in example for example in examples)


def test_every_readme_search_example_finds_encodings_in_the_demo(demo):
    operator = get_user_model().objects.get(username="operator")
    page_client = Client()
    page_client.force_login(operator)
    api = ApiCaller(token_for(operator))
    found: dict[str, tuple[int, int]] = {}
    for example in readme_examples():
        page = page_client.get(f"/o/{demo.slug}/encodings/", {"search": example})
        assert page.status_code == 200
        assert page.context["notes"] == [], (example, page.context["notes"])
        result = result_of(
            api.get(f"/organizations/{demo.slug}/encodings", {"search": example, "includeTotalCount": "true"})
        )
        total = page.context["page"].total
        assert total.exact, (example, total)  # the demo is far below the limit where totals are estimated
        found[example] = (total.value, result["totalCount"])
    empty = [example for example, counts in found.items() if min(counts) == 0]
    assert not empty, f"README search examples that find nothing in the demo: {empty} (all: {found})"
    assert all(page == api for page, api in found.values()), found
