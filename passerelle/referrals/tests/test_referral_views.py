"""The referral pages: the form says why it refuses, the boxes, the detail and its moves."""

from __future__ import annotations

import pytest
from django.utils import translation

from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.incidents import services as incident_services

from ..models import Need, Referral, ServiceType
from .test_referrals import consent, refer

pytestmark = pytest.mark.django_db


def test_the_form_explains_that_consent_is_missing(world, monitor, person, client_for):
    page = client_for(monitor).get(f"/referrals/person/{person.public_id}/refer/")
    assert page.status_code == 200
    assert "No consent to referral on record" in page.content.decode()
    response = client_for(monitor).post(
        f"/referrals/person/{person.public_id}/refer/",
        {"service": world["medical"].pk, "level": 3, "urgency": "routine", "summary": "x"},
    )
    assert response.status_code == 200
    assert "No consent, no referral" in response.content.decode()
    with unscoped():
        assert not Referral.objects.exists()


def test_the_form_in_french(world, monitor, person, client_for):
    page = client_for(monitor, "fr").get(f"/referrals/person/{person.public_id}/refer/")
    with translation.override("fr"):
        assert "Aucun consentement" in page.content.decode()


def test_refer_send_and_answer_through_the_pages(world, monitor, person, client_for):
    consent(monitor, person)
    with unscoped():
        need = Need.objects.create(
            incident=person.incident,
            person=person,
            service_type=ServiceType.MEDICAL,
            identified_on="2013-02-15",
        )
    sender = client_for(monitor)
    form = sender.get(f"/referrals/person/{person.public_id}/refer/")
    assert world["medical"].name in form.content.decode()
    response = sender.post(
        f"/referrals/person/{person.public_id}/refer/",
        {
            "service": world["medical"].pk,
            "need": need.pk,
            "level": 3,
            "urgency": "urgent",
            "summary": "Besoin de soins dans les 72 heures.",
        },
    )
    with unscoped():
        referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == f"/referrals/{referral.public_id}/"
    receiver = client_for(world["receiver"])
    inbox = receiver.get("/referrals/received/").content.decode()
    assert referral.reference in inbox
    detail = receiver.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "Besoin de soins" in detail and "Accept" in detail
    moved = receiver.post(f"/referrals/{referral.public_id}/move/", {"to": "accepted"})
    assert moved.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"
    # the sender cannot accept on the provider's behalf
    sender.post(f"/referrals/{referral.public_id}/move/", {"to": "provided"})
    referral.refresh_from_db()
    assert referral.status == "accepted"
    # the person's page lists the need and the referral
    page = sender.get(f"/incidents/persons/{person.public_id}/").content.decode()
    assert referral.reference in page


def test_outsiders_get_404_and_the_refusal_is_audited(world, monitor, person, client_as):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    outsider = client_as(
        "case_worker",
        world["medical"].provider.__class__.objects.create(
            acronym="IRC", name="International Rescue Committee", type="ingo"
        ),
    )
    assert outsider.get(f"/referrals/{referral.public_id}/").status_code == 404
    assert (
        outsider.post(f"/referrals/{referral.public_id}/move/", {"to": "accepted"}).status_code
        == 404
    )
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert AuditEvent.objects.filter(action="access.refused", actor=outsider.user).exists()


def test_the_overdue_box(world, monitor, person, client_for):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    with unscoped():
        Referral.objects.filter(pk=referral.pk).update(follow_up_due="2013-03-01")
    for user in (monitor, world["receiver"]):
        page = client_for(user).get("/referrals/overdue/").content.decode()
        assert referral.reference in page


def test_service_directory_pages(world, client_as):
    viewer = client_as("viewer")
    listing = viewer.get("/referrals/services/?service_type=health_medical_service")
    assert world["medical"].name in listing.content.decode()
    assert world["in_house"].name not in listing.content.decode()
    assert viewer.get(f"/referrals/services/{world['medical'].public_id}/").status_code == 200
    assert viewer.get("/referrals/services/new/").status_code == 403


def test_an_org_admin_edits_only_its_own_services(world, client_as, org, areas):
    admin = client_as("org_admin")
    assert admin.get(f"/referrals/services/{world['medical'].public_id}/edit/").status_code == 403
    response = admin.post(
        "/referrals/services/new/",
        {
            "code": "DRC-GAO-LEG-01",
            "name": "Aide juridique – Gao",
            "provider": org.pk,
            "service_type": "legal_assistance_service",
            "areas": [areas["ML07"].pk],
            "status": "active",
            "min_age": 30,
            "max_age": 18,
        },
    )
    assert response.status_code == 200  # the age range is refused, nothing saved
    assert "below the minimum age" in response.content.decode()
    response = admin.post(
        "/referrals/services/new/",
        {
            "code": "DRC-GAO-LEG-01",
            "name": "Aide juridique – Gao",
            "provider": org.pk,
            "service_type": "legal_assistance_service",
            "areas": [areas["ML07"].pk],
            "status": "active",
            "target_groups": ["women", "men"],
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="service.create").exists()
    _ = incident_services  # the consent helper above records through the real service


def test_home_counts_what_awaits_each_side(world, monitor, person, client_for):
    import re

    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    with unscoped():
        Referral.objects.filter(pk=referral.pk).update(follow_up_due="2013-03-01")

    def figures(user):
        body = client_for(user).get("/").content.decode()
        found = re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", body)
        return {label: int(n) for n, label in found if "referral" in label}

    # no zero cards: the receiver sent nothing, so "open referrals you sent" is not shown
    # one of each: the labels are in the singular
    assert figures(world["receiver"]) == {
        "referral awaiting your answer": 1,
        "overdue referral": 1,
    }
    assert figures(monitor) == {"open referral you sent": 1, "overdue referral": 1}


@pytest.mark.parametrize("box", ["received", "sent"])
def test_the_boxes_read_no_more_with_more_rows(world, monitor, person, client_for, box):
    """The policy's per-row checks read prefetched data: the query count does not grow."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from passerelle.incidents.tests.factories import person_factory

    user = world["receiver"] if box == "received" else monitor
    client = client_for(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/referrals/{box}/").status_code == 200
        return len(captured)

    consent(monitor, person)
    refer(monitor, person, world["medical"])
    one = queries()
    for n in range(6):
        other = person_factory(monitor, person.incident, full_name=f"Personne {n}")
        consent(monitor, other)
        refer(monitor, other, world["medical"])
    assert queries() == one


def test_each_next_step_form_has_ids_of_its_own(world, monitor, person, client_for):
    """The receiver's page offers several next steps, each a form with a note: every field
    had the id id_note, so a label named the first form's field (found by a page walk)."""
    import re
    from collections import Counter

    consent(monitor, person)
    with unscoped():
        need = Need.objects.create(
            incident=person.incident,
            person=person,
            service_type=ServiceType.MEDICAL,
            identified_on="2013-02-15",
        )
    client_for(monitor).post(
        f"/referrals/person/{person.public_id}/refer/",
        {"service": world["medical"].pk, "need": need.pk, "level": 3, "urgency": "urgent"},
    )
    with unscoped():
        referral = Referral.objects.get()
    page = client_for(world["receiver"]).get(f"/referrals/{referral.public_id}/").content.decode()
    notes = re.findall(r'<textarea[^>]*name="note"[^>]*>', page)
    assert len(notes) >= 2
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, count in ids.items() if count > 1] == []
    for target in re.findall(r'<label[^>]*for="([^"]+)"', page):
        assert ids[target] == 1, target
