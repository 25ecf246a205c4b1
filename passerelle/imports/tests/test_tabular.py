"""The flat-table reader shared by the spreadsheet and ACLED imports: encodings, separators,
dates in the formats spreadsheets hold, cells read back as they were exported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passerelle.core import exports
from passerelle.imports import tabular

# serials of 4 or 5 digits only (a small number is not read as a date): from 1902-09
DATES = st.dates(min_value=dt.date(1903, 1, 1), max_value=dt.date(2099, 12, 31))
MONTHS_EN = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
MONTHS_FR = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
]  # fmt: skip


@given(DATES)
def test_a_date_in_every_spreadsheet_spelling_reads_back(day):
    serial = (day - tabular.EXCEL_EPOCH).days
    spellings = [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.strftime("%d.%m.%Y"),
        str(serial),
        f"{serial}.25",
        f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}",
        f"{day.day:02d}-{MONTHS_EN[day.month - 1]}-{day.year}",
        f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}",
        f"{day.isoformat()}T10:00:00Z",
    ]
    assert {s: tabular.parse_date(s) for s in spellings} == {s: day for s in spellings}


@given(st.text(max_size=30))
def test_any_text_is_a_date_or_none_never_an_error(text):
    assert tabular.parse_date(text) is None or isinstance(tabular.parse_date(text), dt.date)


@pytest.mark.parametrize("text", ["31/02/2024", "2024-13-01", "00/01/2024", "soon", "12", "-5"])
def test_what_is_not_a_date_is_none(text):
    assert tabular.parse_date(text) is None


CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(
    str.strip
)


@given(st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=5))
def test_a_csv_in_any_encoding_and_separator_reads_back_its_cells(rows):
    header = ["alpha", "beta", "gamma"]
    for encoding in ("utf-8", "utf-8-sig", "utf-16"):
        for delimiter in (",", ";", "\t"):
            out = io.StringIO()
            writer = exports.csv_writer(out, delimiter=delimiter)
            writer.writerow(header)
            writer.writerows(rows)
            table = tabular.read_table(out.getvalue().encode(encoding), filename="x.csv")
            expected = [header] + [r for r in rows if any(r)]
            got = [cells + [""] * (3 - len(cells)) for _n, cells in table.rows]
            assert got == expected, (encoding, delimiter)
            assert table.delimiter == delimiter


def test_latin_1_text_is_read_as_such():
    table = tabular.read_table("clé;région\nSégou;Mopti\n".encode("latin-1"))
    assert table.encoding == "cp1252"
    assert table.rows == [(1, ["clé", "région"]), (2, ["Ségou", "Mopti"])]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 ...", "file_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old_excel"),
        (b"a,b\x00,c", "file_type"),
    ],
)
def test_what_is_not_a_table_is_refused_with_a_reason(data, reason):
    with pytest.raises(tabular.TableRefused) as caught:
        tabular.read_table(data)
    assert caught.value.reason == reason
