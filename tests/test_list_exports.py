"""Every list exports as XLSX through `passerelle.core.exports.xlsx_download`: a real workbook,
headers and labels in the reader's language, only the rows the user may see (another
organisation's rows absent), the list's filters applied, and the export audited. An empty list
shows no export button."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.factories import category, incident_factory


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def exported(user, action):
    return AuditEvent.objects.filter(actor=user, action=action).order_by("-seq").first()


# --------------------------------------------------------------------------- incidents


@pytest.fixture
def two_orgs_incidents(monitor, other_org, user_with_role, areas):
    mine = incident_factory(monitor, area=areas["ML0701"], category=category())
    other_monitor = user_with_role("monitor", other_org)
    theirs = incident_factory(other_monitor, area=areas["ML0701"])
    return mine, theirs


@pytest.mark.parametrize(
    ("language", "header", "status"),
    [("en", "Reference", "Reported"), ("fr", "Référence", "Signalé")],
)
def test_the_incident_list_exports_its_own_rows_in_the_reader_language(
    client_as, two_orgs_incidents, language, header, status
):
    mine, theirs = two_orgs_incidents
    client = client_as("verifier", language=language)
    rows = workbook(client.get(reverse("incidents:export_xlsx")))
    references = column(rows, header)
    assert mine.reference in references
    assert theirs.reference not in references
    assert rows[0][0] == header
    term = category()
    label = term.label_fr if language == "fr" else term.label_en
    assert label in rows[1]  # the vocabulary term, not its code
    assert term.code not in rows[1]
    assert status in rows[1]  # the choice label, not "reported"
    event = exported(client.user, "incident.export")
    assert event.detail["rows"] == 1 and event.detail["format"] == "xlsx"


def test_the_incident_export_follows_the_list_filters(client_as, monitor, areas):
    kept = incident_factory(monitor, area=areas["ML0701"])
    incident_factory(monitor, area=areas["ML0701"], occurred_on=kept.occurred_on.replace(year=2010))
    client = client_as("verifier")
    url = reverse("incidents:export_xlsx") + f"?date_from={kept.occurred_on.isoformat()}"
    rows = workbook(client.get(url))
    assert column(rows, "Reference") == [kept.reference]
    event = exported(client.user, "incident.export")
    assert event.detail["filters"] == {"date_from": kept.occurred_on.isoformat()}


def test_an_empty_incident_list_shows_no_export_button(client_as, two_orgs_incidents):
    client = client_as("verifier")
    full = client.get(reverse("incidents:list")).content.decode()
    assert reverse("incidents:export_xlsx") in full
    assert reverse("sharing:export") in full  # the HXL export is linked from the list
    empty = client.get(reverse("incidents:list") + "?reference=NOTHING").content.decode()
    assert reverse("incidents:export_xlsx") not in empty


def test_a_viewer_cannot_export_incidents(client_as, two_orgs_incidents):
    client = client_as("viewer")
    assert client.get(reverse("incidents:export_xlsx")).status_code == 403
    assert (
        reverse("incidents:export_xlsx")
        not in client.get(reverse("incidents:list")).content.decode()
    )
