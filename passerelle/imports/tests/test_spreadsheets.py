"""Generic spreadsheets: the template (incidents, persons, lists), the reader (every bad cell
named by row and column; encodings, separators, French and Excel dates), the export through
the policy (what the reader may see, audited), and the round trip export → edit → import
that updates instead of copying, through the one import path."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.imports import pipeline, spreadsheet_export, spreadsheets
from passerelle.imports.models import ImportBatch, ImportedSubmission
from passerelle.incidents.models import Incident, Person
from passerelle.incidents.tests.factories import incident_factory, person_factory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def codes_row(sheet) -> list[str]:
    return [c.value for c in sheet[2] if c.value is not None]


def fill(incidents: list[dict], persons: list[dict] = ()) -> bytes:
    """The template, filled: one dict of codes → values per line."""
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet_export.template_bytes()))
    for name, lines in (("incidents", incidents), ("persons", persons)):
        sheet = book[name]
        codes = codes_row(sheet)
        for line in lines:
            sheet.append([line.get(code) for code in codes])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def incident_line(key="INC-1", **values) -> dict:
    line = {
        "key": key,
        "occurred_on": "14/02/2013",
        "area": "ML0701",
        "category": "pm.attacks_on_civilians",
        "narrative": "Tirs sur le marché.",
        "victims_m_18_59": 2,
    }
    line.update(values)
    return line


def person_line(key="INC-1", **values) -> dict:
    line = {
        "incident_key": key,
        "role": "victim",
        "sex": "f",
        "age": 24,
        "full_name": "Awa Traoré",
        "consents_given": "referral; aggregate_reporting",
        "needs": "psychosocial_service",
    }
    line.update(values)
    return line


# --------------------------------------------------------------------------- the template


def test_the_template_has_incidents_persons_and_lists_with_codes(areas):
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet_export.template_bytes()))
    assert book.sheetnames == ["incidents", "persons", "lists"]
    incident_codes = codes_row(book["incidents"])
    assert incident_codes[:3] == ["key", "reference", "occurred_on"]
    assert "victims_f_0_4" in incident_codes and "narrative" in incident_codes
    assert book["incidents"]["A1"].value == "Incident key"
    assert codes_row(book["persons"])[0] == "incident_key"
    listed = {(r[0], r[1]) for r in book["lists"].iter_rows(min_row=2, values_only=True)}
    assert ("category", "pm.attacks_on_civilians") in listed
    assert ("area", "ML0701") in listed and ("need", "psychosocial_service") in listed
    assert ("consent", "referral") in listed and ("age_group", "18_59") in listed


def test_the_template_names_its_columns_in_the_readers_language(areas):
    with translation.override("fr"):
        book = openpyxl.load_workbook(io.BytesIO(spreadsheet_export.template_bytes()))
        expected = [str(c.label) for c in spreadsheets.incident_columns()]
    assert [c.value for c in book["incidents"][1]] == expected
    assert book["incidents"]["C2"].value == "occurred_on"


# --------------------------------------------------------------------------- the reader


def test_a_filled_template_becomes_incidents_with_their_persons(areas):
    data = fill(
        [incident_line(), incident_line("INC-2", occurred_on="2013-03-01", victims_m_18_59=None)],
        [person_line(), person_line(role="witness", full_name="", sex="m", age=None)],
    )
    rows, errors = spreadsheets.read(data, filename="filled.xlsx")
    assert errors == []
    first, second = rows
    assert first.key == "INC-1" and first.row == 3
    assert first.values["occurred_on"] == dt.date(2013, 2, 14)
    assert first.values["area"] == "ML0701"
    assert first.victim_counts == {("m", "18_59"): 2}
    assert [p.role for p in first.persons] == ["victim", "witness"]
    assert first.persons[0].consents == {"referral": True, "aggregate_reporting": True}
    assert first.persons[0].needs == ["psychosocial_service"]
    assert second.values["occurred_on"] == dt.date(2013, 3, 1) and second.persons == []


def test_every_bad_cell_is_named_by_row_and_column(areas):
    data = fill(
        [
            incident_line(occurred_on="31/02/2013"),
            incident_line("INC-2", latitude="north", victims_f_0_4="two"),
            incident_line("INC-2"),
            incident_line("", classification="5"),
        ],
        [
            person_line("INC-9"),
            person_line("INC-2", role="bystander", age="old", needs="pizza"),
            person_line("INC-2", consents_given="referral", consents_refused="referral"),
        ],
    )
    rows, errors = spreadsheets.read(data)
    found = {(e.row, e.column) for e in errors}
    assert found == {
        (3, "occurred_on"),
        (4, "latitude"),
        (4, "victims_f_0_4"),
        (5, "key"),
        (6, "classification"),
        (6, "key"),
        (3, "persons.incident_key"),
        (4, "persons.age"),
        (4, "persons.needs"),
        (4, "persons.role"),
        (5, "persons.consents_refused"),
    }
    messages = {(e.row, e.column): str(e.message) for e in errors}
    assert messages[(5, "key")] == "The key INC-2 is already used by row 4."
    assert "Awa" not in " ".join(messages.values())  # no identity quoted


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("latin-1", ";")],
)
def test_a_csv_of_the_incidents_sheet_in_any_encoding_and_separator(areas, encoding, delimiter):
    lines = [
        ["key", "occurred_on", "area", "category", "exact_location", "victims_f_unknown"],
        ["K-1", "14/02/2013", "ML0701", "pm.attacks_on_civilians", "Marché de Gao", "1"],
        ["K-2", "41319", "ML0503", "pm.attacks_on_civilians", "Djenné", ""],
    ]
    text = "\r\n".join(delimiter.join(cells) for cells in lines)
    rows, errors = spreadsheets.read(text.encode(encoding), filename="incidents.csv")
    assert errors == []
    assert [r.values["occurred_on"] for r in rows] == [dt.date(2013, 2, 14), dt.date(2013, 2, 14)]
    assert rows[0].values["exact_location"] == "Marché de Gao"
    assert rows[0].victim_counts == {("f", "unknown"): 1}


def test_a_file_without_the_row_of_codes_is_refused_clearly(areas):
    rows, errors = spreadsheets.read(b"name,age\nAwa,12\n", filename="x.csv")
    assert rows == [] and [e.code for e in errors] == ["no_header"]


def test_a_zip_bomb_is_refused_before_it_is_read(areas):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (40 * 1024 * 1024))
    rows, errors = spreadsheets.read(out.getvalue(), filename="bomb.xlsx")
    assert rows == [] and errors[0].code == "workbook_too_large"


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_rows_or_errors_never_a_crash(data):
    rows, errors = spreadsheets.read(data)
    assert rows or errors  # an empty file is an error too


# --------------------------------------------------------------------------- the import path


def _import(actor, org, data, name="filled.xlsx"):
    batch = spreadsheets.upload(actor, organisation=org, upload=SimpleUploadedFile(name, data))
    rows, errors = pipeline.read_batch(batch)
    plan = pipeline.prepare(actor, organisation=org, rows=rows, source="spreadsheet", errors=errors)
    return batch, plan


def test_a_filled_template_is_imported_through_the_pipeline_and_again_changes_nothing(
    org, areas, monitor
):
    data = fill([incident_line()], [person_line()])
    batch, plan = _import(monitor, org, data)
    assert batch.source == ImportBatch.Source.SPREADSHEET
    assert not plan.errors
    result = pipeline.apply(monitor, plan)
    assert result["created"] == 1 and result["persons"] == 1
    with unscoped():
        incident = ImportedSubmission.objects.get(key="INC-1").incident
        assert incident.narrative.reveal() == "Tirs sur le marché."
        assert incident.persons.get().full_name.reveal() == "Awa Traoré"
    _batch, again = _import(monitor, org, data)
    assert again.counts()["to_create"] == 0 and again.counts()["to_update"] == 0


def test_the_page_checks_the_upload_and_shows_the_preview(client_for, monitor, org, areas):
    client = client_for(monitor)
    assert client.get(reverse("imports:spreadsheet")).status_code == 200
    upload = SimpleUploadedFile("filled.xlsx", fill([incident_line(occurred_on="soon")]))
    response = client.post(reverse("imports:spreadsheet"), {"organisation": org.pk, "file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:preview", kwargs={"public_id": batch.public_id})
    assert batch.error_count == 1 and batch.errors[0]["column"] == "occurred_on"
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "Change the mapping" not in preview.content.decode()
    assert reverse("imports:spreadsheet") in preview.content.decode()
    with unscoped():
        assert not Incident.objects.exists()


# --------------------------------------------------------------------------- export, round trip


@pytest.fixture
def recorded(monitor, areas):
    incident = incident_factory(
        monitor, area=areas["ML0701"], classification=2, narrative='=HYPERLINK("x")'
    )
    person_factory(monitor, incident, full_name="Fatoumata Maïga")
    return incident


def _export(client) -> openpyxl.Workbook:
    response = client.get(reverse("imports:spreadsheet_export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    for sheet in book:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f"
    return book


def _table(sheet) -> list[dict]:
    codes = codes_row(sheet)
    return [
        dict(zip(codes, values, strict=False))
        for values in sheet.iter_rows(min_row=3, values_only=True)
    ]


def test_a_level_2_export_leaves_out_case_details_and_persons_and_is_audited(recorded, client_as):
    book = _export(client_as("im_officer"))
    assert book.sheetnames == ["incidents", "lists"]
    (line,) = _table(book["incidents"])
    assert line["key"] == recorded.reference and line["area"] == "ML0701"
    assert "narrative" not in line and "exact_location" not in line
    event = AuditEvent.objects.filter(action="incident.export").latest("seq")
    assert event.detail["format"] == "xlsx-template" and event.detail["rows"] == 1
    assert event.level == 2


def test_identities_are_exported_only_to_who_may_see_them(
    recorded, monitor, client_for, user_with_role
):
    verifier = user_with_role("verifier")
    book = _export(client_for(verifier))
    (person,) = _table(book["persons"])
    assert "full_name" not in person  # not named on the need-to-know list
    (line,) = _table(book["incidents"])
    assert line["narrative"] == '=HYPERLINK("x")'  # text, never a formula
    assert AuditEvent.objects.filter(action="incident.read", actor=verifier).exists()


def test_export_edit_import_updates_the_incident_instead_of_copying_it(
    recorded, monitor, org, user_with_role, client_for
):
    verifier = user_with_role("verifier")
    book = _export(client_for(verifier))
    sheet = book["incidents"]
    codes = codes_row(sheet)
    sheet.cell(row=3, column=codes.index("narrative") + 1, value="Corrigé après vérification.")
    out = io.BytesIO()
    book.save(out)
    _batch, plan = _import(monitor, org, out.getvalue())
    assert not plan.errors, [(e.row, e.column, str(e.message)) for e in plan.errors]
    assert plan.counts()["to_update"] == 1 and plan.counts()["to_create"] == 0
    pipeline.apply(monitor, plan)
    with unscoped():
        assert Incident.objects.count() == 1
        recorded.refresh_from_db()
        assert recorded.narrative.reveal() == "Corrigé après vérification."
        # the persons were kept, identity included (the file had no identity column)
        person = Person._base_manager.get(incident=recorded)
        assert person.full_name.reveal() == "Fatoumata Maïga"


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set(book, code: str, value, row: int = 3) -> None:
    sheet = book["incidents"]
    sheet.cell(row=row, column=codes_row(sheet).index(code) + 1, value=value)


def test_a_partial_export_cannot_update_a_recorded_incident(recorded, monitor, org, client_as):
    book = _export(client_as("im_officer"))  # level 2: no narrative, no location
    _set(book, "occurred_on", "15/02/2013")  # a held column changed
    _batch, plan = _import(monitor, org, _saved(book))
    assert (3, "key", "incomplete") in [(e.row, e.column, e.code) for e in plan.errors]
    assert "narrative" in str(plan.errors[0].message)
    assert plan.counts()["to_update"] == 0


def _writes() -> int:
    """Audit events of writes to records (not the import's own events)."""
    return AuditEvent.objects.filter(action__in=["incident.update", "incident.create"]).count()


def test_an_im_officer_re_importing_their_own_export_changes_nothing(
    recorded, monitor, org, areas, client_as
):
    """The trial's case: level 2, `import.run` but no `incident.edit`; the export leaves
    out the case details; imported again unchanged it is counted unchanged, row by row,
    whether the incidents were recorded by hand (keys: references) or imported."""
    data = fill([incident_line(f"SUB-{n}", victims_m_18_59=n + 1) for n in range(3)])
    _batch, plan = _import(monitor, org, data)
    pipeline.apply(monitor, plan)
    client = client_as("im_officer")
    officer = client.user
    exported = _saved(_export(client))
    with unscoped():
        stored = {i.pk: (i.updated_at, i.narrative.reveal()) for i in Incident.objects.all()}
    writes, events = _writes(), AuditEvent.objects.count()
    _batch, plan = _import(officer, org, exported)
    assert not plan.errors, [(e.row, e.column, str(e.message)) for e in plan.errors]
    assert plan.counts()["to_create"] == 0 and plan.counts()["to_update"] == 0
    assert plan.counts()["unchanged"] == 4
    result = pipeline.apply(officer, plan)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 4)
    assert _writes() == writes
    assert not AuditEvent.objects.filter(seq__gt=0, action="access.refused", actor=officer)
    # no audit event per record: the upload, the check and the application only
    assert AuditEvent.objects.count() - events <= 3
    with unscoped():
        assert Incident.objects.count() == 4
        now = {i.pk: (i.updated_at, i.narrative.reveal()) for i in Incident.objects.all()}
    assert now == stored  # the columns the file left out are as they were
    # and again: still nothing
    _batch, again = _import(officer, org, exported)
    assert not again.errors and again.counts()["unchanged"] == 4


