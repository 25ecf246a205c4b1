"""The request boxes export as XLSX (core.exports): the box's rows, labels in the reader's
language, audited; another organisation's requests absent; an empty box offers no export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.fixtures import logged_in_client

pytestmark = pytest.mark.django_db


def sheet(response):
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_received_box_exports_with_labels(world, ask, language):
    req = ask()
    client = logged_in_client(world["fp"], language)
    rows = sheet(client.get(reverse("inforequests:export_xlsx"), {"box": "received"}))
    with translation.override(language):
        assert rows[0][0] == translation.gettext("Reference")
        status = str(req.get_status_display())
        kind = str(req.get_kind_display())
    assert [r[0] for r in rows[1:]] == [req.reference]
    assert status in rows[1] and kind in rows[1]
    assert req.status not in rows[1]
    event = AuditEvent.objects.get(action="request.export")
    assert event.actor == world["fp"] and event.detail["rows"] == 1


def test_an_outsider_exports_nothing_and_an_empty_box_has_no_button(world, ask):
    req = ask()
    outsider = logged_in_client(world["outsider"])
    rows = sheet(outsider.get(reverse("inforequests:export_xlsx"), {"box": "received"}))
    assert rows[1:] == []
    page = outsider.get(reverse("inforequests:received")).content.decode()
    assert reverse("inforequests:export_xlsx") not in page
    page = logged_in_client(world["fp"]).get(reverse("inforequests:received")).content.decode()
    assert reverse("inforequests:export_xlsx") in page and req.reference in page
