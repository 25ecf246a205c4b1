"""End to end on a 390 px wide phone: a monitor records an incident through the folded menu,
records a survivor's consent and refers her; a verifier shares the incident with the mission; the
provider's case worker accepts the referral. On every page: no sideways scroll
(document.documentElement.scrollWidth <= clientWidth), "Log out" on screen, a compact header.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

from __future__ import annotations

import datetime as dt

import pytest

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.accounts.tests.factories import confirmed_device
from passerelle.core.guard import unscoped
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.incidents.models import Incident
from passerelle.incidents.tests.factories import category, incident_factory, person_factory
from passerelle.policy.purposes import Purpose
from passerelle.referrals.models import Referral, ServiceType
from passerelle.referrals.tests.factories import service_factory
from passerelle.sharing.models import Disclosure, PartyRole
from passerelle.sharing.tests.factories import protocol_factory
from passerelle.vocabularies.loader import sync_terms
from passerelle.vocabularies.models import Term

from .test_record_incident import PASSWORD, pytestmark  # noqa: F401
from .test_share_incident import _login

PHONE = {"width": 390, "height": 844}
HEADER_MAX_PX = 100


@pytest.fixture
def world(transactional_db):
    sync_terms(Term)
    load_mali()
    drc = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    hrd = Organisation.objects.create(
        name="MINUSMA Human Rights Division", acronym="HRD", type="mission_component"
    )
    unfpa = Organisation.objects.create(name="UNFPA", acronym="UNFPA", type="un_agency")
    people = {}
    for username, org, role in [
        ("drc.monitor", drc, "monitor"),
        ("drc.verifier", drc, "verifier"),
        ("unfpa.cw", unfpa, "case_worker"),
    ]:
        people[username] = User.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=people[username], organisation=org, role=role)
        confirmed_device(people[username])
    gao = Area.objects.get(pcode="ML07")
    with_hrd = protocol_factory(
        {drc: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 2, [Purpose.VERIFICATION])],
        areas=[gao],
    )
    protocol_factory(
        {drc: PartyRole.CLUSTER_MEMBER, unfpa: PartyRole.GBV_PROVIDER},
        [(PartyRole.GBV_PROVIDER, "*", 3, [Purpose.RESPONSE])],
        areas=[gao],
    )
    service = service_factory(
        unfpa,
        service_type=ServiceType.MEDICAL,
        areas=[gao],
        name="Prise en charge médicale – Centre de santé de référence de Gao (CSRéf)",
        receiver=people["unfpa.cw"],
    )
    earlier = incident_factory(
        people["drc.monitor"],
        area=Area.objects.get(pcode="ML0701"),
        category=category(),
        classification=3,
        narrative="Agression près du puits; la survivante demande des soins.",
        occurred_on=dt.date(2013, 2, 14),
    )
    person = person_factory(people["drc.monitor"], earlier, full_name="Mariam Cissé")
    return {"people": people, "service": service, "person": person, "with_hrd": with_hrd}


def fits(page) -> None:
    """The page does not scroll sideways, 'Log out' is on screen, the header is compact."""
    page.wait_for_load_state()
    m = page.evaluate(
        """() => {
          const root = document.documentElement;
          const out = document.querySelector('header.top form.logout button');
          const r = out ? out.getBoundingClientRect() : null;
          return {
            scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
            header: document.querySelector('header.top').getBoundingClientRect().height,
            logout: r !== null && r.width > 0 && r.left >= 0 && r.right <= root.clientWidth
              && r.top >= 0 && r.bottom <= window.innerHeight,
          };
        }"""
    )
    where = page.url
    assert m["scrollWidth"] <= m["clientWidth"], f"{where} scrolls sideways: {m}"
    assert m["logout"], f"'Log out' is not on screen at {where}"
    assert m["header"] <= HEADER_MAX_PX, f"the header takes {m['header']} px at {where}"


def _phone(browser, live_server, username, world):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    _login(page, live_server.url, username, confirmed_device(world["people"][username]))
    fits(page)
    return context, page


def _menu(page, name: str) -> None:
    """Follow a link of the main navigation, folded into "Menu" on a phone."""
    link = page.locator("header.top nav").get_by_role("link", name=name, exact=True)
    assert not link.is_visible()  # folded
    page.locator("header.top summary", has_text="Menu").click()
    link.click()


def test_record_share_and_refer_on_a_phone(live_server, browser, world):
    url = live_server.url
    # A monitor records an incident.
    context, page = _phone(browser, live_server, "drc.monitor", world)
    _menu(page, "Record an incident")
    page.wait_for_url(f"{url}/incidents/new/")
    fits(page)
    page.fill("input[name=occurred_on]", "2013-03-02")
    page.select_option("select[name=region]", label="Gao (ML07)")
    page.wait_for_selector("select[name=area] option:text('Bafoulabé (ML0101)')", state="detached")
    page.select_option("select[name=area]", label="Ansongo (ML0701)")
    page.select_option(
        "select[name=category]",
        label="Attacks on civilians and civilian objects, and other unlawful killings",
    )
    page.fill("textarea[name=narrative]", "Tirs sur le marché hebdomadaire; deux blessés.")
    page.fill("input[name=count_f_18_59]", "2")
    page.get_by_role("button", name="Record the incident").click()
    page.wait_for_selector("ul.messages li.success")
    fits(page)
    with unscoped():
        recorded = Incident.objects.exclude(pk=world["person"].incident_id).get()
    _menu(page, "Incidents")
    page.locator("table.incidents tbody tr", has_text=recorded.reference).wait_for()
    fits(page)

    # ... records the survivor's consent and refers her.
    person = world["person"]
    page.goto(f"{url}/incidents/persons/{person.public_id}/")
    fits(page)
    page.select_option("select[name=scope]", value="referral")
    page.select_option("select[name=given]", value="yes")
    page.get_by_role("button", name="Record consent").click()
    page.wait_for_load_state()
    fits(page)
    page.get_by_role("link", name="Refer to a service").click()
    fits(page)
    page.select_option(
        "select[name=service]", label=f"Health / medical – {world['service'].name} (UNFPA)"
    )
    page.fill("textarea[name=summary]", "Soins médicaux dans les 72 heures; venir accompagnée.")
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_url(f"{url}/referrals/*/")
    fits(page)
    context.close()

    # A verifier shares the new incident with the mission's Human Rights Division.
    context, page = _phone(browser, live_server, "drc.verifier", world)
    page.goto(f"{url}/incidents/{recorded.public_id}/")
    fits(page)
    page.get_by_role("link", name="Share", exact=True).click()
    fits(page)
    page.select_option("select[name=protocol]", value=str(world["with_hrd"].pk))
    page.select_option("select[name=recipient]", label="HRD")
    page.select_option("select[name=purpose]", value=Purpose.VERIFICATION)
    page.select_option("select[name=level]", value="2")
    page.get_by_role("button", name="Share", exact=True).click()
    page.wait_for_url(f"{url}/sharing/sent/")
    fits(page)
    with unscoped():
        assert Disclosure.objects.filter(incident=recorded).exists()
    context.close()

    # The provider's case worker accepts the referral.
    context, page = _phone(browser, live_server, "unfpa.cw", world)
    with unscoped():
        referral = Referral.objects.get()
    _menu(page, "Referrals")
    fits(page)
    row = page.locator("table tbody tr", has_text=referral.reference)
    row.get_by_role("link", name=referral.reference).click()
    page.wait_for_selector("text=Soins médicaux dans les 72 heures")
    fits(page)
    page.get_by_role("button", name="Accept").click()
    page.locator(".status", has_text="Accepted").first.wait_for()
    fits(page)
    context.close()
    referral.refresh_from_db()
    assert referral.status == "accepted"
