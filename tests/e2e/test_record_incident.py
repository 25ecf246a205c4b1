"""End to end: a protection monitor logs in (password, then a TOTP code), records an incident
and finds it in the list.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

import os
import shutil

import pytest

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.accounts.tests.factories import confirmed_device, current_code
from passerelle.core.guard import unscoped
from passerelle.geography.loader import load_mali
from passerelle.incidents.models import Incident
from passerelle.vocabularies.loader import sync_terms
from passerelle.vocabularies.models import Term

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Field-office-2013!"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
        reason="Debian's chromium is not installed (apt-get install chromium)",
    ),
]


@pytest.fixture
def monitor(transactional_db):
    # Transactional tests empty the database between tests, migration data included.
    sync_terms(Term)
    load_mali()
    org = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    user = User.objects.create_user("drc.monitor", password=PASSWORD, first_name="Awa")
    Membership.objects.create(user=user, organisation=org, role="monitor")
    confirmed_device(user)  # a monitor (level 4) needs two-factor authentication
    return user


def test_monitor_records_an_incident_and_finds_it_in_the_list(live_server, browser, monitor):
    page = browser.new_page(locale="fr-FR")
    page.set_default_timeout(15000)
    # Anything the Content-Security-Policy blocks is reported on the console.
    blocked = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    # The browser asks for French; the language switcher turns the interface to English.
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang=en]")
    page.fill("input[name=username]", "drc.monitor")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Level-4 role: the home page first asks for the code of the authenticator app.
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/?next=%2F")
    page.fill("input[name=code]", current_code(confirmed_device(monitor)))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="Record an incident").first.click()
    page.fill("input[name=occurred_on]", "2013-02-14")
    page.select_option("select[name=region]", label="Gao (ML07)")
    # htmx replaces the area options with the cercles of the chosen region. Ansongo is among
    # the options before too: wait for another region's cercle to go, or the swap could land
    # after the choice below and drop it.
    page.wait_for_selector("select[name=area] option:text('Bafoulabé (ML0101)')", state="detached")
    page.wait_for_selector("select[name=area] option:text('Ansongo (ML0701)')", state="attached")
    page.select_option("select[name=area]", label="Ansongo (ML0701)")
    page.select_option(
        "select[name=category]",
        label="Attacks on civilians and civilian objects, and other unlawful killings",
    )
    page.fill("textarea[name=narrative]", "Tirs sur le marché hebdomadaire; deux blessés.")
    page.fill("input[name=count_f_18_59]", "2")
    page.get_by_role("button", name="Record the incident").click()

    try:
        page.wait_for_selector("ul.messages li.success")
    except Exception:
        page.screenshot(path="test-results/e2e-record-incident.png", full_page=True)
        print(page.locator("main").inner_text())
        raise
    with unscoped():
        incident = Incident.objects.get()
    assert page.url.endswith(f"/incidents/{incident.public_id}/")
    assert "Tirs sur le marché hebdomadaire" in page.content()

    page.get_by_role("link", name="Incidents", exact=True).click()
    page.select_option("select[name=region]", label="Gao (ML07)")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("table.incidents tbody tr", has_text=incident.reference)
    row.wait_for()
    assert "Ansongo" in row.inner_text()
    assert "2" in row.locator("td.num").inner_text()
    assert not blocked, blocked
