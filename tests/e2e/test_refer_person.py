"""End to end: a DRC monitor tries to refer a survivor before asking consent (the form says
why not), records the consent, refers her to UNFPA's medical service in Gao under the
protocol; UNFPA's case worker finds the referral in her inbox, sees the summary but never the
incident's narrative, and accepts it; the monitor sees the new status.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

import pytest

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.accounts.tests.factories import confirmed_device
from passerelle.core.guard import unscoped
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.incidents.tests.factories import category, incident_factory, person_factory
from passerelle.policy.purposes import Purpose
from passerelle.referrals.models import Referral, ServiceType
from passerelle.referrals.tests.factories import service_factory
from passerelle.sharing.models import PartyRole
from passerelle.sharing.tests.factories import protocol_factory
from passerelle.vocabularies.loader import sync_terms
from passerelle.vocabularies.models import Term

from .test_record_incident import PASSWORD, pytestmark  # noqa: F401
from .test_share_incident import _login

NARRATIVE = "Agression près du puits de Tassiga; la survivante demande des soins."


@pytest.fixture
def world(transactional_db):
    sync_terms(Term)
    load_mali()
    drc = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    unfpa = Organisation.objects.create(name="UNFPA", acronym="UNFPA", type="un_agency")
    monitor = User.objects.create_user("drc.monitor", password=PASSWORD)
    Membership.objects.create(user=monitor, organisation=drc, role="monitor")
    worker = User.objects.create_user("unfpa.cw", password=PASSWORD)
    Membership.objects.create(user=worker, organisation=unfpa, role="case_worker")
    gao = Area.objects.get(pcode="ML07")
    protocol_factory(
        {drc: PartyRole.CLUSTER_MEMBER, unfpa: PartyRole.GBV_PROVIDER},
        [(PartyRole.GBV_PROVIDER, "*", 3, [Purpose.RESPONSE])],
        areas=[gao],
    )
    service = service_factory(
        unfpa,
        service_type=ServiceType.MEDICAL,
        areas=[gao],
        name="Prise en charge médicale – CSRéf de Gao",
        receiver=worker,
    )
    incident = incident_factory(
        monitor,
        area=Area.objects.get(pcode="ML0701"),
        category=category(),
        classification=3,
        narrative=NARRATIVE,
    )
    person = person_factory(monitor, incident, full_name="Mariam Cissé")
    return {"monitor": monitor, "worker": worker, "person": person, "service": service}


def _page(browser, live_server):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return context, page


def test_consent_first_then_referral_then_the_provider_accepts(live_server, browser, world):
    person = world["person"]
    context, page = _page(browser, live_server)
    _login(page, live_server.url, "drc.monitor", confirmed_device(world["monitor"]))
    page.goto(f"{live_server.url}/incidents/persons/{person.public_id}/")
    page.get_by_role("link", name="Refer to a service").click()
    page.locator(".refusal", has_text="No consent to referral on record").wait_for()
    page.select_option(
        "select[name=service]", label=f"Health / medical – {world['service'].name} (UNFPA)"
    )
    page.fill("textarea[name=summary]", "Soins médicaux dans les 72 heures; venir accompagnée.")
    page.get_by_role("button", name="Send the referral").click()
    refusal = page.locator(".refusal", has_text="Not referred")
    refusal.wait_for()
    assert "No consent, no referral" in refusal.inner_text()

    page.goto(f"{live_server.url}/incidents/persons/{person.public_id}/")
    page.select_option("select[name=scope]", value="referral")
    page.select_option("select[name=given]", value="yes")
    page.get_by_role("button", name="Record consent").click()
    page.get_by_role("link", name="Refer to a service").click()
    page.select_option(
        "select[name=service]", label=f"Health / medical – {world['service'].name} (UNFPA)"
    )
    page.select_option("select[name=urgency]", value="urgent")
    page.fill("textarea[name=summary]", "Soins médicaux dans les 72 heures; venir accompagnée.")
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_url(f"{live_server.url}/referrals/*/")
    with unscoped():
        referral = Referral.objects.get()
    assert referral.status == "sent" and referral.level == 3
    context.close()

    context, page = _page(browser, live_server)
    _login(page, live_server.url, "unfpa.cw", confirmed_device(world["worker"]))
    page.get_by_role("link", name="Referrals").first.click()
    row = page.locator("table tbody tr", has_text=referral.reference)
    row.wait_for()
    row.get_by_role("link", name=referral.reference).click()
    page.wait_for_selector("text=Soins médicaux dans les 72 heures")
    content = page.content()
    assert "Tassiga" not in content and "Mariam" not in content
    page.get_by_role("button", name="Accept").click()
    page.locator(".status", has_text="Accepted").first.wait_for()
    context.close()
    referral.refresh_from_db()
    assert referral.status == "accepted"
