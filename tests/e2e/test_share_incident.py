"""End to end: a cluster verifier shares an incident summary with the mission's Human Rights
Division under a protocol; a forbidden purpose is refused first; the mission officer then
finds the summary under "Shared with us", without its narrative.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

import datetime as dt

import pytest

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.accounts.tests.factories import confirmed_device, current_code
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.incidents.tests.factories import category, incident_factory
from passerelle.policy.purposes import Purpose
from passerelle.sharing.models import Disclosure, PartyRole
from passerelle.sharing.tests.factories import protocol_factory
from passerelle.vocabularies.loader import sync_terms
from passerelle.vocabularies.models import Term

from .test_record_incident import PASSWORD, pytestmark  # noqa: F401

NARRATIVE = "Tirs sur la foire de Tassiga; deux blessés."


@pytest.fixture
def world(transactional_db):
    sync_terms(Term)
    load_mali()
    drc = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    hrd = Organisation.objects.create(
        name="MINUSMA Human Rights Division", acronym="HRD", type="mission_component"
    )
    verifier = User.objects.create_user("drc.verifier", password=PASSWORD)
    Membership.objects.create(user=verifier, organisation=drc, role="verifier")
    monitor = User.objects.create_user("drc.monitor", password=PASSWORD)
    Membership.objects.create(user=monitor, organisation=drc, role="monitor")
    officer = User.objects.create_user("hrd.viewer", password=PASSWORD)
    Membership.objects.create(user=officer, organisation=hrd, role="viewer")
    confirmed_device(verifier)
    protocol = protocol_factory(
        {drc: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 2, [Purpose.VERIFICATION])],
        areas=list(Area.objects.filter(pcode="ML07")),
    )
    incident = incident_factory(
        monitor,
        area=Area.objects.get(pcode="ML0701"),
        category=category(),
        classification=2,
        narrative=NARRATIVE,
        occurred_on=dt.date(2013, 2, 14),
    )
    return {"verifier": verifier, "protocol": protocol, "incident": incident, "hrd": hrd}


def _login(page, url, username, device=None):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    if device is not None:
        page.wait_for_selector("input[name=code]")
        page.fill("input[name=code]", current_code(device))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{url}/")


def test_a_summary_is_shared_with_the_mission_and_read_there(live_server, browser, world):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    _login(page, live_server.url, "drc.verifier", confirmed_device(world["verifier"]))
    incident = world["incident"]
    page.goto(f"{live_server.url}/incidents/{incident.public_id}/")
    page.get_by_role("link", name="Share", exact=True).click()

    page.select_option("select[name=protocol]", index=1)
    page.select_option("select[name=recipient]", label="HRD")
    page.select_option("select[name=purpose]", value=Purpose.INTELLIGENCE)
    page.select_option("select[name=level]", value="2")
    page.get_by_role("button", name="Share", exact=True).click()
    refusal = page.locator(".refusal")
    refusal.wait_for()
    assert "intelligence gathering" in refusal.inner_text()
    with unscoped():  # disclosures are guarded
        assert not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(action="disclosure.refused").exists()

    page.select_option("select[name=purpose]", value=Purpose.VERIFICATION)
    page.get_by_role("button", name="Share", exact=True).click()
    page.wait_for_url(f"{live_server.url}/sharing/sent/")
    assert "HRD" in page.locator("table").inner_text()
    context.close()

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    _login(page, live_server.url, "hrd.viewer")
    page.get_by_role("link", name="Shared with us").click()
    row = page.locator("table tbody tr", has_text=incident.reference)
    row.wait_for()
    assert "Ansongo" in row.inner_text()  # the cercle, never the exact place
    row.get_by_role("link", name=incident.reference).click()
    page.wait_for_selector(".shared-banner")
    assert "Tassiga" not in page.content()
    context.close()
