"""The referral boxes export as XLSX (core.exports): the box's rows only, its filters, labels in
the reader's language, audited; an empty box offers no export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core.models import AuditEvent

from ..models import Referral
from .test_referrals import consent, refer

pytestmark = pytest.mark.django_db


def sheet(response):
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_sent_box_exports_its_referrals_with_labels(
    world, monitor, person, client_for, language
):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    rows = sheet(
        client_for(monitor, language).get(reverse("referrals:export_xlsx"), {"box": "sent"})
    )
    with translation.override(language):
        assert rows[0][0] == str(translation.gettext("Reference"))
        status = str(Referral.Status(referral.status).label)
        urgency = str(Referral.Urgency(referral.urgency).label)
    assert [r[0] for r in rows[1:]] == [referral.reference]
    assert status in rows[1] and urgency in rows[1]
    assert referral.status not in rows[1]  # the label, not the code
    assert "Soins" not in str(rows)  # the summary stays out of the list and its file
    event = AuditEvent.objects.get(action="referral.export")
    assert event.actor == monitor and event.detail["rows"] == 1


def test_another_organisation_sees_none_and_filters_apply(
    world, monitor, person, client_for, user_with_role
):
    consent(monitor, person)
    referral = refer(monitor, person, world["medical"])
    outsider = user_with_role("case_worker", OrganisationFactory(acronym="OUT"))
    rows = sheet(client_for(outsider).get(reverse("referrals:export_xlsx"), {"box": "sent"}))
    assert rows[1:] == []
    filtered = client_for(monitor).get(
        reverse("referrals:export_xlsx"), {"box": "sent", "status": "closed"}
    )
    assert sheet(filtered)[1:] == []
    page = client_for(monitor).get(reverse("referrals:sent")).content.decode()
    assert reverse("referrals:export_xlsx") in page
    assert referral.reference in page
    empty = client_for(monitor).get(reverse("referrals:sent"), {"status": "closed"})
    assert reverse("referrals:export_xlsx") not in empty.content.decode()
