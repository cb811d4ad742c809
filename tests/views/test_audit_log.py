"""The audit log on the settings page (admins only), and what the write paths leave in it: never a secret."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from encodings_app.models import ApiToken, AuditEvent
from encodings_app.services.audit import audit_record
from tests.factories import TEST_API_KEY, make_user

pytestmark = pytest.mark.django_db


def audit_section(html: str) -> str:
    return html.split('id="audit-log"')[1].split("</section>")[0]


def rows(section: str) -> list[str]:
    return re.findall(r"<tr>\s*<td class=\"nowrap\">.*?</tr>", section, re.S)


def test_admin_reads_the_audit_log_newest_first_with_its_columns_and_pages(world, login):
    for number in range(30):
        audit_record(
            action=AuditEvent.Action.ENCODING_STOP,
            user=world.operator,
            organization=world.acme,
            outcome=AuditEvent.Outcome.REFUSED if number == 29 else AuditEvent.Outcome.OK,
            target=f"enc-{number:03d}",
            request_id=f"req-{number:03d}",
        )
    audit_record(action=AuditEvent.Action.MEMBER_ADD, user=world.outsider, organization=world.globex)
    client = login(world.admin)

    first = audit_section(client.get("/o/acme/settings/").content.decode())

    shown = rows(first)
    assert len(shown) == 25
    newest = shown[0]
    assert "otto" in newest and "Stop encoding" in newest and "enc-029" in newest
    assert "Refused" in newest and "<code>req-029</code>" in newest
    assert 'datetime="' in newest, "the time, machine-readable"
    assert "Page 1 of 2" in first and "Member added" not in first
    second = audit_section(client.get("/o/acme/settings/?audit_page=2").content.decode())
    assert [re.search(r"enc-\d+", row).group(0) for row in rows(second)] == [
        f"enc-{n:03d}" for n in range(4, -1, -1)
    ]
    odd = client.get("/o/acme/settings/?audit_page=nope").content.decode()
    assert "“nope” is not a page number" in audit_section(odd)
    past = client.get("/o/acme/settings/?audit_page=9").content.decode()
    assert "There is no audit log page 9" in audit_section(past) and "Page 2 of 2" in audit_section(past)


def test_the_audit_log_is_for_admins_of_the_organization_only(world, login):
    assert login(world.operator).get("/o/acme/settings/").status_code == 403
    assert login(world.viewer).get("/o/acme/settings/").status_code == 403
    assert login(world.outsider).get("/o/acme/settings/").status_code == 404
    assert 'id="audit-log"' in login(world.admin).get("/o/acme/settings/").content.decode()


def test_display_links_and_api_tokens_are_audited_without_their_secrets(world, login):
    admin = login(world.admin)
    created = admin.post(
        "/o/acme/settings/walls/",
        {"label": "Ops room", "organizations": [world.acme.pk], "poll_seconds": 10},
    ).content.decode()
    wall_token = re.search(r"/wall/([^/<\"]+)/", created).group(1)
    link_id = re.search(r"/settings/walls/(\d+)/revoke/", admin.get("/o/acme/settings/").content.decode())
    admin.post(f"/o/acme/settings/walls/{link_id.group(1)}/revoke/", {"confirm": "yes"})

    page = admin.post("/account/", {"name": "nightly report"}).content.decode()
    api_token = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', page).group(1)
    admin.post(f"/account/tokens/{ApiToken.objects.get(user=world.admin).pk}/revoke/")
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "otto", "--name", "bot", stdout=out, stderr=err)
    command_token = out.getvalue().strip()

    entries = {(e.action, e.username, e.organization_slug) for e in AuditEvent.objects.all()}
    assert entries == {
        ("display_link.create", "ada", "acme"),
        ("display_link.revoke", "ada", "acme"),
        ("api_token.create", "ada", ""),
        ("api_token.revoke", "ada", ""),
        ("api_token.create", "(command line)", ""),
    }
    text = " ".join(
        " ".join([e.target, e.detail, e.request_id, e.username]) for e in AuditEvent.objects.all()
    )
    for secret in (wall_token, api_token, command_token, TEST_API_KEY):
        assert secret not in text
        assert secret.split("_", 1)[-1][6:] not in text
    assert "Ops room (wall_" in text and "nightly report (edk_" in text
    settings_page = admin.get("/o/acme/settings/").content.decode()
    assert wall_token not in settings_page and "Wall display link created" in audit_section(settings_page)


def test_member_changes_name_the_user_and_the_roles_and_nothing_else(world, login):
    make_user("quinn", email="quinn@example.com")
    client = login(world.admin)
    client.post("/o/acme/settings/members/", {"username": "quinn@example.com", "role": "admin"})
    client.post(f"/o/acme/settings/members/{world.operator.pk}/", {"role": "admin"})
    log = audit_section(client.get("/o/acme/settings/").content.decode())
    assert "Member role changed" in log and "Operator → admin." in log
    assert "Member added" in log and "quinn@example.com" in log and "Refused" in log
