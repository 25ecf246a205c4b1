"""Every CSV and XLSX file Passerelle writes goes through here, so that no cell a user typed
runs as a formula in the spreadsheet that opens it ("CSV injection").

- CSV: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written
  with a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets show as text. A plain
  number written as text (`-12`, `+3.5`) is left alone: it cannot be a formula. Numbers stay
  numbers. Imports remove the apostrophe again (`unescape`).
- XLSX: every text cell is stored as text (`data_type = "s"`), never as a formula, and
  characters XML cannot hold are dropped. Passerelle never writes formulas.

Use `csv_writer(file)` instead of `csv.writer(file)` and `xlsx_bytes(book)` instead of
`book.save(...)`; `safe_cell(value)` neutralises one value.
"""

from __future__ import annotations

import csv
import io
import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def is_risky(text: str) -> bool:
    """Would a spreadsheet read this text as the start of a formula?"""
    return text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text)


def safe_cell(value):
    """The value as a CSV cell: text that could run as a formula gets a leading apostrophe;
    numbers, dates and booleans are returned unchanged, None as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        # a text that already starts with the apostrophe gets one more, so that `unescape`
        # gives back exactly what was written
        return "'" + value if is_risky(value) or value.startswith("'") else value
    if isinstance(value, bool | int | float) or hasattr(value, "isoformat"):
        return value
    return safe_cell(str(value))  # lazy translations, Decimal, model instances...


def unescape(text: str) -> str:
    """Undo `safe_cell` on text read back from a file Passerelle wrote."""
    if len(text) > 1 and text[0] == "'" and (is_risky(text[1:]) or text[1] == "'"):
        return text[1:]
    return text


class _SafeWriter:
    """A csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

    @property
    def dialect(self):
        return self._writer.dialect


def csv_writer(file, **options) -> _SafeWriter:
    return _SafeWriter(csv.writer(file, **options))


def xlsx_value(value):
    """A value for an openpyxl cell: text without the characters XML cannot hold."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def neutralise(book) -> None:
    """Store every text cell of the workbook as text, never as a formula."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    if ILLEGAL_CHARACTERS_RE.search(cell.value):
                        cell.value = xlsx_value(cell.value)
                    cell.data_type = "s"


def xlsx_bytes(book) -> bytes:
    """The workbook as the bytes of an XLSX file, its text cells made inert."""
    neutralise(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def append(sheet, values) -> None:
    """`sheet.append(values)` with text cleaned of what XML cannot hold (openpyxl would
    raise) and stored as text."""
    sheet.append([xlsx_value(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
