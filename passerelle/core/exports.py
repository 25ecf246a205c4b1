"""Every CSV and XLSX file Passerelle writes goes through here, so that no cell a user typed
runs as a formula in the spreadsheet that opens it ("CSV injection").

- CSV: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written
  with a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets show as text. A plain
  number written as text (`-12`, `+3.5`) is left alone: it cannot be a formula. Numbers stay
  numbers. Imports remove the apostrophe again (`unescape`).
- XLSX: every text cell is stored as text (`data_type = "s"`), never as a formula, and
  characters XML cannot hold are dropped. Passerelle never writes formulas.

Use `csv_writer(file)` instead of `csv.writer(file)` and `xlsx_bytes(book)` instead of
`book.save(...)`; `safe_cell(value)` neutralises one value. A list page's "Export (XLSX)"
is `xlsx_download(user, rows, columns=..., action=...)`: the file and its audit event.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

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
    raise) and stored as text.

    The cells are made here and handed to `sheet.append`: reading the new row back through
    `sheet[sheet.max_row]` scanned every cell of the sheet for each row (`max_row` and
    `max_column`), quadratic in the rows (35 s for the 5,000 lines of the demo's audit log)."""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        cell = Cell(sheet, value=xlsx_value(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)


# --------------------------------------------------------------------------- list exports
#
# Every list that offers "Export (XLSX)" writes its file here: one header row in the reader's
# language, labels rather than codes (the `Column` functions give choice labels, vocabulary
# terms in the active language, organisations by their name), dates as dates (shown
# yyyy-mm-dd), the filters the list applied on a second sheet, and one audit event saying who
# exported which list, how many rows, with which filters (as codes, never typed text).

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column of a list export: its header (lazy, translated when written) and how to
    read the value from a row."""

    label: object
    value: Callable[[object], object]
    width: int = 16


def _cell(value):
    """A value openpyxl can hold: text for lazy translations and model instances, dates as
    dates (timezone-aware datetimes in local time, openpyxl refuses an offset)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    return str(value)


def table_workbook(title, columns, rows, *, filters=()) -> bytes:
    """An XLSX of one table: the header then one line per row; `filters` are (label, value)
    lines written on a second sheet."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = ILLEGAL_CHARACTERS_RE.sub("", str(title))[:31] or "Export"
    append(sheet, [str(c.label) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append(sheet, [_cell(c.value(row)) for c in columns])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    if filters:
        about = book.create_sheet(str(_("Filters"))[:31])
        for label, value in filters:
            append(about, [str(label), _cell(value)])
    return xlsx_bytes(book)


def filter_codes(form) -> dict:
    """The filters a list applied, for the audit log: codes (P-code, acronym, vocabulary code,
    choice value, date, number); a free-text filter is recorded as "?" (applied, not what)."""
    if form is None or not form.is_bound or not form.is_valid():
        return {}
    from django import forms as django_forms

    codes = {}
    for name, value in form.cleaned_data.items():
        if value in (None, "", False) or (hasattr(value, "__len__") and not len(value)):
            continue
        field = form.fields.get(name)
        if isinstance(value, bool | int | float):
            codes[name] = value
        elif hasattr(value, "isoformat"):
            codes[name] = value.isoformat()
        elif hasattr(value, "pcode"):
            codes[name] = value.pcode
        elif hasattr(value, "acronym"):
            codes[name] = value.acronym
        elif hasattr(value, "code"):
            codes[name] = str(value.code)
        elif hasattr(value, "public_id"):
            codes[name] = str(value.public_id)
        elif isinstance(field, django_forms.ChoiceField) and isinstance(value, str):
            codes[name] = value  # one of the field's choices (validated)
        else:
            codes[name] = "?"
    return codes


def filter_lines(form) -> list:
    """The filters a list applied, as (label, value) in the reader's language, for the file."""
    if form is None or not form.is_bound or not form.is_valid():
        return []
    lines = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", False):
            continue
        field = form.fields[name]
        shown = value
        if isinstance(value, str) and not hasattr(field, "queryset"):
            # a plain choice: its label (a model choice is an object, named below)
            shown = dict(getattr(field, "choices", None) or []).get(value, value)
        elif hasattr(value, "display_name"):
            shown = value.display_name
        elif hasattr(value, "label") and not callable(value.label):
            shown = value.label
        elif hasattr(value, "name") and isinstance(value.name, str):
            shown = value.name
        lines.append((field.label or name, shown))
    return lines


def xlsx_download(
    user,
    rows,
    *,
    columns,
    action: str,
    title,
    filename: str,
    organisation=None,
    level: int | None = None,
    form=None,
) -> HttpResponse:
    """The audited download of a list as XLSX: `rows` are what the list shows the user
    (already scoped through the policy and filtered as the list is), written by
    `table_workbook`; one `action` event records the export (rows, filters as codes)."""
    from . import audit

    rows = list(rows)
    content = table_workbook(title, columns, rows, filters=filter_lines(form))
    audit.record(
        user,
        action,
        organisation=organisation,
        level=level,
        detail={"format": "xlsx", "rows": len(rows), "filters": filter_codes(form)},
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response