def test_an_im_officer_changing_a_held_cell_gets_a_row_error_not_a_write(
    recorded, monitor, org, client_as
):
    """A changed cell makes the row an update, which needs `incident.edit`: refused on its
    row, for an incident recorded by hand (its reference) as for an imported one."""
    _batch, plan = _import(monitor, org, fill([incident_line("SUB-0")]))
    pipeline.apply(monitor, plan)
    client = client_as("im_officer")
    book = _export(client)
    _set(book, "occurred_on", "15/02/2013", row=3)
    _set(book, "occurred_on", "15/02/2013", row=4)
    _batch, plan = _import(client.user, org, _saved(book))
    found = {(e.row, e.column, e.code) for e in plan.errors}
    assert {(3, "key", "forbidden"), (4, "key", "forbidden")} <= found
    assert "differs" in " ".join(str(e.message) for e in plan.errors if e.row == 4)
    assert plan.counts()["to_update"] == 0
    with unscoped():
        assert not Incident.objects.filter(occurred_on=dt.date(2013, 2, 15)).exists()
    refused = AuditEvent.objects.filter(action="access.refused", actor=client.user)
    assert refused.exists()


def test_a_monitor_re_importing_an_export_changes_nothing_until_a_cell_changes(
    recorded, monitor, org, user_with_role, client_for
):
    """The monitor may not export; a verifier's export (every incident column, persons
    without identities) imported by the monitor is unchanged; one changed cell: one update."""
    book = _export(client_for(user_with_role("verifier")))
    _batch, plan = _import(monitor, org, _saved(book))
    assert not plan.errors, [(e.row, e.column, str(e.message)) for e in plan.errors]
    assert plan.counts()["unchanged"] == 1 and plan.counts()["to_update"] == 0
    writes = _writes()
    assert pipeline.apply(monitor, plan)["updated"] == 0
    assert _writes() == writes
    _set(book, "narrative", "Corrigé.")
    _batch, plan = _import(monitor, org, _saved(book))
    assert not plan.errors and plan.counts()["to_update"] == 1
    assert pipeline.apply(monitor, plan)["updated"] == 1
    with unscoped():
        recorded.refresh_from_db()
        assert recorded.narrative.reveal() == "Corrigé."


