"""End to end, in French: no typed work is lost.

1. Editing an incident in French keeps every date (the date inputs show ISO values, which is
   all a browser's date input accepts; `04/12/2026` showed empty and saving erased it).
2. The idle timeout (a few seconds here): the warning appears before it and "Stay signed in"
   keeps the session; after the timeout a save lands on the login page, and once signed in
   again the same user sends what was typed and it is saved.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

import datetime as dt
import os
import re
import shutil

import pytest

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.accounts.tests.factories import confirmed_device, current_code
from passerelle.core.guard import unscoped
from passerelle.core.models import HeldSubmission
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.incidents import services
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

OCCURRED = dt.date(2026, 3, 4)  # day 4, month 3: a French rendering would read 04/03/2026
REPORTED = dt.date(2026, 3, 12)


@pytest.fixture
def recorded(transactional_db):
    sync_terms(Term)
    load_mali()
    org = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    user = User.objects.create_user("drc.monitor", password=PASSWORD, first_name="Awa")
    Membership.objects.create(user=user, organisation=org, role="monitor")
    device = confirmed_device(user)
    incident = services.record_incident(
        user,
        organisation=org,
        occurred_on=OCCURRED,
        reported_on=REPORTED,
        area=Area.objects.get(pcode="ML0701"),
        category=Term.objects.get(vocabulary="category", code="pm.attacks_on_civilians"),
        narrative="Tirs sur le marché hebdomadaire.",
        classification=3,
    )
    return user, device, incident


def _french_page(browser):
    page = browser.new_page(locale="fr-FR")
    page.set_default_timeout(15000)
    blocked = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page, blocked


def _log_in(page, base, device, next_path="/", offset=0):
    page.fill("input[name=username]", "drc.monitor")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button.primary").first.click()
    page.wait_for_url(re.compile(r".*/accounts/two-factor/verify/.*"))
    page.fill("input[name=code]", current_code(device, offset))
    page.locator("main form button.primary").first.click()
    page.wait_for_url(f"{base}{next_path}")


def _stored(incident):
    with unscoped():
        return Incident.objects.get(pk=incident.pk)


def test_a_french_edit_of_an_incident_keeps_every_date(live_server, browser, recorded):
    user, device, incident = recorded
    page, blocked = _french_page(browser)
    edit = f"/incidents/{incident.public_id}/edit/"
    page.goto(f"{live_server.url}{edit}")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    assert page.locator("html").get_attribute("lang") == "fr"
    _log_in(page, live_server.url, device, next_path=edit)
    # The browser's date inputs hold the dates (ISO is all they accept).
    assert page.input_value("input[name=occurred_on]") == "2026-03-04"
    assert page.input_value("input[name=reported_on]") == "2026-03-12"
    page.fill("textarea[name=narrative]", "Tirs sur le marché hebdomadaire; récit corrigé.")
    page.locator("form.incident-form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.public_id}/")
    stored = _stored(incident)
    assert stored.narrative.reveal().endswith("récit corrigé.")
    assert stored.occurred_on == OCCURRED
    assert stored.reported_on == REPORTED
    # Every other date input of the page is ISO too (a filter form, if any, is empty).
    page.goto(f"{live_server.url}/incidents/?date_from=2026-03-01&date_to=2026-03-31")
    assert page.input_value("input[name=date_from]") == "2026-03-01"
    assert not blocked, blocked


TIMEOUT = 6  # seconds: the warning shows 2 s before (a third of the timeout)


def test_the_idle_timeout_warns_then_keeps_what_was_typed(live_server, browser, recorded, settings):
    settings.SESSION_IDLE_TIMEOUT = TIMEOUT
    user, device, incident = recorded
    page, blocked = _french_page(browser)
    edit = f"/incidents/{incident.public_id}/edit/"
    page.goto(f"{live_server.url}{edit}")
    _log_in(page, live_server.url, device, next_path=edit)

    warning = page.locator("#idle-warning")
    assert warning.get_attribute("role") == "alertdialog"
    assert warning.is_hidden()
    warning.wait_for(state="visible", timeout=(TIMEOUT + 3) * 1000)
    stay = warning.get_by_role("button")
    assert stay.evaluate("element => element === document.activeElement")
    stay.click()  # posts to the keep-alive address
    warning.wait_for(state="hidden")

    typed = "Récit tapé avant une longue absence; rien ne doit se perdre."
    page.fill("textarea[name=narrative]", typed)
    # The monitor leaves: the typing keeps the session alive once, then it ends.
    page.wait_for_timeout(int(TIMEOUT * 2.6 * 1000))
    page.locator("form.incident-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/accounts/login/\?next=.*kept.*"))
    assert HeldSubmission.objects.count() == 1
    assert typed not in _stored(incident).narrative.reveal()
    # Nothing of what was typed is in the browser's storage.
    storage = page.evaluate("() => JSON.stringify(Object.assign({}, window.localStorage))")
    assert "Récit" not in storage

    held = HeldSubmission.objects.get()
    _log_in(page, live_server.url, device, next_path=f"/accounts/kept/{held.public_id}/", offset=1)
    page.locator("main form button.primary").click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.public_id}/")
    stored = _stored(incident)
    assert stored.narrative.reveal() == typed
    assert stored.occurred_on == OCCURRED and stored.reported_on == REPORTED
    assert not HeldSubmission.objects.exists()
    assert not blocked, blocked
