"""End to end: the mission's Women Protection Advisers start writing, in English, a request
to UNFPA that the Human Rights Division already asked in French and UNFPA answered. While
they type, the earlier request appears with its (aggregate) answer; they take it instead of
filing a duplicate. Then they ask for the positions of armed groups: the request is refused,
with the reason, and nothing is filed.

Drives Debian's chromium (never a downloaded browser) through Playwright.
"""

import datetime as dt

import pytest

from passerelle.accounts.models import Membership, Organisation, User
from passerelle.core.guard import unscoped
from passerelle.directory.models import ThematicArea
from passerelle.directory.thematic_areas import sync_thematic_areas
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.inforequests import services
from passerelle.inforequests.models import Request, Reuse
from passerelle.policy.purposes import Purpose

from .test_record_incident import PASSWORD, pytestmark  # noqa: F401
from .test_share_incident import _login

ANSWER = "Douze incidents de VBG rapportés dans la région de Gao au troisième trimestre."


@pytest.fixture
def world(transactional_db):
    # Transactional tests empty the database between tests, migration data included.
    sync_thematic_areas(ThematicArea)
    load_mali()
    mission = Organisation.objects.create(name="MINUSMA", acronym="MINUSMA", type="mission")
    hrd = Organisation.objects.create(
        name="Human Rights Division", acronym="HRD", type="mission_component", parent=mission
    )
    wpa = Organisation.objects.create(
        name="Women Protection Advisers", acronym="WPA", type="mission_component", parent=mission
    )
    unfpa = Organisation.objects.create(name="UNFPA", acronym="UNFPA", type="un_agency")
    officer = User.objects.create_user("hrd.officer", password=PASSWORD)
    Membership.objects.create(user=officer, organisation=hrd, role="monitor")
    adviser = User.objects.create_user("wpa.adviser", password=PASSWORD)
    Membership.objects.create(user=adviser, organisation=wpa, role="focal_point")
    answerer = User.objects.create_user("unfpa.fp", password=PASSWORD)
    Membership.objects.create(user=answerer, organisation=unfpa, role="focal_point")
    gbv = ThematicArea.objects.get(code="gbv")
    earlier = services.file_request(
        officer,
        asker=hrd,
        addressee=unfpa,
        kind="information",
        thematic_area=gbv,
        data_category="",
        level=1,
        purpose=Purpose.ANALYSIS,
        area=Area.objects.get(pcode="ML07"),
        period_start=dt.date(2013, 7, 1),
        period_end=dt.date(2013, 9, 30),
        subject="Nombre d'incidents de VBG dans la région de Gao, juillet–septembre 2013",
        body="Merci de partager le nombre de cas de violences basées sur le genre rapportés "
        "dans la région de Gao au troisième trimestre, pour le rapport de la Mission.",
    )
    services.answer_request(answerer, earlier, answer=ANSWER, answer_level=1)
    return {"earlier": earlier, "wpa": wpa, "gbv": gbv}


def _fill(page, world, subject, body):
    page.select_option("select[name=addressee]", label="UNFPA – UNFPA")
    page.select_option("select[name=thematic_area]", value=str(world["gbv"].pk))
    page.select_option("select[name=area]", value=str(Area.objects.get(pcode="ML07").pk))
    page.fill("input[name=period_start]", "2013-07-01")
    page.fill("input[name=period_end]", "2013-09-30")
    page.select_option("select[name=purpose]", value=Purpose.ANALYSIS)
    page.fill("input[name=subject]", subject)
    page.fill("textarea[name=body]", body[:-1])
    page.locator("textarea[name=body]").press_sequentially(body[-1])  # typed: keyup


def test_an_earlier_request_is_suggested_while_typing_and_taken_instead(
    live_server, browser, world
):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    blocked = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    _login(page, live_server.url, "wpa.adviser")
    page.goto(f"{live_server.url}/requests/new/")
    _fill(
        page,
        world,
        "GBV incidents in Gao region, July to September 2013",
        "Please share how many gender-based violence cases were reported in Gao region "
        "in the third quarter, for our quarterly analysis.",
    )
    # htmx asks the server while the form is written: the French request shows up.
    earlier = world["earlier"]
    suggestion = page.locator("#suggestions li", has_text=earlier.reference)
    try:
        suggestion.wait_for()
    except Exception:
        print(page.locator("main").inner_text())
        raise
    assert ANSWER in suggestion.inner_text()  # an aggregate: sister components read it
    suggestion.get_by_role("button", name="Use this request instead").click()
    page.wait_for_url(f"{live_server.url}/requests/{earlier.public_id}/")
    page.wait_for_selector("ul.messages li.success")
    assert "Duplicate avoided" in page.locator("ul.messages").inner_text()
    with unscoped():
        assert Request.objects.count() == 1  # nothing new filed
        reuse = Reuse.objects.get()
    assert reuse.request_id == earlier.pk and reuse.organisation_id == world["wpa"].pk

    # A request that reads as intelligence gathering is refused, with the reason.
    page.goto(f"{live_server.url}/requests/new/")
    _fill(
        page,
        world,
        "Positions of armed groups around Gao",
        "We need the positions of armed groups near the sites where survivors were met.",
    )
    page.get_by_role("button", name="File the request").click()
    refusal = page.locator("div.refusal")
    refusal.wait_for()
    assert "intelligence gathering" in refusal.inner_text()
    with unscoped():
        assert Request.objects.count() == 1
    assert blocked == []