def test_a_reference_the_importer_may_not_change_is_refused(recorded, org, user_with_role, areas):
    """The IM officer imports (import.run) but may not edit incidents: a file naming an
    incident's reference as its key does not let them change it."""
    officer = user_with_role("im_officer")
    data = fill([incident_line(recorded.reference)])
    _batch, plan = _import(officer, org, data)
    assert (3, "key", "forbidden") in [(e.row, e.column, e.code) for e in plan.errors]
    assert not ImportedSubmission.objects.exists()  # nothing adopted


# --------------------------------------------------------------------------- who may


def test_who_may_download_upload_and_export(client_as, areas):
    viewer = client_as("viewer")
    assert viewer.get(reverse("imports:spreadsheet")).status_code == 403
    assert viewer.get(reverse("imports:spreadsheet_template")).status_code == 403
    assert viewer.get(reverse("imports:spreadsheet_export")).status_code == 403
    monitor = client_as("monitor")
    assert monitor.get(reverse("imports:spreadsheet_template")).status_code == 200
    assert monitor.get(reverse("imports:spreadsheet_export")).status_code == 403
    assert client_as("im_officer").get(reverse("imports:spreadsheet_export")).status_code == 200


def test_the_incident_list_offers_the_export_with_its_filters(recorded, client_as):
    page = client_as("im_officer").get(reverse("incidents:list"))
    assert page.status_code == 200
    assert reverse("imports:spreadsheet_export") in page.content.decode()


def test_the_comparison_with_what_is_stored_reads_a_fixed_number_of_queries(
    monitor, org, areas, client_as
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("im_officer")

    def queries(count: int) -> int:
        data = fill([incident_line(f"Q{count}-{n}", victims_f_0_4=n + 1) for n in range(count)])
        _batch, plan = _import(monitor, org, data)
        pipeline.apply(monitor, plan)
        exported = _saved(_export(client))
        with CaptureQueriesContext(connection) as captured:
            rows, errors = spreadsheets.read(
                exported, filename="x.xlsx", organisation=org, actor=client.user
            )
        assert not errors and all(r.version is None for r in rows)  # all unchanged
        return len(captured.captured_queries)

    queries(1)  # the first read fills the per-process caches (vocabularies, roles)
    assert queries(2) == queries(6)  # 3 then 9 incidents, all compared
