"""End to end: a newcomer (a protection monitor) imports the example protection-monitoring
form and its export in a few clicks — Imports → the example → "Import the example" → the
proposed mapping saved → the preview → "Apply" — follows the progress bar the page polls
while the background worker applies it, and opens an incident it created.

Each page of the way is checked with axe-core (no serious or critical violation) and nothing
is blocked by the Content-Security-Policy. Drives Debian's chromium through Playwright.
"""

from __future__ import annotations

import threading
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.accounts.tests.factories import confirmed_device, current_code
from passerelle.core import jobs
from passerelle.core.guard import unscoped
from passerelle.geography.loader import load_mali
from passerelle.imports import example
from passerelle.imports.models import ImportBatch
from passerelle.incidents.models import Incident
from passerelle.vocabularies.loader import sync_terms
from passerelle.vocabularies.models import Term

from .test_record_incident import PASSWORD, pytestmark  # noqa: F401

FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def newcomer(transactional_db):
    sync_terms(Term)  # transactional tests empty the database, migration data included
    load_mali()
    org = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    user = User.objects.create_user("drc.newcomer", password=PASSWORD, first_name="Awa")
    Membership.objects.create(user=user, organisation=org, role="monitor")
    confirmed_device(user)
    return user


def _axe(page, axe, where: str) -> None:
    results = axe.run(page)
    bad = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v.get("impact") in FAILING_IMPACTS
    ]
    assert not bad, (where, bad)


def test_a_newcomer_imports_the_example_in_a_few_clicks(live_server, browser, newcomer):
    page = browser.new_page(locale="fr-FR")
    page.set_default_timeout(20000)
    blocked = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    axe = Axe()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang=en]")
    page.fill("input[name=username]", "drc.newcomer")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/?next=%2F")
    page.fill("input[name=code]", current_code(confirmed_device(newcomer)))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")

    # 1. the menu → the imports → the example
    page.get_by_role("link", name="Imports", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/imports/")
    _axe(page, axe, "list")
    page.get_by_role("link", name="Try the example protection monitoring form").click()
    page.wait_for_selector("h1:text('Example: protection monitoring form')")
    _axe(page, axe, "example")
    page.get_by_role("button", name="Import the example").click()

    # 2. the proposed mapping, saved as it is
    page.wait_for_selector("h1:text('Mapping of the form')")
    _axe(page, axe, "mapping")
    page.get_by_role("button", name="Save the mapping and check the rows").click()

    # 3. the preview: every submission new, no error, names shown to a monitor
    page.wait_for_selector("h1:text('Preview of the import')")
    cards = page.locator(".cards").inner_text()
    assert f"{example.SUBMISSIONS}\nnew incidents" in cards or f"{example.SUBMISSIONS} new" in cards
    _axe(page, axe, "preview")
    page.get_by_role("button", name="Apply the import").click()

    # 4. the progress page polls while the worker (here, in the test) applies the import
    page.wait_for_selector("#import-progress")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.QUEUED
    worker = threading.Thread(target=lambda: (time.sleep(1.5), jobs.work()))
    worker.start()
    try:
        page.wait_for_selector("h2:text('Result')", timeout=60000)
    finally:
        worker.join()
    _axe(page, axe, "result")
    assert (
        f"{example.SUBMISSIONS}\nincidents created" in page.locator(".cards").inner_text()
        or f"{example.SUBMISSIONS} incidents created" in page.locator(".cards").inner_text()
    )
    with unscoped():
        assert Incident.objects.count() == example.SUBMISSIONS
        first = Incident.objects.order_by("reference").first()

    # 5. an incident it created
    page.get_by_role("link", name=first.reference, exact=True).click()
    page.wait_for_url(f"{live_server.url}/incidents/{first.public_id}/")
    assert first.reference in page.content()
    assert not blocked, blocked
