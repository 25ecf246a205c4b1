"""The register's pages: the form shows earlier requests asking the same thing (with and
without JavaScript) and every refusal; the boxes; a request, its answer and its moves; the
figures; the home cards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from passerelle.core.guard import unscoped

from .. import services
from ..models import Request, Reuse

pytestmark = pytest.mark.django_db

PARAPHRASE = {
    "subject": "Number of displaced persons in the Gao region",
    "body": "Please share the figures of IDPs by cercle for the monthly report.",
}


def form_data(world, theme, areas, **values):
    data = {
        "asker": world["hrd"].pk,
        "addressee": world["unhcr"].pk,
        "kind": "information",
        "thematic_area": theme("durable_solutions").pk,
        "area": areas["ML0701"].pk,
        "subject": "Nombre de personnes déplacées à Gao",
        "body": "Chiffres des PDI par cercle pour le rapport mensuel.",
        "level": 1,
        "data_category": "",
        "purpose": "analysis",
        "period_start": "",
        "period_end": "",
        "due_on": "",
    }
    data.update(values)
    return data


def count() -> int:
    with unscoped():
        return Request.objects.count()


@pytest.fixture
def earlier(world, ask):
    """CPS asked UNHCR for the displacement figures in Gao; answered with aggregates."""
    request = ask(actor=world["sister"], asker=world["cps"])
    services.answer_request(
        world["fp"], request, answer="1 240 PDI à Gao, 310 à Ansongo.", answer_level=1
    )
    return request


# --------------------------------------------------------------------------- asking


def test_the_form_preselects_the_only_organisation_one_asks_for(world, client_for):
    page = client_for(world["asker"]).get("/requests/new/").content.decode()
    assert f'<option value="{world["hrd"].pk}" selected>' in page
    assert "Check for earlier requests" in page
    assert 'hx-post="/requests/suggest/"' in page and "keyup changed delay:800ms" in page
    assert "Intelligence gathering" not in page  # forbidden purposes are not offered


def test_checking_without_javascript_shows_an_earlier_paraphrase(
    world, earlier, client_for, theme, areas
):
    response = client_for(world["asker"]).post(
        "/requests/new/", form_data(world, theme, areas, check="1", **PARAPHRASE)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert earlier.reference in page and "% alike" in page
    assert "1 240 PDI" in page  # an aggregate answer: a sister component reads it
    assert f'formaction="/requests/{earlier.public_id}/reuse/"' in page
    assert "File mine anyway" in page
    assert count() == 1


def test_a_detailed_answer_is_shown_to_the_asker_only(world, ask, protocol, client_for, theme):
    detailed = ask(level=2, data_category="hr")
    services.answer_request(world["fp"], detailed, answer="Trois incidents.", answer_level=2)
    data = {
        "subject": detailed.subject,
        "body": detailed.body.reveal(),
        "thematic_area": theme("durable_solutions").pk,
        "area": detailed.area_id,
    }
    sister = client_for(world["sister"]).post("/requests/suggest/", data, HTTP_HX_REQUEST="true")
    page = sister.content.decode()
    assert detailed.reference in page and "Trois incidents" not in page
    assert "visible to the asker only" in page
    asker = client_for(world["asker"]).post("/requests/suggest/", data, HTTP_HX_REQUEST="true")
    assert "Trois incidents" in asker.content.decode()


def test_the_suggestion_endpoint_returns_the_partial(world, earlier, client_for, theme, areas):
    client = client_for(world["asker"])
    response = client.post(
        "/requests/suggest/", form_data(world, theme, areas, **PARAPHRASE), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert earlier.reference in page
    assert client.get("/requests/suggest/").content.decode().strip() == ""
    unrelated = client.get(
        "/requests/suggest/", {"subject": "Mines antipersonnel", "area": areas["ML0701"].pk}
    )
    assert "No earlier request asks the same thing" in unrelated.content.decode()


def test_filing_a_duplicate_asks_first_then_files_anyway(world, earlier, client_for, theme, areas):
    client = client_for(world["asker"])
    first = client.post("/requests/new/", form_data(world, theme, areas, file="1", **PARAPHRASE))
    assert first.status_code == 200
    assert "Not filed yet: earlier requests ask the same thing" in first.content.decode()
    assert count() == 1
    anyway = client.post(
        "/requests/new/", form_data(world, theme, areas, file="anyway", **PARAPHRASE)
    )
    with unscoped():
        filed = Request.objects.exclude(pk=earlier.pk).get()
    assert anyway.status_code == 302 and anyway.url == f"/requests/{filed.public_id}/"
    assert filed.subject == PARAPHRASE["subject"] and filed.asked_by == world["asker"]


def test_a_new_request_is_filed_straight_away(world, client_for, theme, areas):
    response = client_for(world["asker"]).post(
        "/requests/new/", form_data(world, theme, areas, file="1"), follow=True
    )
    assert count() == 1
    assert "filed and sent to those who answer for UNHCR" in response.content.decode()


def test_using_an_earlier_request_instead_counts_a_duplicate_avoided(
    world, earlier, client_for, theme, areas
):
    client = client_for(world["asker"])
    response = client.post(
        f"/requests/{earlier.public_id}/reuse/",
        form_data(world, theme, areas, **PARAPHRASE),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/requests/{earlier.public_id}/"
    assert "Duplicate avoided" in response.content.decode()
    reuse = Reuse.objects.get()
    assert reuse.request == earlier and reuse.organisation == world["hrd"]
    assert reuse.subject == PARAPHRASE["subject"]
    assert count() == 1
    # an outsider cannot take a request they may not read
    outsider = client_for(world["outsider"]).post(f"/requests/{earlier.public_id}/reuse/")
    assert outsider.status_code == 404 and Reuse.objects.count() == 1


def test_every_refusal_is_shown_and_the_values_kept(world, client_for, theme, areas):
    response = client_for(world["asker"]).post(
        "/requests/new/",
        form_data(
            world,
            theme,
            areas,
            file="1",
            level=2,
            data_category="",
            subject="Positions des groupes armés",
            body="Où sont les groupes armés près de Gao ?",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Not filed" in page
    assert "reads as intelligence gathering" in page
    assert "Say which data category" in page
    assert 'value="Positions des groupes armés"' in page
    assert count() == 0


def test_a_past_due_date_is_shown_on_its_field(world, client_for, theme, areas):
    response = client_for(world["asker"]).post(
        "/requests/new/", form_data(world, theme, areas, file="1", due_on="2013-01-01")
    )
    page = response.content.decode()
    assert "a date already past" in page and 'class="field has-error' in page
    assert count() == 0


def test_those_who_may_not_ask_do_not_see_the_form(world, client_for):
    assert client_for(world["hrd_viewer"]).get("/requests/new/").status_code == 403


# --------------------------------------------------------------------------- boxes


def test_the_boxes_list_their_requests(world, ask, earlier, client_for, user_with_role):
    made = ask(subject="Retours à Gao")
    received = ask(
        actor=user_with_role("monitor", world["unhcr"]),
        asker=world["unhcr"],
        addressee=world["hrd"],
        subject="Incidents signalés à Ménaka",
    )
    late = ask(subject="Abris à Ansongo")
    with unscoped():
        Request.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(1))
    client = client_for(world["asker"])

    def refs(url):
        page = client.get(url).content.decode()
        return {r.reference for r in (made, received, earlier, late) if r.reference in page}

    assert refs("/requests/") == {made.reference, late.reference}  # no request.answer: made
    assert refs("/requests/made/") == {made.reference, late.reference}
    assert refs("/requests/received/") == {received.reference}
    assert refs("/requests/related/") == {earlier.reference}
    assert refs("/requests/overdue/") == {late.reference}
    assert refs("/requests/all/") == {
        made.reference,
        received.reference,
        earlier.reference,
        late.reference,
    }
    assert refs("/requests/all/?status=answered") == {earlier.reference}
    assert refs("/requests/all/?q=ansongo") == {late.reference}
    assert 'class="nowrap late"' in client.get("/requests/overdue/").content.decode()
    # those who answer land on what they received
    page = client_for(world["fp"]).get("/requests/").content.decode()
    assert made.reference in page and received.reference not in page


# --------------------------------------------------------------------------- one request


def test_the_detail_shows_the_answer_to_the_asker_and_hides_a_detailed_one_from_sisters(
    world, ask, protocol, disclose, client_for
):
    request = ask(level=2, data_category="hr", subject="Incidents de VBG à Ansongo")
    shared = disclose(protocol, world["hrd"])
    services.answer_request(
        world["fp"],
        request,
        answer="Trois incidents en mars.",
        answer_level=2,
        disclosures=[shared],
    )
    url = f"/requests/{request.public_id}/"
    asker = client_for(world["asker"]).get(url).content.decode()
    assert "Trois incidents en mars." in asker
    assert f"/sharing/received/{shared.public_id}/" in asker
    assert protocol.reference in asker
    addressee = client_for(world["fp"]).get(url).content.decode()
    assert "Trois incidents en mars." in addressee
    assert f"/sharing/received/{shared.public_id}/" not in addressee  # not theirs to open
    sister = client_for(world["sister"]).get(url).content.decode()
    assert "Incidents de VBG à Ansongo" in sister
    assert "Trois incidents" not in sister and "visible to the asker only" in sister
    assert str(shared.public_id) not in sister
    assert client_for(world["outsider"]).get(url).status_code == 404


def test_acknowledge_answer_and_close_through_the_pages(world, ask, client_for):
    request = ask()
    url = f"/requests/{request.public_id}/"
    fp = client_for(world["fp"])
    page = fp.get(url).content.decode()
    assert "Acknowledge receipt" in page and "Decline the request" in page
    assert fp.post(url + "acknowledge/", {"assignee": world["admin"].pk}).status_code == 302
    request.refresh_from_db()
    assert request.status == "acknowledged" and request.assignee == world["admin"]
    bad = fp.post(
        url + "answer/",
        {"answer": "Voir le lien.", "answer_level": 1, "answer_link": "https://example.org/stats"},
    )
    page = bad.content.decode()
    assert bad.status_code == 200 and "Link only to a statistics page" in page
    assert "Voir le lien." in page  # what was typed is kept
    request.refresh_from_db()
    assert request.status == "acknowledged"
    good = fp.post(url + "answer/", {"answer": "412 retours.", "answer_level": 1})
    assert good.status_code == 302
    request.refresh_from_db()
    assert request.status == "answered"
    # the addressee does not close; the asker does
    assert fp.post(url + "close/").status_code == 404
    asker = client_for(world["asker"])
    assert "Close the request" in asker.get(url).content.decode()
    assert asker.post(url + "close/", {"note": "Merci"}).status_code == 302
    request.refresh_from_db()
    assert request.status == "closed"


def test_decline_and_withdraw_through_the_pages(world, ask, client_for):
    declined, withdrawn = ask(), ask(subject="Retours")
    fp = client_for(world["fp"])
    missing = fp.post(f"/requests/{declined.public_id}/decline/", {"decline_reason": "other"})
    assert "Explain the reason." in missing.content.decode()
    assert (
        fp.post(
            f"/requests/{declined.public_id}/decline/", {"decline_reason": "not_held"}
        ).status_code
        == 302
    )
    declined.refresh_from_db()
    assert declined.status == "declined"
    page = client_for(world["asker"]).get(f"/requests/{declined.public_id}/").content.decode()
    assert "We do not hold this information" in page
    # the asker cannot decline on the addressee's behalf
    asker = client_for(world["asker"])
    assert asker.post(
        f"/requests/{withdrawn.public_id}/decline/", {"decline_reason": "x"}
    ).status_code in (
        403,
        404,
    )
    assert "Withdraw the request" in asker.get(f"/requests/{withdrawn.public_id}/").content.decode()
    response = asker.post(f"/requests/{withdrawn.public_id}/close/", follow=True)
    assert "withdrawn" in response.content.decode()
    withdrawn.refresh_from_db()
    assert withdrawn.status == "closed"
    # a move from the wrong status is explained, nothing changes
    again = fp.post(f"/requests/{declined.public_id}/acknowledge/", follow=True)
    assert "cannot be changed" in again.content.decode()


def test_answer_with_an_earlier_answer_through_the_page(world, earlier, ask, client_for):
    request = ask(subject="Chiffres des déplacés dans la région de Gao")
    url = f"/requests/{request.public_id}/"
    fp = client_for(world["fp"])
    page = fp.get(url).content.decode()
    assert "Answer with an earlier answer" in page and earlier.reference in page
    assert fp.post(url + "answer-earlier/", {"earlier": earlier.pk}).status_code == 302
    request.refresh_from_db()
    assert request.duplicate_of == earlier
    assert request.answer.reveal() == earlier.answer.reveal()  # sealed at rest
    asker = client_for(world["asker"]).get(url).content.decode()
    assert "1 240 PDI" in asker and earlier.reference in asker  # "same as"
    duplicates = fp.get(f"/requests/{earlier.public_id}/").content.decode()
    assert "Duplicates of this one" in duplicates and request.reference in duplicates


# --------------------------------------------------------------------------- figures and cards


def test_the_figures_page(world, ask, earlier, client_for):
    ask()
    Reuse.objects.create(request=earlier, organisation=world["hrd"])
    page = client_for(world["fp"]).get("/requests/metrics/").content.decode()
    assert "duplicates avoided" in page and "Requests by asking organisation" in page
    assert '<th scope="row">CPS</th>' in page and '<th scope="row">HRD</th>' in page
    outsider = client_for(world["outsider"]).get("/requests/metrics/").content.decode()
    assert "No request in this period." in outsider
    future = client_for(world["fp"]).get("/requests/metrics/?date_from=2099-01-01")
    assert "No request in this period." in future.content.decode()


def render_cards(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load request_tags %}{% request_cards %}").render(
        Context({"request": request})
    )


def test_the_home_cards(world, ask, earlier):
    ask()
    late = ask(subject="Abris")
    with unscoped():
        Request.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(1))
    fp = render_cards(world["fp"])
    assert "<strong>2</strong><span>requests waiting for your organisation" in fp
    assert "<strong>1</strong><span>overdue request<" in fp  # one: in the singular
    assert "<strong>1</strong><span>request answered in the last seven days" in fp
    asker = render_cards(world["asker"])
    assert "<strong>2</strong><span>your requests waiting for an answer" in asker
    assert render_cards(world["hrd_viewer"]).strip() == ""
    assert render_cards(world["sysadmin"]).strip() == ""
