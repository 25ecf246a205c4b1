"""Every list exports as XLSX through `passerelle.core.exports.xlsx_download`: a real workbook,
headers and labels in the reader's language, only the rows the user may see (another
organisation's rows absent), the list's filters applied, and the export audited. An empty list
shows no export button."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from passerelle.accounts.tests.factories import OrganisationFactory
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


# --------------------------------------------------------------------------- action points


@pytest.fixture
def action_points(org, other_org, areas):
    """An action point of a body DRC chairs, and one of a body only AMSS sits in."""
    import datetime as dt

    from passerelle.coordination.models import ActionPoint, Body

    def body(acronym, chair):
        return Body.objects.create(
            name=f"Groupe {acronym}",
            acronym=acronym,
            kind="cluster",
            place=areas["ML07"],
            chair=chair,
        )

    due = dt.date(2026, 1, 15)
    mine = ActionPoint.objects.create(
        body=body("GPC-GAO", org), text="Partager le circuit", owner=org, due_on=due
    )
    theirs = ActionPoint.objects.create(
        body=body("AMSS-INT", other_org), text="Réunion interne", owner=other_org, due_on=due
    )
    return mine, theirs


@pytest.mark.parametrize(("language", "status"), [("en", "Open"), ("fr", "Ouvert")])
def test_action_points_export_the_rows_the_list_shows(client_as, action_points, language, status):
    mine, theirs = action_points
    client = client_as("viewer", language=language)
    rows = workbook(client.get(reverse("coordination:action_points_xlsx"), {"status": "all"}))
    texts = [row[4] for row in rows[1:]]
    assert texts == ["Partager le circuit"]
    from django.utils import translation

    with translation.override(language):
        assert str(mine.get_status_display()) in rows[1]
    assert rows[1][0].date() == mine.due_on  # a date, not text
    assert exported(client.user, "action_point.export").detail["filters"] == {"status": "all"}
    page = client.get(reverse("coordination:action_points")).content.decode()
    assert reverse("coordination:action_points_xlsx") in page
    empty = client.get(reverse("coordination:action_points"), {"status": "done"}).content.decode()
    assert reverse("coordination:action_points_xlsx") not in empty


# --------------------------------------------------------------------------- directory


def test_the_directory_exports_its_focal_points(client_as, org, other_org):
    import datetime as dt

    from passerelle.directory.models import FocalPoint, ThematicArea

    theme = ThematicArea.objects.order_by("pk").first()
    since = dt.date(2025, 1, 1)
    FocalPoint.objects.create(organisation=org, thematic_area=theme, name="Awa Diallo", since=since)
    FocalPoint.objects.create(
        organisation=other_org, thematic_area=theme, name="Moussa Keita", since=since
    )
    for language in ("en", "fr"):
        client = client_as("viewer", language=language)
        rows = workbook(client.get(reverse("directory:export_xlsx"), {"organisation": org.acronym}))
        assert column(rows, rows[0][0]) == ["Awa Diallo"]  # the filter applies
        assert theme.name in rows[1]  # the thematic area in the reader's language
        assert rows[1][10].date() == since
    assert exported(client.user, "directory.export").detail["filters"] == {"organisation": "DRC"}
    nobody = OrganisationFactory(acronym="NONE")
    empty = client.get(reverse("directory:index"), {"organisation": nobody.acronym})
    empty = empty.content.decode()
    assert reverse("directory:export_xlsx") not in empty


# --------------------------------------------------------------------------- reachable pages


def test_trainings_are_reachable_from_the_coordination_pages(client_as):
    client = client_as("im_officer")
    html = client.get(reverse("coordination:index")).content.decode()
    assert reverse("coordination:training_list") in html
    trainings = client.get(reverse("coordination:training_list")).content.decode()
    assert reverse("coordination:training_map") in trainings
    assert reverse("coordination:training_create") in trainings
    assert reverse("coordination:training_xlsx") not in trainings  # nothing to export yet
    assert (
        reverse("coordination:index")
        in client.get(reverse("coordination:training_map")).content.decode()
    )


def test_the_entry_points_page_has_the_directory_navigation(client_as):
    html = client_as("viewer").get(reverse("directory:entry_points")).content.decode()
    for name in (
        "core:home",
        "directory:index",
        "directory:objective_list",
        "directory:profile_list",
    ):
        assert reverse(name) in html


def test_empty_lists_show_no_export_button(client_as):
    client = client_as("verifier")
    assert reverse("sharing:export") not in client.get(reverse("sharing:received")).content.decode()
    services = client.get(reverse("referrals:service_list")).content.decode()
    assert reverse("referrals:service_export_xlsx") not in services


def test_the_filters_are_written_in_words_on_a_second_sheet(client_as, two_orgs_incidents):
    client = client_as("verifier", language="fr")
    response = client.get(reverse("incidents:export_xlsx"), {"status": "reported", "area": ""})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    filters = list(book.worksheets[1].iter_rows(values_only=True))
    assert filters == [("Statut de vérification", "Signalé")]
    assert exported(client.user, "incident.export").detail["filters"] == {"status": "reported"}
