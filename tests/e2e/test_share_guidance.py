"""End to end: the share form says, before submitting, what the protocol allows the chosen
recipient (htmx fragment), and names only that organisation's people who may hold identities.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

from passerelle.core.guard import unscoped
from passerelle.sharing.models import Disclosure

from .test_record_incident import pytestmark  # noqa: F401
from .test_share_incident import _login, world  # noqa: F401


def test_the_share_form_shows_the_allowed_level_before_submitting(live_server, browser, world):  # noqa: F811
    from passerelle.accounts.tests.factories import confirmed_device

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    _login(page, live_server.url, "drc.verifier", confirmed_device(world["verifier"]))
    incident = world["incident"]
    page.goto(f"{live_server.url}/sharing/incidents/{incident.public_id}/share/")
    assert "HRD under protocol" in page.locator("main").inner_text()  # the summary of partners
    recipients = page.locator("select[name=recipient] option").all_inner_texts()
    assert "DRC" not in recipients  # the record's own organisation is not a recipient
    page.select_option("select[name=protocol]", index=1)
    page.select_option("select[name=recipient]", label="HRD")
    guidance = page.locator("#share-guidance .guidance")
    guidance.wait_for()
    assert "may receive this record at level 2 at most" in guidance.inner_text()
    with unscoped():
        assert not Disclosure.objects.exists()  # asking is not sharing
    context.close()
