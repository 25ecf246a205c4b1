"""Uploaded workbooks are bounded before they are read: a small XLSX that inflates to a huge
sheet (a zip bomb) is refused from the zip directory, quickly and without the memory."""

from __future__ import annotations

import functools
import io
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from passerelle.core import spreadsheets
from passerelle.core.spreadsheets import MB, Limits, WorkbookRefused
from passerelle.referrals.mapping import ImportRejected, import_file

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(rows=(("Code", "Service name"), ("DRC-1", "Écoute"))) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@functools.cache
def _bomb(inflated: int = 64 * MB, *, declared: int | None = None) -> bytes:
    """A real workbook whose first sheet holds one cell of `inflated` bytes, written in
    chunks (the test itself never holds it). `declared`: make the zip headers lie about the
    sheet's inflated size."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in source.infolist():
            if entry.filename != SHEET:
                bomb.writestr(entry, source.read(entry))
                continue
            with bomb.open(SHEET, "w", force_zip64=False) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
                    b'<c r="A1" t="inlineStr"><is><t>'
                )
                chunk = b"A" * MB
                for _ in range(inflated // MB):
                    sheet.write(chunk)
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    data = out.getvalue()
    if declared is not None:
        data = _lie_about_size(data, SHEET.encode(), declared)
    return data


def _lie_about_size(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of `name` in its local and central headers."""
    data = bytearray(data)
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        for match in re.finditer(re.escape(signature), data):
            start = match.start()
            length = int.from_bytes(data[start + name_len_at : start + name_len_at + 2], "little")
            if bytes(data[start + name_at : start + name_at + length]) == name:
                data[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
    return bytes(data)


def _refusal(data: bytes, limits: Limits = spreadsheets.LIMITS) -> WorkbookRefused:
    with pytest.raises(WorkbookRefused) as caught:
        list(spreadsheets.read_rows(data, limits=limits))
    return caught.value


def test_a_plain_workbook_is_read():
    rows = [(n, values[:3]) for n, values in spreadsheets.read_rows(_workbook())]
    assert rows == [(1, ("Code", "Service name", None)), (2, ("DRC-1", "Écoute", None))]


def test_a_zip_bomb_is_refused_from_its_directory_quickly_and_without_inflating_it():
    bomb = _bomb()
    assert len(bomb) < 200 * 1024  # a 64 MB sheet in a file of a few dozen KB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with translation.override("en"):  # the message is read in English below
            refusal = _refusal(bomb)
        elapsed = time.perf_counter() - started
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refusal.reason == "workbook_too_large"
    assert "25 MB" in str(refusal)
    assert elapsed < 1
    assert peak < 2 * MB


def test_an_entry_that_inflates_far_more_than_a_spreadsheet_is_refused():
    bomb = _bomb(2 * MB)  # under the total, but about a thousand times its compressed size
    assert _refusal(bomb).reason == "workbook_too_large"
    assert _refusal(bomb, Limits(max_ratio=10_000)).reason == "cell_too_long"


def test_a_zip_whose_headers_lie_about_the_size_is_not_inflated_beyond_them():
    liar = _bomb(64 * MB, declared=1000)
    tracemalloc.start()
    try:
        refusal = _refusal(liar)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refusal.reason == "not_a_workbook"  # the inflated data do not match the header
    assert peak < 8 * MB


def test_too_many_entries_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(201):
            archive.writestr(f"x/{i}.xml", b"<x/>")
    assert _refusal(out.getvalue()).reason == "workbook_too_large"


def test_rows_columns_and_cells_are_bounded_while_reading():
    wide = _workbook([[f"c{i}" for i in range(100)] for _ in range(30)])
    rows = list(spreadsheets.read_rows(wide, limits=Limits(max_rows=20, max_columns=7)))
    assert len(rows) == 20 and {len(values) for _n, values in rows} == {7}
    long_cell = _workbook([["short"], ["x" * 500]])
    refusal = _refusal(long_cell, Limits(max_cell_chars=100))
    assert (refusal.reason, refusal.params) == ("cell_too_long", {"row": 2, "limit": 100})


@pytest.mark.parametrize("data", [b"PK\x03\x04 not a zip", b"", b"\x00" * 64])
def test_what_is_not_a_workbook_is_refused_plainly(data):
    assert _refusal(data).reason == "not_a_workbook"


def test_every_xlsx_import_reads_through_the_bounded_reader():
    root = Path(settings.BASE_DIR) / "passerelle"
    direct = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "spreadsheets.py"
        and "load_workbook" in path.read_text()
    ]
    assert not direct, direct


# --------------------------------------------------------------------------- the service import


@pytest.fixture
def importer(user_with_role):
    return user_with_role("im_officer", username="drc.im")


@pytest.mark.django_db
def test_the_service_import_refuses_a_zip_bomb_with_a_translated_reason(importer, client_for):
    with pytest.raises(ImportRejected) as caught:
        import_file(importer, _bomb(), "services.xlsx")
    assert [e.code for e in caught.value.errors] == ["workbook_too_large"]
    upload = SimpleUploadedFile("services.xlsx", _bomb(), content_type="application/zip")
    started = time.perf_counter()
    client = client_for(importer)
    response = client.post(reverse("referrals:service_import"), {"file": upload})
    assert time.perf_counter() - started < 5
    assert response.status_code == 200
    assert "at most 25 MB once uncompressed" in response.content.decode()
