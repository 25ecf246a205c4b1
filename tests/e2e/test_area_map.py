"""End to end: the service map in chromium. The first visit loads the page, its scripts and
stylesheet and the cercle boundaries (at most 250 kB); the second takes the boundaries from the
browser's cache; the map is reached by keyboard, the focused cercle is outlined and named, the
arrow keys move from cercle to cercle, the zoom buttons follow it, and Enter opens the
chosen one.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

import pytest

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.geography.loader import load_mali

from .test_record_incident import PASSWORD, pytestmark  # noqa: F401

BUDGET = 250_000

# Bytes of the page and of every same-origin resource it loaded, from the Resource Timing API:
# decoded (uncompressed) and transferred (0 when taken from the cache).
WEIGHTS = """() => {
  const origin = location.origin;
  const entries = [...performance.getEntriesByType("navigation"),
                   ...performance.getEntriesByType("resource")]
    .filter((e) => e.name.startsWith(origin));
  return entries.map((e) => ({name: e.name, decoded: e.decodedBodySize,
                              transferred: e.transferSize}));
}"""


@pytest.fixture
def viewer(transactional_db):
    load_mali()
    drc = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    user = User.objects.create_user("drc.viewer", password=PASSWORD)
    Membership.objects.create(user=user, organisation=drc, role="viewer")
    return user


def _drawn(page):
    page.wait_for_selector(".areamap svg .areamap-shape")
    page.wait_for_load_state("load")


def test_the_service_map_is_light_cached_and_usable_by_keyboard(live_server, browser, viewer):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    blocked = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "drc.viewer")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    url = f"{live_server.url}/referrals/services/map/"
    page.goto(url)
    _drawn(page)
    first = page.evaluate(WEIGHTS)
    boundaries = [e for e in first if "/areas/boundaries/" in e["name"]]
    assert len(boundaries) == 1
    assert sum(e["decoded"] for e in first) <= BUDGET, first
    assert page.locator(".areamap-shape").count() == 53  # every cercle, Ménaka's four included

    page.goto(url)  # the second visit: the boundaries come from the cache
    _drawn(page)
    second = page.evaluate(WEIGHTS)
    (again,) = [e for e in second if "/areas/boundaries/" in e["name"]]
    assert again["transferred"] == 0
    assert sum(e["transferred"] for e in second) < sum(e["transferred"] for e in first)

    # Keyboard: after the filter's button, the map is the next tab stop.
    page.locator("form.filters button[type=submit]").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Bafoulabé: 0"
    assert page.evaluate("document.activeElement.getAttribute('role')") == "link"
    halo = page.locator(".areamap-halo")
    assert halo.get_attribute("d")  # the outline is drawn over the focused cercle
    assert float(halo.evaluate("e => parseFloat(getComputedStyle(e).strokeWidth)")) >= 3
    assert page.locator(".areamap-info").text_content() == "Bafoulabé: 0"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Diéma: 0"
    page.keyboard.press("Tab")  # one tab stop for the whole map, then its zoom buttons
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Zoom in"
    whole = page.locator(".areamap svg").get_attribute("viewBox")
    page.keyboard.press("Enter")  # zooms in on the cercle last focused
    x, y, w, h = map(float, page.locator(".areamap svg").get_attribute("viewBox").split())
    assert w < float(whole.split()[2]) / 1.9
    box = page.locator(".areamap-shape[data-pcode=ML0102]").evaluate(
        "e => { const b = e.getBBox(); return [b.x + b.width / 2, b.y + b.height / 2]; }"
    )
    assert x <= box[0] <= x + w and y <= box[1] <= y + h
    page.get_by_role("button", name="Whole map").click()
    assert page.locator(".areamap svg").get_attribute("viewBox") == whole
    page.get_by_role("button", name="Zoom in").focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Diéma: 0"
    page.keyboard.press("Enter")
    page.wait_for_url("**/referrals/services/map/?area=ML0102#services")
    assert page.locator("#services h2").text_content() == "Services in Diéma"
    assert blocked == []
    context.close()
