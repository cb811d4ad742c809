"""The wall poll's query compiled once (selectors/compiled_query.py) gives what the ORM gives, row for row,
whatever the values put in it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from encodings_app.models import DisplayToken, Organization
from encodings_app.selectors import wall
from encodings_app.selectors.compiled_query import CompiledQuery, Variable
from encodings_app.services.display_links import display_link_create
from encodings_app.tokens import token_hash
from tests.factories import make_incident, make_organization, make_silence

pytestmark = pytest.mark.django_db


def test_the_compiled_scope_query_reads_what_the_orm_reads_at_any_time_and_for_any_token():
    now = timezone.now()
    acme, globex = make_organization("acme"), make_organization("globex")
    Organization.objects.filter(pk=acme.pk).update(
        last_sync_succeeded_at=now, registered_webhooks={"finished": "w-1"}, webhooks_secret_stale=True
    )
    make_incident(acme, title="3 encodings failed")
    make_silence(globex, hours=1, now=now)
    both, both_token = display_link_create(label="Both", organizations=[acme, globex])
    DisplayToken.objects.filter(pk=both.pk).update(last_seen_at=now, revoked_at=now)
    _, acme_token = display_link_create(label="Acme", organizations=[acme])

    for token in (both_token, acme_token, "no such token"):
        # Before the silence, while it holds, and after it ran out.
        for moment in (now - timedelta(minutes=5), now + timedelta(minutes=5), now + timedelta(hours=2)):
            by_orm = list(wall._token_scope_rows(token_hash(token), moment))
            compiled = wall._TOKEN_SCOPE.rows(token_hash=token_hash(token), now=moment)
            assert compiled == by_orm
    assert wall._TOKEN_SCOPE.rows(token_hash=token_hash(both_token), now=now)[0]["link_seen_at"] == now


def test_a_variable_the_query_never_uses_is_refused_when_it_is_first_run():
    unused = CompiledQuery(
        lambda slug, forgotten: Organization.objects.filter(slug=slug).values("pk"),
        slug=Variable("(stand-in slug)"),
        forgotten=Variable("(stand-in never used)"),
    )
    with pytest.raises(ValueError, match="forgotten"):
        unused.rows(slug="acme", forgotten="x")
